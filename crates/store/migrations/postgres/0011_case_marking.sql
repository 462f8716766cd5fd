-- A case's marking and who may know it (issue 5, item 5). Cases default to
-- TLP:AMBER+STRICT; an embargo end is kept in UTC with the UTC offset it was
-- set in, so it can be shown in the setter's time as well. The affected
-- vendor becomes a party once notified, and the clearinghouse may name
-- further participant organizations. Who may read follows from these facts
-- in the policy; the store only keeps them.

ALTER TABLE cases ADD COLUMN tlp TEXT NOT NULL DEFAULT 'AMBER+STRICT'
    CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT'));
ALTER TABLE cases ADD COLUMN embargo_until BIGINT;
-- Minutes east of UTC of the offset the embargo end was given in.
ALTER TABLE cases ADD COLUMN embargo_offset_minutes INTEGER;
ALTER TABLE cases ADD COLUMN vendor_org UUID REFERENCES organizations(id);
ALTER TABLE cases ADD COLUMN vendor_notified_at BIGINT;

CREATE TABLE case_participants (
    case_id   UUID NOT NULL REFERENCES cases(id),
    org_id    UUID NOT NULL REFERENCES organizations(id),
    added_by  UUID REFERENCES users(id),
    at        BIGINT NOT NULL,
    PRIMARY KEY (case_id, org_id)
);
