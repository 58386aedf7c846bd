#!/usr/bin/env bash
# The letters benchmark of SPEC.md §8 and issue 12 (see docs/performance.md).
#
#   benches/letters.sh
#
# Builds dun (--release --locked), makes a database with LETTERS_N clients
# (five languages in turn, each with a postal address and company number),
# each with one invoice whose demand letter is due today, a part payment and
# an unanswered call, then times, as whole processes, interleaved after one
# warm-up run each:
#
#   dun letter NUMBER --pdf --out x.pdf        one PDF letter
#   dun letter NUMBER > /dev/null              floor: the same letter as text
#   pdftotext x.pdf /dev/null                  floor: reading the PDF back
#   dun letter --due --pdf --out DIR           every letter due: N PDFs
#   dun letter --due --out DIR                 floor: the same N letters as text
#
# and prints medians, the ratios to the floors and the bars (under 100 ms a
# letter; --due with 100 letters under 10 s). Results are also saved to
# $BENCH_DIR/letters.txt.
#
# Settings (environment):
#   BENCH_DIR      where the database and the letters go   [target/bench]
#   LETTERS_N      letters due                              [100]
#   LETTERS_RUNS   runs of the one-letter commands          [30]
#   LETTERS_DUE_RUNS  runs of the --due commands            [5]
#
# Needs: cargo, python3, pdftotext (poppler-utils).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench}
N=${LETTERS_N:-100}
RUNS=${LETTERS_RUNS:-30}
DUE_RUNS=${LETTERS_DUE_RUNS:-5}
TODAY=2026-12-10

for tool in cargo python3 pdftotext; do
    command -v "$tool" > /dev/null || { echo "bench: $tool is needed (pdftotext: apt-get install poppler-utils)" >&2; exit 1; }
done
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

echo "== build"
nice -n 10 cargo build --release --locked --quiet --bin dun
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
DUN=$TARGET_DIR/release/dun

WORK=$BENCH_DIR/letters
rm -rf "$WORK"
mkdir -p "$WORK/out-pdf" "$WORK/out-txt"
export DUN_DB=$WORK/dun.db DUN_CONFIG=$WORK/config.toml DUN_TODAY=$TODAY NO_COLOR=1
cat > "$DUN_CONFIG" <<'EOF'
[sender]
name = "Fia Freelance"
email = "fia@example.org"
address = """
Storgatan 1
111 22 Stockholm
"""
org_number = "559123-4567"
vat_number = "SE559123456701"
payment_instructions = "Bankgiro 123-4567"

[fees]
flat_fee = "40.00"
interest_percent = 8.0
EOF

echo "== data: $N letters due on $TODAY"
langs=(en sv tr ru ro)
names=("Harbour & Co Ltd" "Åkesson & Söner AB" "Güneş Çiçekçilik A.Ş." "ООО «Жёлтый Дом»" "Țesătoria Câmpina SRL")
addrs=("12 Quay Street | Bristol BS1 4DJ" "Kungsvägen 5 | 411 38 Göteborg" "İstiklal Caddesi 12 | 34433 İstanbul" "ул. Тверская, д. 7 | Москва, 125009" "Strada Mărășești 5 | 100001 Ploiești")
curs=(GBP SEK TRY RUB RON)
for i in $(seq 1 "$N"); do
    k=$(( (i - 1) % 5 ))
    num=$(printf "2026-%04d" "$i")
    "$DUN" -q client add --handle "c$i" --email "ap$i@example.org" --lang "${langs[$k]}" \
        --address "${addrs[$k]}" --org-number "556677-$i" -- "${names[$k]} $i" 2> /dev/null
    "$DUN" -q invoice add "$num" --client "c$i" --amount 12000 --currency "${curs[$k]}" \
        --issued 2026-10-01 --due 2026-10-31 --description "Design work" --step demand
    "$DUN" -q log "$num" call --outcome no-answer --on 2026-11-20
    "$DUN" -q pay "$num" 2000 --on 2026-11-25
done
due=$("$DUN" due --format json | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["action"] == "letter"))')
[ "$due" = "$N" ] || { echo "bench: expected $N letters due, got $due" >&2; exit 1; }

echo "== timing (medians; runs interleaved)"
python3 - "$DUN" "$WORK" "$RUNS" "$DUE_RUNS" "$N" <<'PY' | tee "$BENCH_DIR/letters.txt"
import os, statistics, subprocess, sys, time
dun, work, runs, due_runs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pdf = os.path.join(work, "one.pdf")
number = "2026-0002"   # a Swedish letter: å ä ö and a no-break space in every amount
cmds = {
    "pdf": [dun, "letter", number, "--pdf", "--out", pdf],
    "text": [dun, "letter", number],
    "pdftotext": ["pdftotext", pdf, os.devnull],
    "due-pdf": [dun, "letter", "--due", "--pdf", "--out", os.path.join(work, "out-pdf")],
    "due-text": [dun, "letter", "--due", "--out", os.path.join(work, "out-txt")],
}
def run(name):
    t = time.perf_counter()
    subprocess.run(cmds[name], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
times = {k: [] for k in cmds}
for k in cmds:
    run(k)  # warm-up
for _ in range(runs):
    for k in ("pdf", "text", "pdftotext"):
        times[k].append(run(k))
for _ in range(due_runs):
    for k in ("due-pdf", "due-text"):
        times[k].append(run(k))
med = {k: statistics.median(v) for k, v in times.items()}
pages = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
pages = next((l.split()[-1] for l in pages.splitlines() if l.startswith("Pages:")), "?")
print(f"one letter ({number}, {os.path.getsize(pdf)} bytes, {pages} pages), {runs} runs:")
print(f"  dun letter --pdf --out    {med['pdf']*1000:8.1f} ms   bar < 100 ms: {'ok' if med['pdf'] < 0.1 else 'MISSED'}")
print(f"  floor: text letter        {med['text']*1000:8.1f} ms   ratio {med['pdf']/med['text']:.2f}")
print(f"  floor: pdftotext of it    {med['pdftotext']*1000:8.1f} ms   ratio {med['pdf']/med['pdftotext']:.2f}")
print(f"letter --due, {n} letters, {due_runs} runs:")
print(f"  --pdf                     {med['due-pdf']*1000:8.1f} ms   ({med['due-pdf']/n*1000:.1f} ms a letter)   bar < 10 s: {'ok' if med['due-pdf'] < 10 else 'MISSED'}")
print(f"  floor: as text            {med['due-text']*1000:8.1f} ms   ratio {med['due-pdf']/med['due-text']:.2f}")
PY
