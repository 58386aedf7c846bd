#!/usr/bin/env bash
# What payment plans cost the ladder's read path (SPEC.md §12, §8).
#
#   benches/plans.sh
#
# Builds dun (--release --locked), generates (or reuses) a database with
# examples/gen.rs, copies it, and gives PLANS_SHARE of the copy's open
# invoices a plan of three monthly instalments agreed 40 days before
# *today* (with sqlite3, the way `dun plan` writes them: one active plan
# each, the balance split, the payments so far before it). Then, with
# hyperfine, interleaved, after a warm-up:
#
#   dun due                   on the database without plans
#   dun due                   on the same database with plans
#   dun overdue --format csv  on both
#
# and prints the medians and the ratio with plans / without. Whole
# processes, wall clock, output to /dev/null.
#
# Settings (environment): BENCH_DIR [target/bench], PLANS_INVOICES
# [100000], PLANS_SHARE [0.02], PLANS_RUNS [10], BENCH_TODAY [2026-12-15].
# Needs cargo, sqlite3, hyperfine, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${PLANS_INVOICES:-100000}
SHARE=${PLANS_SHARE:-0.02}
RUNS=${PLANS_RUNS:-10}
TODAY=${BENCH_TODAY:-2026-12-15}
BENCH_DIR=${BENCH_DIR:-target/bench}
for tool in cargo sqlite3 hyperfine python3; do
    command -v "$tool" > /dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done
mkdir -p "$BENCH_DIR/plans"
WORK=$(cd "$BENCH_DIR/plans" && pwd)

echo "== build"
nice -n 10 cargo build --release --locked --quiet --bin dun --example gen
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
DUN=$TARGET_DIR/release/dun
GEN=$TARGET_DIR/release/examples/gen

BASE=$WORK/dun-$N-$TODAY.db
if [ ! -f "$BASE.done" ]; then
    rm -f "$BASE" "$BASE"-wal "$BASE"-shm
    echo "== data: $N invoices"
    nice -n 10 "$GEN" --db "$BASE" --invoices "$N" --seed 1 --today "$TODAY" > /dev/null 2>&1
    # Bring the generated file to this dun's schema once, outside the timing.
    DUN_DB=$BASE DUN_CONFIG=$WORK/none.toml DUN_TODAY=$TODAY "$DUN" due > /dev/null 2>&1
    rm -f "$BASE".v*.backup*
    touch "$BASE.done"
fi
PLANNED=$WORK/dun-$N-$TODAY-plans.db
rm -f "$PLANNED" "$PLANNED"-wal "$PLANNED"-shm
sqlite3 "$BASE" "VACUUM INTO '$PLANNED'"
sqlite3 "$PLANNED" << SQL
BEGIN;
CREATE TEMP TABLE pick AS
SELECT i.id AS invoice_id,
       i.amount - i.write_down - COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.invoice_id = i.id), 0) AS balance,
       (SELECT COALESCE(MAX(p.id), 0) FROM payment p WHERE p.invoice_id = i.id) AS after_payment
FROM invoice i
WHERE i.closed IS NULL AND i.due <= '$TODAY'
  AND (i.id * 7919) % 10000 < CAST($SHARE * 10000 AS INTEGER);
DELETE FROM pick WHERE balance < 3;
INSERT INTO payment_plan (invoice_id, made_on, balance, after_payment, created_at)
SELECT invoice_id, date('$TODAY', '-40 days'), balance, after_payment, '$TODAY' FROM pick;
INSERT INTO plan_instalment (plan_id, seq, on_date, amount)
SELECT p.id, k.seq, date('$TODAY', '-30 days', '+' || (k.seq - 1) || ' months'),
       CASE WHEN k.seq = 3 THEN p.balance - 2 * (p.balance / 3) ELSE p.balance / 3 END
FROM payment_plan p, (SELECT 1 AS seq UNION ALL SELECT 2 UNION ALL SELECT 3) k;
COMMIT;
SQL
PLANS=$(sqlite3 "$PLANNED" "SELECT COUNT(*) FROM payment_plan")
OPEN=$(sqlite3 "$PLANNED" "SELECT COUNT(*) FROM invoice WHERE closed IS NULL")
echo "== $N invoices, $OPEN open, $PLANS of them under a plan"

export DUN_CONFIG=$WORK/none.toml DUN_TODAY=$TODAY
rm -f "$DUN_CONFIG"
hyperfine --style basic --warmup 1 --runs "$RUNS" -N \
    --export-json "$WORK/results.json" \
    -n "due, no plans" "env DUN_DB=$BASE $DUN due" \
    -n "due, $PLANS plans" "env DUN_DB=$PLANNED $DUN due" \
    -n "overdue csv, no plans" "env DUN_DB=$BASE $DUN overdue --format csv" \
    -n "overdue csv, $PLANS plans" "env DUN_DB=$PLANNED $DUN overdue --format csv" > /dev/null
python3 - "$WORK/results.json" << 'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
med = {x["command"]: statistics.median(x["times"]) for x in r}
names = list(med)
print(f"{'command':<28} {'median':>9}")
for n in names:
    print(f"{n:<28} {med[n] * 1000:>7.0f} ms")
for a, b in ((names[0], names[1]), (names[2], names[3])):
    print(f"{b} / {a}: {med[b] / med[a]:.2f}")
PY
