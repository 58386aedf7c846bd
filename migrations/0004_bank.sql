-- The bank (SPEC.md §11): each invoice's payment reference, and the bank
-- entry each payment was read from.
--
-- reference: the compact form (RF972026014, 20260149xx), fixed when the
-- invoice is added and never changed; NULL when [sender] reference = "none".
-- Invoices that exist before this migration get an RF reference, computed
-- in Rust right after this script, in the same transaction
-- (src/store/mod.rs, backfill_references).
ALTER TABLE invoice ADD COLUMN reference TEXT;
CREATE UNIQUE INDEX invoice_by_reference ON invoice(reference) WHERE reference IS NOT NULL;

-- bank_entry: the identity of the statement entry (docs/bank.md "Exactly
-- once"); a credit split across invoices gives several payments with the
-- same identity. NULL for payments typed in with dun pay.
ALTER TABLE payment ADD COLUMN bank_entry TEXT;
CREATE INDEX payment_by_bank_entry ON payment(bank_entry) WHERE bank_entry IS NOT NULL;
