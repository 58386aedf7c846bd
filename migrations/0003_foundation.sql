-- Schema 3: what the inbox, letters on paper and the law need.
--
-- The contact log is rebuilt (SQLite cannot widen a CHECK in place):
--   * outcome gains 'auto-reply' (an out-of-office answer read from the
--     mailbox: logged, but it holds nothing);
--   * deadline: the day a letter gave the client to pay by (SPEC.md §3 rule 10);
--   * message_key: the identity of a message read from the mailbox (its
--     Message-ID, or a hash of its headers), so that it is logged once.
-- Clients gain their postal and legal identity (SPEC.md §6 The law, §13).

DROP TRIGGER contact_log_no_delete;
DROP TRIGGER contact_log_no_rewrite;
DROP TRIGGER contact_log_delivery_forward;

CREATE TABLE contact_log_v3 (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoice(id),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'call', 'letter', 'visit', 'sms', 'note')),
    inbound     INTEGER NOT NULL DEFAULT 0 CHECK (inbound IN (0, 1)),
    on_date     TEXT NOT NULL,        -- the day of the contact, for the ladder
    at          TEXT NOT NULL,        -- when it was recorded
    step        TEXT,                 -- the ladder step it does, if any
    outcome     TEXT CHECK (outcome IN ('no-answer', 'voicemail', 'talked', 'promised',
                                        'disputed', 'refused', 'replied', 'bounced',
                                        'auto-reply')),
    note        TEXT,
    recipients  TEXT,                 -- e-mails: who it went to
    subject     TEXT,
    message_id  TEXT,
    delivery    TEXT CHECK (delivery IN ('pending', 'sent', 'failed')),
    delivery_detail TEXT,             -- the server's reason for a failure
    delivered_at TEXT,
    deadline    TEXT,                 -- letters: the day the client was given to pay by
    message_key TEXT                  -- inbound mail: the message's identity, logged once
);

INSERT INTO contact_log_v3 (id, invoice_id, channel, inbound, on_date, at, step, outcome, note,
                            recipients, subject, message_id, delivery, delivery_detail, delivered_at)
SELECT id, invoice_id, channel, inbound, on_date, at, step, outcome, note,
       recipients, subject, message_id, delivery, delivery_detail, delivered_at
FROM contact_log ORDER BY id;

DROP TABLE contact_log;
ALTER TABLE contact_log_v3 RENAME TO contact_log;

CREATE INDEX contact_log_scan ON contact_log(invoice_id, id, on_date, channel, inbound, step, outcome, delivery);
CREATE INDEX contact_log_bounces ON contact_log(invoice_id) WHERE outcome = 'bounced';
CREATE INDEX contact_log_pending ON contact_log(invoice_id) WHERE delivery = 'pending';
CREATE UNIQUE INDEX contact_log_message_key ON contact_log(invoice_id, message_key)
    WHERE message_key IS NOT NULL;
CREATE INDEX contact_log_by_message_id ON contact_log(message_id) WHERE message_id IS NOT NULL;

-- The log is evidence: nothing is deleted, and only the delivery state of an
-- e-mail (pending -> sent | failed) ever changes.
CREATE TRIGGER contact_log_no_delete BEFORE DELETE ON contact_log
BEGIN
    SELECT RAISE(ABORT, 'the contact log is append-only');
END;
CREATE TRIGGER contact_log_no_rewrite
BEFORE UPDATE OF id, invoice_id, channel, inbound, on_date, at, step, outcome, note, recipients,
                 subject, message_id, deadline, message_key
ON contact_log
BEGIN
    SELECT RAISE(ABORT, 'the contact log is append-only');
END;
CREATE TRIGGER contact_log_delivery_forward BEFORE UPDATE OF delivery ON contact_log
WHEN OLD.delivery IS NOT 'pending'
BEGIN
    SELECT RAISE(ABORT, 'only a pending e-mail can change its delivery state');
END;

ALTER TABLE client ADD COLUMN address TEXT;         -- postal address, lines joined by '\n'
ALTER TABLE client ADD COLUMN org_number TEXT;      -- company registration number
ALTER TABLE client ADD COLUMN country TEXT;         -- ISO 3166-1 alpha-2; NULL: [defaults] country
ALTER TABLE client ADD COLUMN consumer INTEGER NOT NULL DEFAULT 0 CHECK (consumer IN (0, 1));
