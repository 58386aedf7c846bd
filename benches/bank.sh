#!/usr/bin/env bash
# The bank benchmark (SPEC.md §8: `dun bank` with a 10,000-entry camt.053
# statement against 100,000 open invoices in under 2 s).
#
#   benches/bank.sh
#
# Builds release, generates (or reuses) a database of open invoices and a
# camt.053.001.08 statement for them with examples/bank_gen.rs, then, RUNS
# times and interleaved, on a fresh copy of the database each time:
#
#   dun bank STATEMENT --yes --accept-probable --quiet   (reads, matches, records)
#   dun bank STATEMENT --dry-run --quiet                 (reads and matches only)
#   floor, write: sqlite3 inserting as many payment rows (one INSERT … SELECT
#                 in one transaction, with their bank_entry) into the same file
#   floor, read:  python3's xml.etree parsing the statement, nothing else
#
# and prints the medians and the ratios. Whole processes, wall clock.
#
# Settings (environment): BENCH_DIR [target/bench], BANK_INVOICES [100000],
# BANK_ENTRIES [10000], BANK_RUNS [5]. Needs cargo, sqlite3, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

INVOICES=${BANK_INVOICES:-100000}
ENTRIES=${BANK_ENTRIES:-10000}
RUNS=${BANK_RUNS:-5}
WORK=${BENCH_DIR:-target/bench}/bank
for tool in cargo sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done

echo "== build"
nice -n 10 cargo build --release --locked --quiet --bin dun --example bank_gen
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
DUN=$TARGET_DIR/release/dun
GEN=$TARGET_DIR/release/examples/bank_gen

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
BASE=$WORK/base-$INVOICES-$ENTRIES.db
STATEMENT=$WORK/camt053-$INVOICES-$ENTRIES.xml
if [ ! -f "$BASE" ] || [ ! -f "$STATEMENT" ]; then
    echo "== generating $INVOICES open invoices and $ENTRIES entries"
    rm -f "$BASE" "$BASE"-wal "$BASE"-shm "$STATEMENT"
    "$GEN" "$BASE" "$STATEMENT" "$INVOICES" "$ENTRIES"
fi
export DUN_CONFIG=$WORK/no-such-config.toml DUN_TODAY=2026-12-01 NO_COLOR=1
rm -f "$DUN_CONFIG"
RUN_DB=$WORK/run.db

fresh() {
    rm -f "$RUN_DB" "$RUN_DB"-wal "$RUN_DB"-shm
    cp "$BASE" "$RUN_DB"
}
now_ns() { date +%s%N; }
timed() { # command… → nanoseconds on stdout
    local start
    start=$(now_ns)
    "$@" >/dev/null
    echo $(( $(now_ns) - start ))
}

FLOOR_SQL="BEGIN;
INSERT INTO payment (invoice_id, amount, paid_on, method, note, created_at, bank_entry)
SELECT id, amount, '2026-11-30', 'bank', 'KUND AB: Faktura', '2026-12-01T06:00:00Z', 'camt:SE45:svc:BENCH-' || id
FROM invoice ORDER BY (id * 9973) % $INVOICES LIMIT $ENTRIES;
COMMIT;"
PARSE_PY="import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])"

# What one run records, for the record.
fresh
echo "== what a run does"
DUN_DB=$RUN_DB "$DUN" bank "$STATEMENT" --yes --accept-probable 2>&1 | grep -v '^20' | sed 's/^/   /'
DUN_DB=$RUN_DB "$DUN" bank "$STATEMENT" --yes --accept-probable 2>/dev/null | tail -n 1 | sed 's/^/   again: /'

record=() dry=() write=() parse=()
for run in $(seq 1 "$RUNS"); do
    fresh; record+=("$(DUN_DB=$RUN_DB timed "$DUN" bank "$STATEMENT" --yes --accept-probable --quiet)")
    fresh; dry+=("$(DUN_DB=$RUN_DB timed "$DUN" bank "$STATEMENT" --dry-run --quiet)")
    fresh; write+=("$(timed sqlite3 "$RUN_DB" "$FLOOR_SQL")")
    parse+=("$(timed python3 -c "$PARSE_PY" "$STATEMENT")")
    echo "   run $run: record $(( ${record[-1]} / 1000000 )) ms, dry run $(( ${dry[-1]} / 1000000 )) ms, sqlite3 $(( ${write[-1]} / 1000000 )) ms, xml.etree $(( ${parse[-1]} / 1000000 )) ms"
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
m_record=$(median "${record[@]}")
m_dry=$(median "${dry[@]}")
m_write=$(median "${write[@]}")
m_parse=$(median "${parse[@]}")
size=$(( $(stat -c %s "$STATEMENT") / 1024 ))
awk -v r="$m_record" -v d="$m_dry" -v w="$m_write" -v p="$m_parse" -v n="$RUNS" \
    -v inv="$INVOICES" -v ent="$ENTRIES" -v kib="$size" 'BEGIN {
    printf "\n== dun bank: %d entries (%d KiB camt.053) against %d open invoices, median of %d\n", ent, kib, inv, n
    printf "%-46s %8s %8s\n", "", "median", "bar"
    printf "%-46s %6.0f ms %6s\n", "dun bank --yes --accept-probable", r / 1e6, "2000 ms"
    printf "%-46s %6.0f ms\n", "dun bank --dry-run", d / 1e6
    printf "%-46s %6.0f ms\n", "floor: sqlite3 inserting the payment rows", w / 1e6
    printf "%-46s %6.0f ms\n", "floor: python3 xml.etree parsing the file", p / 1e6
    printf "ratio: dun bank / (sqlite3 + xml.etree) = %.2f\n", r / (w + p)
    printf "bar (under 2 s): %s\n", (r < 2e9 ? "met" : "NOT MET")
}'
rm -f "$RUN_DB" "$RUN_DB"-wal "$RUN_DB"-shm
