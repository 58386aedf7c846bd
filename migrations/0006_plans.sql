-- Schema 6: payment plans (SPEC.md §12).
--
-- A plan is part of the record: never deleted, never rewritten. An
-- invoice's current plan is the one still 'active'; a new plan marks the
-- one before it 'replaced', `dun plan --cancel` marks it 'cancelled'.
-- Whether a plan is kept or broken is not stored: it follows from its
-- instalments, the payments since it began and the day (src/domain/plan.rs),
-- and so does the ladder's hold of kind 'plan' (the hold table keeps the
-- holds a user places).

CREATE TABLE payment_plan (
    id            INTEGER PRIMARY KEY,
    invoice_id    INTEGER NOT NULL REFERENCES invoice(id),
    made_on       TEXT NOT NULL,        -- the day it was agreed
    balance       INTEGER NOT NULL CHECK (balance > 0),  -- the balance it pays off
    -- The payments recorded after the plan was made (a larger id) count for it.
    after_payment INTEGER NOT NULL DEFAULT 0,
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'replaced', 'cancelled')),
    ended_on      TEXT,                 -- replaced or cancelled on
    note          TEXT,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX payment_plan_active ON payment_plan(invoice_id) WHERE state = 'active';
CREATE INDEX payment_plan_by_invoice ON payment_plan(invoice_id);

CREATE TABLE plan_instalment (
    plan_id     INTEGER NOT NULL REFERENCES payment_plan(id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),   -- 1, 2, 3 … in date order
    on_date     TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;

-- Which e-mails of the contact log are a plan's: seq 0 the confirmation,
-- seq n the reminder of instalment n. Written with the `pending` entry, in
-- the same transaction; the entry's delivery state says whether it went.
CREATE TABLE plan_message (
    log_id      INTEGER PRIMARY KEY REFERENCES contact_log(id),
    plan_id     INTEGER NOT NULL REFERENCES payment_plan(id),
    seq         INTEGER NOT NULL CHECK (seq >= 0)
);
CREATE INDEX plan_message_by_plan ON plan_message(plan_id, seq);

CREATE TRIGGER payment_plan_no_delete BEFORE DELETE ON payment_plan
BEGIN
    SELECT RAISE(ABORT, 'payment plans are kept in the record');
END;
CREATE TRIGGER payment_plan_no_rewrite
BEFORE UPDATE OF id, invoice_id, made_on, balance, after_payment, note, created_at ON payment_plan
BEGIN
    SELECT RAISE(ABORT, 'payment plans are kept in the record');
END;
CREATE TRIGGER payment_plan_ends_once BEFORE UPDATE OF state ON payment_plan
WHEN OLD.state IS NOT 'active' OR NEW.state NOT IN ('replaced', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'only an active plan can end, replaced or cancelled');
END;
CREATE TRIGGER plan_instalment_no_delete BEFORE DELETE ON plan_instalment
BEGIN
    SELECT RAISE(ABORT, 'payment plans are kept in the record');
END;
CREATE TRIGGER plan_instalment_no_rewrite BEFORE UPDATE ON plan_instalment
BEGIN
    SELECT RAISE(ABORT, 'payment plans are kept in the record');
END;
CREATE TRIGGER plan_message_no_delete BEFORE DELETE ON plan_message
BEGIN
    SELECT RAISE(ABORT, 'the contact log is append-only');
END;
CREATE TRIGGER plan_message_no_rewrite BEFORE UPDATE ON plan_message
BEGIN
    SELECT RAISE(ABORT, 'the contact log is append-only');
END;
