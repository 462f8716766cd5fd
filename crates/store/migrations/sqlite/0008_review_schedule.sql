-- The review's schedule: partners the developer asks for, planned-date
-- changes (each with its reason), and the reminders already sent, so that
-- each is sent once whichever server sends it.

-- JSON array of partner organization ids, like supporting_agencies.
ALTER TABLE submissions ADD COLUMN requested_partners TEXT NOT NULL DEFAULT '[]';

CREATE TABLE submission_date_changes (
    id                       BLOB PRIMARY KEY NOT NULL,
    submission_id            BLOB NOT NULL REFERENCES submissions(id),
    changed_by               BLOB REFERENCES users(id),
    at                       INTEGER NOT NULL,
    old_partner_release      INTEGER NOT NULL,
    new_partner_release      INTEGER NOT NULL,
    old_public_release       INTEGER,
    new_public_release       INTEGER,
    reason                   TEXT NOT NULL
);
CREATE INDEX submission_date_changes_submission ON submission_date_changes(submission_id, at);

-- One row per reminder sent: what it is about and which reminder (the kind
-- names the date it counts down to, so moving the date starts again).
CREATE TABLE reminders_sent (
    subject_id  BLOB NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (subject_id, kind)
);
