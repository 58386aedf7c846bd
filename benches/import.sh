#!/usr/bin/env bash
# The import benchmark (issue 13: 100,000 rows in under 10 s; see
# docs/performance.md).
#
#   benches/import.sh
#
# Builds dun (--release --locked), writes a CSV of BENCH_ROWS invoices with
# benches/gen_import.py (shaped like a Swedish tool's export: BOM,
# semicolons, decimal commas, DD.MM.YYYY), then times, as whole processes:
#
#   dun import FILE            into a new database (every client and invoice added)
#   dun import FILE            again, into that database (every invoice skipped)
#
# and the floor: the sqlite3 shell's `.import` of the same file into a plain
# table of a new database (reading the CSV and inserting its rows, without
# anything dun checks or decides). Runs are interleaved (dun, floor, ...)
# after a warm-up; the table shows medians and the ratio dun/floor. Results
# are also saved to $BENCH_DIR/import-results.txt.
#
# Settings (environment):
#   BENCH_DIR   where the files live     [target/bench]
#   BENCH_ROWS  rows of the CSV          [100000]
#   BENCH_RUNS  runs per command         [5]
#   BENCH_TODAY --today for dun and gen  [2027-03-01]
#   BENCH_SEED  --seed for gen           [1]
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench}
ROWS=${BENCH_ROWS:-100000}
RUNS=${BENCH_RUNS:-5}
TODAY=${BENCH_TODAY:-2027-03-01}
SEED=${BENCH_SEED:-1}

for tool in cargo sqlite3 python3; do
    command -v "$tool" > /dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

echo "== build"
nice -n 10 cargo build --release --locked --quiet --bin dun
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
DUN=$TARGET_DIR/release/dun

CSV=$BENCH_DIR/import-$ROWS-seed$SEED-$TODAY.csv
echo "== data: $CSV"
[ -f "$CSV" ] || python3 benches/gen_import.py "$ROWS" "$CSV" --seed "$SEED" --today "$TODAY"

export DUN_CONFIG=$BENCH_DIR/no-such-config.toml
rm -f "$DUN_CONFIG"
unset DUN_DB DUN_TODAY NO_COLOR
export DUN CSV TODAY RUNS BENCH_DIR ROWS
python3 - << 'PY'
import datetime, os, statistics, subprocess, sys, time

DUN, CSV, TODAY, BENCH_DIR = os.environ["DUN"], os.environ["CSV"], os.environ["TODAY"], os.environ["BENCH_DIR"]
RUNS, ROWS = int(os.environ["RUNS"]), int(os.environ["ROWS"])
DB = os.path.join(BENCH_DIR, "import-run.db")
FLOOR_DB = os.path.join(BENCH_DIR, "import-floor.db")

def fresh(path):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass

def run_once(argv, before=None):
    if before:
        before()
    with open(os.devnull, "wb") as null:
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdout=null, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
    return wall

dun = [DUN, "--db", DB, "--today", TODAY, "import", CSV]
floor = ["sqlite3", FLOOR_DB, "-cmd", ".mode csv", "-cmd", ".separator ;", ".import " + CSV + " t"]
cases = [
    ("dun import (new database)", dun, lambda: fresh(DB)),
    ("dun import (again, all skipped)", dun, None),
    ("floor: sqlite3 .import", floor, lambda: fresh(FLOOR_DB)),
]
samples = {name: [] for name, _, _ in cases}
print(f"== {ROWS:,} rows: {RUNS} runs each, interleaved, after a warm-up", flush=True)
for name, argv, before in cases:
    run_once(argv, before)
for _ in range(RUNS):
    for name, argv, before in cases:
        samples[name].append(run_once(argv, before))
        print(f"  {name:<34} {samples[name][-1]*1000:9.1f} ms", flush=True)

floor_ms = statistics.median(samples["floor: sqlite3 .import"]) * 1000
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
lines = [
    f"dun import benchmark, {datetime.datetime.now().isoformat(timespec='minutes')}, --today {TODAY}",
    f"machine: {os.cpu_count()} CPU(s), {cpu}; load average {os.getloadavg()[0]:.2f}; "
    f"data: {ROWS:,} rows, {os.path.getsize(CSV)/1048576:.1f} MiB",
    "",
    f"| {'command':<34} | {'median ms':>9} | {'min ms':>8} | {'max ms':>8} | {'ratio':>5} | bar",
    "|" + "-" * 36 + "|" + "-" * 11 + "|" + "-" * 10 + "|" + "-" * 10 + "|" + "-" * 7 + "|-----",
]
ok_all = True
for name, _, _ in cases:
    xs = samples[name]
    med = statistics.median(xs) * 1000
    bar = "-"
    if name.startswith("dun import (new"):
        ok = med < 10_000
        ok_all &= ok
        bar = f"< 10 s {'ok' if ok else 'MISSED'}"
    lines.append(f"| {name:<34} | {med:9.1f} | {min(xs)*1000:8.1f} | {max(xs)*1000:8.1f} | {med/floor_ms:5.2f} | {bar}")
lines.append("")
lines.append("medians of interleaved runs, wall clock of the whole process; ratio = command / floor.")
lines.append("every bar met" if ok_all else "some bar MISSED")
report = "\n".join(lines)
print()
print(report)
with open(os.path.join(BENCH_DIR, "import-results.txt"), "w") as f:
    f.write(report + "\n")
PY
