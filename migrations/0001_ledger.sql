-- The ledger: clients, invoices, payments, holds and the contact log.
-- Money is INTEGER minor units; dates are TEXT 'YYYY-MM-DD'; timestamps RFC 3339.

CREATE TABLE client (
    id          INTEGER PRIMARY KEY,
    handle      TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    emails      TEXT NOT NULL DEFAULT '',   -- comma-separated, validated addresses
    phone       TEXT,
    lang        TEXT NOT NULL,
    notes       TEXT,
    -- The contact_log id at the last change of e-mail addresses: a bounce
    -- logged after it stops e-mail to this client (SPEC.md §3 rule 11).
    email_mark  INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

CREATE TABLE escalation_contact (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES client(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    role        TEXT,
    email       TEXT,
    phone       TEXT
);
CREATE INDEX escalation_contact_by_client ON escalation_contact(client_id);

CREATE TABLE invoice (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    client_id   INTEGER NOT NULL REFERENCES client(id),
    issued      TEXT NOT NULL,
    due         TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    currency    TEXT NOT NULL,
    description TEXT,
    pay_link    TEXT,
    start_step  TEXT,                 -- --step S: the steps before S were done elsewhere
    entered_on  TEXT NOT NULL,        -- the day it was added (today at the time)
    -- Why the invoice left the ladder for good; NULL while it is on it.
    closed      TEXT CHECK (closed IN ('paid', 'settled', 'written-off', 'void')),
    closed_on   TEXT,
    close_note  TEXT,
    write_down  INTEGER NOT NULL DEFAULT 0 CHECK (write_down >= 0),
    created_at  TEXT NOT NULL
);
-- The ladder reads open invoices by due date; a client's statement by client.
CREATE INDEX invoice_open_by_due ON invoice(due) WHERE closed IS NULL;
CREATE INDEX invoice_by_client ON invoice(client_id);

CREATE TABLE payment (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoice(id),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    paid_on     TEXT NOT NULL,
    method      TEXT,
    note        TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX payment_by_invoice ON payment(invoice_id);

CREATE TABLE hold (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoice(id),
    kind        TEXT NOT NULL CHECK (kind IN ('promise', 'dispute', 'pause')),
    since       TEXT NOT NULL,
    until       TEXT,                 -- inclusive; NULL: until released
    note        TEXT,
    released_on TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX hold_unreleased_by_invoice ON hold(invoice_id) WHERE released_on IS NULL;

CREATE TABLE contact_log (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoice(id),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'call', 'letter', 'visit', 'sms', 'note')),
    inbound     INTEGER NOT NULL DEFAULT 0 CHECK (inbound IN (0, 1)),
    on_date     TEXT NOT NULL,        -- the day of the contact, for the ladder
    at          TEXT NOT NULL,        -- when it was recorded
    step        TEXT,                 -- the ladder step it does, if any
    outcome     TEXT CHECK (outcome IN ('no-answer', 'voicemail', 'talked', 'promised',
                                        'disputed', 'refused', 'replied', 'bounced')),
    note        TEXT,
    recipients  TEXT,                 -- e-mails: who it went to
    subject     TEXT,
    message_id  TEXT,
    delivery    TEXT CHECK (delivery IN ('pending', 'sent', 'failed')),
    delivery_detail TEXT,             -- the server's reason for a failure
    delivered_at TEXT
);
CREATE INDEX contact_log_by_invoice ON contact_log(invoice_id);
CREATE INDEX contact_log_bounces ON contact_log(invoice_id) WHERE outcome = 'bounced';
CREATE INDEX contact_log_pending ON contact_log(invoice_id) WHERE delivery = 'pending';

-- The log is evidence: nothing is deleted, and only the delivery state of an
-- e-mail (pending -> sent | failed) ever changes.
CREATE TRIGGER contact_log_no_delete BEFORE DELETE ON contact_log
BEGIN
    SELECT RAISE(ABORT, 'the contact log is append-only');
END;
CREATE TRIGGER contact_log_no_rewrite
BEFORE UPDATE OF id, invoice_id, channel, inbound, on_date, at, step, outcome, note, recipients, subject
ON contact_log
BEGIN
    SELECT RAISE(ABORT, 'the contact log is append-only');
END;
CREATE TRIGGER contact_log_delivery_forward BEFORE UPDATE OF delivery ON contact_log
WHEN OLD.delivery IS NOT 'pending'
BEGIN
    SELECT RAISE(ABORT, 'only a pending e-mail can change its delivery state');
END;
