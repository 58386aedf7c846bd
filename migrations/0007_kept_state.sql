-- Schema 4: the ladder's kept state (SPEC.md §8 and §9; docs/performance.md).
--
-- For every open invoice, what the ladder and the reports read from its
-- contact log and payments, so that `dun due`, `dun overdue` and `dun send`
-- read one row per invoice instead of its whole log. Triggers on
-- contact_log, payment and invoice keep it up to date inside the same
-- transaction as every write, whoever writes; `dun check` compares it with
-- the view below and `dun check --repair` rebuilds it from that view.
--
-- Dates are TEXT 'YYYY-MM-DD', as in the tables they come from.

CREATE TABLE ladder_state (
    -- The invoice's own columns and its client's that the scan reads,
    -- copied, so that the scan reads this one table in due-date order and
    -- nothing else (docs/performance.md); the triggers below copy them again
    -- on every change.
    due          TEXT NOT NULL,
    invoice_id   INTEGER NOT NULL REFERENCES invoice(id) ON DELETE CASCADE,
    number       TEXT NOT NULL,
    client_id    INTEGER NOT NULL,
    client_handle TEXT NOT NULL,
    client_name  TEXT NOT NULL,
    client_emails TEXT NOT NULL,
    client_phone TEXT,
    issued       TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    start_step   TEXT,
    entered_on   TEXT NOT NULL,
    reference    TEXT,
    -- Per step name, the log entries that did it (outbound, not failed, not
    -- bounced): one record per step, ordered by name, records separated by
    -- char(30) and fields by char(31):
    --   name, count, first on_date, last on_date, deadline of the latest
    --   letter entry ('' when none).
    -- '' when no step was done; NULL when a step name holds one of those two
    -- separators (no ladder allows it): the reader then reads the log.
    steps        TEXT,
    last_email   TEXT,               -- the last outbound e-mail, not failed, not bounced
    last_reply   TEXT,               -- the last inbound contact that is an answer (not auto-reply, not bounced)
    last_contact TEXT,               -- the newest on_date of any entry
    paid         INTEGER NOT NULL,   -- the sum of the payments
    -- Every payment as 'amount paid_on', ordered by (paid_on, id), joined by ','
    -- ('' for none): interest needs each paid part with its date, and Rust
    -- sums amount × days exactly (in i128), for any --today.
    payments     TEXT NOT NULL,
    PRIMARY KEY (due, invoice_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX ladder_state_by_invoice ON ladder_state(invoice_id);
CREATE INDEX ladder_state_by_client ON ladder_state(client_id);

-- The per-step record of one invoice as its log gives it. The deadline is
-- looked up only for a step that a letter did (few), from the table.
CREATE VIEW ladder_state_steps AS
SELECT i.id AS invoice_id,
       (SELECT CASE WHEN sum(instr(g.step, char(30)) + instr(g.step, char(31))) > 0 THEN NULL
                    ELSE COALESCE(group_concat(g.step || char(31) || g.n || char(31) || g.first_on
                                               || char(31) || g.last_on || char(31) || COALESCE(g.deadline, ''),
                                               char(30)), '')
               END
          FROM (SELECT l.step AS step, count(*) AS n, min(l.on_date) AS first_on, max(l.on_date) AS last_on,
                       CASE WHEN max(l.channel = 'letter') THEN
                           (SELECT d.deadline FROM contact_log d
                             WHERE d.invoice_id = l.invoice_id AND d.step = l.step AND d.channel = 'letter'
                               AND d.inbound = 0 AND d.delivery IS NOT 'failed' AND d.outcome IS NOT 'bounced'
                             ORDER BY d.on_date DESC, d.id DESC LIMIT 1)
                       END AS deadline
                  FROM contact_log l
                 WHERE l.invoice_id = i.id AND l.step IS NOT NULL AND l.inbound = 0
                   AND l.delivery IS NOT 'failed' AND l.outcome IS NOT 'bounced'
                 GROUP BY l.step ORDER BY l.step) AS g) AS steps
  FROM invoice i;

-- The payments of one invoice as the table gives them.
CREATE VIEW ladder_state_payments AS
SELECT i.id AS invoice_id,
       (SELECT COALESCE(sum(p.amount), 0) FROM payment p WHERE p.invoice_id = i.id) AS paid,
       (SELECT COALESCE(group_concat(q.amount || ' ' || q.paid_on, ','), '')
          FROM (SELECT p.amount, p.paid_on FROM payment p
                 WHERE p.invoice_id = i.id ORDER BY p.paid_on, p.id) AS q) AS payments
  FROM invoice i;

-- The kept state as the records give it: the definition that the first
-- build, the triggers, `dun check` and `dun check --repair` use.
CREATE VIEW ladder_state_from_records AS
SELECT i.due, i.id AS invoice_id, i.number, i.client_id,
       c.handle AS client_handle, c.name AS client_name, c.emails AS client_emails, c.phone AS client_phone,
       i.issued, i.amount, i.currency, i.start_step, i.entered_on, i.reference,
       (SELECT s.steps FROM ladder_state_steps s WHERE s.invoice_id = i.id) AS steps,
       (SELECT max(l.on_date) FROM contact_log l
         WHERE l.invoice_id = i.id AND l.channel = 'email' AND l.inbound = 0
           AND l.delivery IS NOT 'failed' AND l.outcome IS NOT 'bounced') AS last_email,
       (SELECT max(l.on_date) FROM contact_log l
         WHERE l.invoice_id = i.id AND l.inbound = 1
           AND l.outcome IS NOT 'auto-reply' AND l.outcome IS NOT 'bounced') AS last_reply,
       (SELECT max(l.on_date) FROM contact_log l WHERE l.invoice_id = i.id) AS last_contact,
       (SELECT p.paid FROM ladder_state_payments p WHERE p.invoice_id = i.id) AS paid,
       (SELECT p.payments FROM ladder_state_payments p WHERE p.invoice_id = i.id) AS payments
  FROM invoice i
  JOIN client c ON c.id = i.client_id
 WHERE i.closed IS NULL;

INSERT INTO ladder_state SELECT * FROM ladder_state_from_records;

-- Every write that can change an invoice's state updates that invoice's row
-- in the same statement: a new log entry moves the dates it can move and
-- recounts the steps when it did one; anything rarer (a delivery that
-- failed, a payment changed or removed, an invoice closed or reopened)
-- recomputes the row from the invoice's own records (a few index lookups).
CREATE TRIGGER ladder_state_after_log AFTER INSERT ON contact_log
BEGIN
    UPDATE ladder_state SET
        last_contact = CASE WHEN last_contact IS NULL OR NEW.on_date > last_contact
                            THEN NEW.on_date ELSE last_contact END,
        last_email = CASE WHEN NEW.channel = 'email' AND NEW.inbound = 0
                               AND NEW.delivery IS NOT 'failed' AND NEW.outcome IS NOT 'bounced'
                               AND (last_email IS NULL OR NEW.on_date > last_email)
                          THEN NEW.on_date ELSE last_email END,
        last_reply = CASE WHEN NEW.inbound = 1
                               AND NEW.outcome IS NOT 'auto-reply' AND NEW.outcome IS NOT 'bounced'
                               AND (last_reply IS NULL OR NEW.on_date > last_reply)
                          THEN NEW.on_date ELSE last_reply END,
        steps = CASE WHEN NEW.step IS NOT NULL AND NEW.inbound = 0
                          AND NEW.delivery IS NOT 'failed' AND NEW.outcome IS NOT 'bounced'
                     THEN (SELECT s.steps FROM ladder_state_steps s WHERE s.invoice_id = NEW.invoice_id)
                     ELSE steps END
    WHERE invoice_id = NEW.invoice_id;
END;
-- pending -> sent changes nothing the state holds; -> failed undoes a step.
CREATE TRIGGER ladder_state_after_delivery AFTER UPDATE OF delivery ON contact_log
WHEN (OLD.delivery IS 'failed') <> (NEW.delivery IS 'failed')
BEGIN
    INSERT OR REPLACE INTO ladder_state
    SELECT * FROM ladder_state_from_records WHERE invoice_id = NEW.invoice_id;
END;
CREATE TRIGGER ladder_state_after_payment AFTER INSERT ON payment
BEGIN
    UPDATE ladder_state SET
        (paid, payments) = (SELECT p.paid, p.payments FROM ladder_state_payments p
                             WHERE p.invoice_id = NEW.invoice_id)
    WHERE invoice_id = NEW.invoice_id;
END;
CREATE TRIGGER ladder_state_after_payment_update AFTER UPDATE ON payment
BEGIN
    INSERT OR REPLACE INTO ladder_state
    SELECT * FROM ladder_state_from_records WHERE invoice_id IN (OLD.invoice_id, NEW.invoice_id);
END;
CREATE TRIGGER ladder_state_after_payment_delete AFTER DELETE ON payment
BEGIN
    INSERT OR REPLACE INTO ladder_state
    SELECT * FROM ladder_state_from_records WHERE invoice_id = OLD.invoice_id;
END;
CREATE TRIGGER ladder_state_after_invoice AFTER INSERT ON invoice
WHEN NEW.closed IS NULL
BEGIN
    INSERT OR REPLACE INTO ladder_state
    SELECT * FROM ladder_state_from_records WHERE invoice_id = NEW.id;
END;
-- An edit copies the invoice's columns again; closing takes the invoice off
-- the ladder (its row goes); reopening it (an edit that raised the amount
-- above what was paid) builds the row again.
CREATE TRIGGER ladder_state_after_invoice_update
AFTER UPDATE OF due, number, client_id, issued, amount, currency, start_step, entered_on, reference, closed
ON invoice
BEGIN
    DELETE FROM ladder_state WHERE invoice_id = OLD.id;
    INSERT INTO ladder_state
    SELECT * FROM ladder_state_from_records WHERE invoice_id = NEW.id;
END;
-- A client's new name, addresses or phone reach its open invoices' rows.
CREATE TRIGGER ladder_state_after_client_update AFTER UPDATE OF handle, name, emails, phone ON client
BEGIN
    UPDATE ladder_state
       SET client_handle = NEW.handle, client_name = NEW.name, client_emails = NEW.emails,
           client_phone = NEW.phone
     WHERE client_id = NEW.id;
END;
