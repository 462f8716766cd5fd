-- The review's schedule: partners the developer asks for, planned-date
-- changes (each with its reason), and the reminders already sent, so that
-- each is sent once whichever server sends it.

-- JSON array of partner organization ids, like supporting_agencies.
ALTER TABLE submissions ADD COLUMN requested_partners TEXT NOT NULL DEFAULT '[]';

CREATE TABLE submission_date_changes (
    id                       UUID PRIMARY KEY NOT NULL,
    submission_id            UUID NOT NULL REFERENCES submissions(id),
    changed_by               UUID REFERENCES users(id),
    at                       BIGINT NOT NULL,
    old_partner_release      BIGINT NOT NULL,
    new_partner_release      BIGINT NOT NULL,
    old_public_release       BIGINT,
    new_public_release       BIGINT,
    reason                   TEXT NOT NULL
);
CREATE INDEX submission_date_changes_submission ON submission_date_changes(submission_id, at);

-- One row per reminder sent: what it is about and which reminder (the kind
-- names the date it counts down to, so moving the date starts again).
CREATE TABLE reminders_sent (
    subject_id  UUID NOT NULL,
    kind        TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (subject_id, kind)
);
