#!/usr/bin/env bash
# The speed benchmark of SPEC.md §8 (see docs/performance.md).
#
#   benches/bench.sh
#
# Builds dun (--release --locked), generates (or reuses) databases with
# 1,000 and 1,000,000 invoices with examples/gen.rs, then times, as whole
# processes:
#
#   dun due                          > /dev/null
#   dun overdue --format csv         > /dev/null
#
# against two floors, each run by the sqlite3 shell on the same file with
# output to /dev/null:
#
#   plain  ../shared/bench/floor-overdue.sql, the one statement a person
#          would write for the overdue report (each open overdue invoice with
#          its client, amount paid, last contact and last step), with :today
#          bound as its header says; the bar is dun <= 0.5 x this floor;
#   own    the statements the command itself runs on the way (the open
#          count and the kept state: SCAN_COUNT_SQL and SCAN_INVOICES_SQL,
#          read from src/store/scan.rs, parameters substituted): what is
#          left above it is dun's own work.
#
# Runs are interleaved (dun, floors, dun, ...) after one warm-up run each,
# so that noise on a shared machine falls on all; the table shows medians,
# both ratios and the bars. At the largest size it also measures peak memory
# (max RSS) of both commands (bars: under 64 MiB), and the upgrade of that
# file from the schema before: the migration that builds the kept state, run by the
# sqlite3 shell, and dun's whole first run on the old file (backup,
# migration and the report). Results are also saved to
# $BENCH_DIR/results.txt.
#
# Settings (environment):
#   BENCH_DIR         where the databases live   [target/bench]
#   BENCH_SIZES       invoice counts             ["1000 1000000"]
#   BENCH_RUNS_SMALL  runs per command, < 100k   [20]
#   BENCH_RUNS_LARGE  runs per command, >= 100k  [5]
#   BENCH_TODAY       --today for dun and gen    [2026-12-15, a Tuesday]
#   BENCH_SEED        --seed for gen             [1]
#   BENCH_FLOOR_SQL   the plain floor            [../shared/bench/floor-overdue.sql]
#   BENCH_UPGRADE     1: time the upgrade from the schema before the kept state [1]
#   BENCH_SCRATCH     where the upgrade's copies go (about 3x the largest
#                     file, deleted after)      [$BENCH_DIR]
#
# Needs: cargo, sqlite3, python3; GNU time (/usr/bin/time) for the memory
# figure (installed with apt-get when missing and running as root; otherwise
# VmHWM is polled from /proc/PID/status while the process runs).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench}
SIZES=${BENCH_SIZES:-"1000 1000000"}
RUNS_SMALL=${BENCH_RUNS_SMALL:-20}
RUNS_LARGE=${BENCH_RUNS_LARGE:-5}
TODAY=${BENCH_TODAY:-2026-12-15}
SEED=${BENCH_SEED:-1}
FLOOR_SQL=${BENCH_FLOOR_SQL:-$ROOT/../shared/bench/floor-overdue.sql}
UPGRADE=${BENCH_UPGRADE:-1}
SCRATCH=${BENCH_SCRATCH:-}

for tool in cargo sqlite3 python3; do
    command -v "$tool" > /dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "== installing GNU time (apt-get install time)"
    apt-get install -y -qq time > /dev/null || true
fi
[ -f "$FLOOR_SQL" ] || { echo "bench: the plain floor $FLOOR_SQL is missing (set BENCH_FLOOR_SQL)" >&2; exit 1; }
FLOOR_SQL=$(cd "$(dirname "$FLOOR_SQL")" && pwd)/$(basename "$FLOOR_SQL")
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

echo "== build"
nice -n 10 cargo build --release --locked --quiet --bin dun --example gen
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
DUN=$TARGET_DIR/release/dun
GEN=$TARGET_DIR/release/examples/gen

# dun runs on the default ladder, as on a fresh machine.
export DUN_CONFIG=$BENCH_DIR/no-such-config.toml
rm -f "$DUN_CONFIG"
unset DUN_DB DUN_TODAY NO_COLOR

echo "== data (in $BENCH_DIR)"
DBS=()
for n in $SIZES; do
    db=$BENCH_DIR/dun-$n-seed$SEED-$TODAY.db
    # A database is complete when gen finished (it left its report) and it
    # holds the invoices it should.
    have=$( [ -f "$db" ] && [ -f "$db.gen.txt" ] && sqlite3 "$db" 'SELECT COUNT(*) FROM invoice' 2> /dev/null || echo 0)
    if [ "$have" = "$n" ]; then
        echo "reusing $db"
    else
        rm -f "$db" "$db"-wal "$db"-shm "$db.gen.txt" "$db.partial" "$db.partial"-wal "$db.partial"-shm
        nice -n 10 "$GEN" --db "$db.partial" --invoices "$n" --seed "$SEED" --today "$TODAY" 2> /dev/null > "$db.gen.txt.partial"
        mv "$db.partial" "$db"
        mv "$db.gen.txt.partial" "$db.gen.txt"
    fi
    sed 's/^/  /' "$db.gen.txt"
    DBS+=("$n=$db")
done

SCRATCH=${SCRATCH:-$BENCH_DIR}
mkdir -p "$SCRATCH"
export DUN GEN TODAY RUNS_SMALL RUNS_LARGE BENCH_DIR FLOOR_SQL UPGRADE SCRATCH
python3 - "${DBS[@]}" << 'PY'
import datetime, os, re, shutil, statistics, subprocess, sys, time

ROOT = os.getcwd()
DUN, TODAY, BENCH_DIR = os.environ["DUN"], os.environ["TODAY"], os.environ["BENCH_DIR"]
FLOOR_SQL, UPGRADE = os.environ["FLOOR_SQL"], os.environ["UPGRADE"] == "1"
SCRATCH = os.environ["SCRATCH"]
RUNS_SMALL, RUNS_LARGE = int(os.environ["RUNS_SMALL"]), int(os.environ["RUNS_LARGE"])
today = datetime.date.fromisoformat(TODAY)

# The statements dun runs, as dun has them.
src = open(os.path.join(ROOT, "src/store/scan.rs"), encoding="utf-8").read()
def const(name):
    m = re.search(r'pub const %s: &str =\s*"(.*?)";' % name, src, re.S)
    if not m:
        sys.exit(f"bench: {name} not found in src/store/scan.rs")
    return m.group(1).replace('\\"', '"').strip()
OWN = [const("SCAN_COUNT_SQL"), const("SCAN_INVOICES_SQL")]

def own_sql(due_until):
    """dun's statements with the parameters of a run substituted (default ladder: min_day 0)."""
    params = {":today": f"'{today}'", ":due_until": f"'{due_until}'", ":client": "NULL", ":invoice": "NULL"}
    out = []
    for sql in OWN:
        for k, v in params.items():
            sql = re.sub(re.escape(k) + r"\b", v, sql)
        out.append(sql.strip() + ";\n")
    return "".join(out)

def run_once(argv, stdin_path=None):
    """Wall time (s) and CPU time (user + sys, s) of one process, output to /dev/null."""
    with open(os.devnull, "wb") as null, open(stdin_path or os.devnull, "rb") as stdin:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=stdin, stdout=null, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed ({p.returncode}): {err}")
    return wall, ru.ru_utime + ru.ru_stime

def sqlite3(db, sql):
    p = subprocess.run(["sqlite3", db], input=sql, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench: sqlite3 {db}: {p.stderr}")
    return p.stdout

# dun migrates a file it opens; do that before timing (a fresh file from gen
# is already at dun's schema; an older reused one is upgraded here, once).
for arg in sys.argv[1:]:
    run_once([DUN, "--db", arg.split("=", 1)[1], "--today", TODAY, "overdue", "--format", "csv"])

rows = []
largest = None
load_before = os.getloadavg()[0]
for arg in sys.argv[1:]:
    n, db = arg.split("=", 1)
    n = int(n)
    runs = RUNS_SMALL if n < 100_000 else RUNS_LARGE
    jobs = {}  # name -> (argv, stdin)
    cases = []
    for name, args, due_until in (
        ("dun due", ["due"], today),
        ("dun overdue --format csv", ["overdue", "--format", "csv"], today - datetime.timedelta(days=1)),
    ):
        sql_path = os.path.join(BENCH_DIR, f"own-floor-{args[0]}-{TODAY}.sql")
        with open(sql_path, "w") as f:
            f.write(own_sql(due_until))
        jobs[name] = ([DUN, "--db", db, "--today", TODAY, "--color", "never", *args], None)
        jobs[name + " (own)"] = (["sqlite3", db], sql_path)
        cases.append(name)
    jobs["plain"] = (["sqlite3", "-cmd", f".param set :today \"'{TODAY}'\"", db], FLOOR_SQL)
    print(f"== {n:,} invoices: {runs} runs each, interleaved, after a warm-up", flush=True)
    samples = {k: [] for k in jobs}
    for argv, stdin in jobs.values():
        run_once(argv, stdin)  # warm-up: the file in the page cache
    for r in range(runs):
        for k, (argv, stdin) in jobs.items():
            samples[k].append(run_once(argv, stdin))
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    for name in cases:
        d, own, plain = samples[name], samples[name + " (own)"], samples["plain"]
        rows.append(dict(
            n=n, name=name,
            wall=med(d, 0), cpu=med(d, 1),
            own=med(own, 0), plain=med(plain, 0), plain_cpu=med(plain, 1),
        ))
        print(f"  {name:<26} dun {rows[-1]['wall']*1000:8.1f} ms  own floor {rows[-1]['own']*1000:8.1f} ms"
              f"  plain floor {rows[-1]['plain']*1000:8.1f} ms", flush=True)
    largest = (n, db)
load_after = os.getloadavg()[0]

# Peak memory (max RSS) of both commands at the largest size. GNU time
# reports the child's own high-water mark; without it, /proc/PID/status
# VmHWM is polled until the process ends (the rusage of a child forked from
# this Python would include Python's own RSS).
def peak_rss_kib(argv):
    if os.path.exists("/usr/bin/time"):
        with open(os.devnull, "wb") as null:
            p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=null, stderr=subprocess.PIPE, check=True)
        return int(p.stderr.decode().strip().splitlines()[-1])
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(argv, stdout=null)
        hwm = 0
        while p.poll() is None:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            hwm = max(hwm, int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.002)
    return hwm

RSS_HOW = "GNU time -f %M" if os.path.exists("/usr/bin/time") else "VmHWM polled from /proc"
peaks = []
upgrade = None
if largest:
    n, db = largest
    for name, args in (("dun due", ["due"]), ("dun overdue --format csv", ["overdue", "--format", "csv"])):
        argv = [DUN, "--db", db, "--today", TODAY, *args]
        peaks.append((n, name, max(peak_rss_kib(argv) for _ in range(3))))

    if UPGRADE:
        # The file as the schema before the kept state left it: the kept
        # state's objects dropped, the version one lower.
        import glob
        found = glob.glob(os.path.join(ROOT, "migrations", "*_kept_state.sql"))
        if len(found) != 1:
            sys.exit("bench: migrations/*_kept_state.sql not found (or twice)")
        migration_file = found[0]
        migration_no = int(os.path.basename(migration_file).split("_")[0])
        before = migration_no - 1
        old = os.path.join(SCRATCH, "upgrade-old.db")
        def clean_old():
            for f in (old, old + "-wal", old + "-shm", old + f".v{before}.backup", old + ".copy"):
                if os.path.exists(f):
                    os.remove(f)
        def make_old():
            clean_old()
            sqlite3(db, f"VACUUM INTO '{old}';")
            drops = sqlite3(old, "SELECT 'DROP ' || type || ' ' || name || ';' FROM sqlite_schema "
                                 "WHERE name LIKE 'ladder_state%' AND type IN ('trigger', 'view', 'table') "
                                 "ORDER BY CASE type WHEN 'trigger' THEN 0 WHEN 'view' THEN 1 ELSE 2 END;")
            # The migrations after the kept state undone too (0008_send_runs;
            # tests/integration/kept_state.rs has the same undoing).
            undo_after = (
                "DROP TRIGGER contact_log_no_rewrite;\n"
                "CREATE TRIGGER contact_log_no_rewrite BEFORE UPDATE OF id, invoice_id, channel, inbound, "
                "on_date, at, step, outcome, note, recipients, subject, message_id, deadline, message_key "
                "ON contact_log BEGIN SELECT RAISE(ABORT, 'the contact log is append-only'); END;\n"
                "ALTER TABLE contact_log DROP COLUMN send_run;\n"
                "DROP TABLE send_run;\n"
            )
            sqlite3(old, drops + undo_after + f"PRAGMA user_version = {before};")
        print(f"== upgrade of the {n:,}-invoice file from schema {before}", flush=True)
        make_old()
        migration = open(migration_file).read()
        t0 = time.perf_counter()
        # As dun runs it: temporary sorts in memory (src/store/mod.rs), one transaction.
        sqlite3(old, "PRAGMA temp_store = MEMORY;\nBEGIN;\n" + migration + "\nCOMMIT;")
        shell_migration = time.perf_counter() - t0
        make_old()
        t0 = time.perf_counter()
        subprocess.run(["sqlite3", old, f"VACUUM INTO '{old}.copy'"], check=True)
        backup = time.perf_counter() - t0
        os.remove(old + ".copy")
        first, _ = run_once([DUN, "--db", old, "--today", TODAY, "overdue", "--format", "csv"])
        upgrade = (n, before, os.path.basename(migration_file), shell_migration, backup, first)
        clean_old()

def ms(s):
    return f"{s*1000:.1f}"

lines = []
lines.append(f"dun speed benchmark, {datetime.datetime.now().isoformat(timespec='minutes')}, --today {TODAY}")
cpu = "?"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
sqlite_v = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
lines.append(f"machine: {os.cpu_count()} CPU(s), {cpu}; floors: sqlite3 {sqlite_v}; "
             f"load average {load_before:.2f} before the timed runs, {load_after:.2f} after")
for arg in sys.argv[1:]:
    n, db = arg.split("=", 1)
    try:
        first = open(db + ".gen.txt").readline().strip()
        m = re.search(r" in ([0-9.]+ s) .*, ([0-9]+ MiB)", first)
        logs = re.search(r"contact log\s+([0-9]+)", open(db + ".gen.txt").read())
        lines.append(f"data: {int(n):,} invoices, {int(logs.group(1)):,} log entries, {m.group(2)}; generated in {m.group(1)}")
    except (OSError, AttributeError):
        pass
lines.append("")
head = (f"| {'invoices':>9} | {'command':<26} | {'dun ms':>8} | {'plain floor ms':>14} | {'dun/plain':>9} | "
        f"{'own floor ms':>12} | {'dun/own':>7} | {'dun cpu ms':>10} | bars")
lines.append(head)
lines.append("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:]))
ok_all = True
for r in rows:
    plain_ratio, own_ratio = r["wall"] / r["plain"], r["wall"] / r["own"]
    if r["n"] >= 1_000_000:
        bars = [("< 1 s", r["wall"] < 1.0), ("<= 0.5x plain", plain_ratio <= 0.5)]
    elif r["n"] <= 1_000:
        bars = [("< 20 ms", r["wall"] < 0.020)]
    else:
        bars = []
    ok_all &= all(ok for _, ok in bars)
    verdict = ", ".join(f"{b} {'ok' if ok else 'MISSED'}" for b, ok in bars) or "-"
    lines.append(
        f"| {r['n']:>9,} | {r['name']:<26} | {ms(r['wall']):>8} | {ms(r['plain']):>14} | {plain_ratio:>9.2f} | "
        f"{ms(r['own']):>12} | {own_ratio:>7.2f} | {ms(r['cpu']):>10} | {verdict}"
    )
lines.append("")
for n, name, kib in peaks:
    line = f"peak memory (max RSS, max of 3 runs, {RSS_HOW}) of {name} at {n:,} invoices: {kib/1024:.1f} MiB"
    if n >= 1_000_000:
        ok = kib < 64 * 1024
        ok_all &= ok
        line += f"; bar < 64 MiB {'ok' if ok else 'MISSED'}"
    lines.append(line)
if upgrade:
    n, before, name, shell_migration, backup, first = upgrade
    lines.append(f"upgrade of the {n:,}-invoice file from schema {before} (copies in {SCRATCH}): {name} "
                 f"(building the kept state) {shell_migration:.1f} s in the sqlite3 shell; dun's first run on the old file "
                 f"(backup, migration, overdue --format csv) {first:.1f} s, of which the backup "
                 f"(VACUUM INTO, timed alone) takes about {backup:.1f} s")
lines.append("")
lines.append("medians of interleaved runs (ms: wall clock of the whole process; cpu: user + sys); "
             "plain floor: the sqlite3 shell running ../shared/bench/floor-overdue.sql; "
             "own floor: the sqlite3 shell running the statements the command runs.")
lines.append("every bar met" if ok_all else "some bar MISSED")
report = "\n".join(lines)
print()
print(report)
with open(os.path.join(BENCH_DIR, "results.txt"), "w") as f:
    f.write(report + "\n")
print(f"\n(saved to {os.path.join(BENCH_DIR, 'results.txt')})")
PY
