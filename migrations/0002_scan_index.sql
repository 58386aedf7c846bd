-- The ladder's read path (src/store/scan.rs) reads the contact log of every
-- open invoice on every `dun due`, `dun overdue` and `dun send`. A covering
-- index keeps each invoice's entries together, in order, with the columns
-- the ladder reads, so the scan never visits the table (docs/performance.md).
-- It leads with invoice_id, so it also serves every lookup the old index did.
CREATE INDEX contact_log_scan ON contact_log(invoice_id, id, on_date, channel, inbound, step, outcome, delivery);
DROP INDEX contact_log_by_invoice;
