-- Intake documents are kept in pieces of at most 1 MiB, in order, so that a
-- large document is never bound to one statement (nor held in memory) whole.
-- raw_documents.content stays for small documents written in one piece
-- (validation evidence) and is empty for documents kept in pieces.
CREATE TABLE raw_document_chunks (
    sha256  TEXT NOT NULL REFERENCES raw_documents(sha256),
    seq     BIGINT NOT NULL,
    bytes   BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);
