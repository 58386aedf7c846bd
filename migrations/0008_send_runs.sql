-- Each `dun send` run, and which run wrote each pending e-mail, so that an
-- e-mail is `unknown` only when the run that was sending it is really gone,
-- and so that two runs on one database (through any path to the file)
-- cannot overlap (SPEC.md §5; docs/decisions.md "Reliability").
CREATE TABLE send_run (
    id          INTEGER PRIMARY KEY,
    pid         INTEGER NOT NULL,
    -- The process as the kernel knows it: the boot it ran in and its start
    -- time since boot, so that a pid used again later is not taken for it.
    boot        TEXT NOT NULL,
    started     TEXT NOT NULL,
    at          TEXT NOT NULL,      -- when the run began (RFC 3339)
    ended_at    TEXT                -- NULL while it runs, or when it died
);
CREATE INDEX send_run_open ON send_run(id) WHERE ended_at IS NULL;

ALTER TABLE contact_log ADD COLUMN send_run INTEGER REFERENCES send_run(id);

-- The run that wrote an entry is part of the evidence: it never changes.
DROP TRIGGER contact_log_no_rewrite;
CREATE TRIGGER contact_log_no_rewrite
BEFORE UPDATE OF id, invoice_id, channel, inbound, on_date, at, step, outcome, note, recipients,
                 subject, message_id, deadline, message_key, send_run
ON contact_log
BEGIN
    SELECT RAISE(ABORT, 'the contact log is append-only');
END;
