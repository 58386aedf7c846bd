-- Schema 5: where `dun inbox` left off (SPEC.md §10).
--
-- One row per IMAP mailbox read: the account it belongs to (user@host:port,
-- so that another account is read from the start), the mailbox's
-- UIDVALIDITY and the highest UID read. A changed UIDVALIDITY means a full
-- re-read, which is harmless: each message is logged once by its
-- contact_log.message_key. A Maildir has no position: it is read whole.

CREATE TABLE mailbox_position (
    account      TEXT NOT NULL,
    mailbox      TEXT NOT NULL,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL CHECK (last_uid >= 0),
    read_at      TEXT NOT NULL,
    PRIMARY KEY (account, mailbox)
);

-- Looking a message up by its identity alone (is it logged already?); the
-- unique index of schema 3 leads with invoice_id.
CREATE INDEX contact_log_by_message_key ON contact_log(message_key) WHERE message_key IS NOT NULL;
