#!/usr/bin/env bash
# The send benchmark (SPEC.md §8: `dun send` to a local SMTP server, at
# least 200 messages per second over one connection).
#
#   benches/send.sh [CLIENTS]        (default 1000)
#
# Builds release, makes a database of CLIENTS clients each with one invoice
# due for its reminder today (through the dun CLI, as a user would), then
# three times: a fresh copy of that database, a fresh SMTP sink
# (examples/smtp_sink.rs), and `dun send --yes --quiet`, timed as a whole
# process. Prints the median and messages per second. Everything lives in
# target/bench-send/ (on the same disk as the build: fsync costs what it
# costs there).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000}
RUNS=3
WORK=target/bench-send
# BENCH_DUN: another dun binary to time (e.g. an older build, for a before/after)
DUN=${BENCH_DUN:-target/release/dun}
SINK=target/release/examples/smtp_sink
TODAY=2026-11-02

cargo build --release --quiet --bin dun --example smtp_sink

rm -rf "$WORK"
mkdir -p "$WORK"
export HOME="$PWD/$WORK" NO_COLOR=1 DUN_TODAY=$TODAY
export DUN_CONFIG="$PWD/$WORK/config.toml"

write_config() { # PORT
    cat >"$DUN_CONFIG" <<EOF
[sender]
name = "Fia Freelance"
email = "fia@example.org"

[smtp]
host = "127.0.0.1"
port = $1
security = "none"
timeout_secs = 30
EOF
}
write_config 25

now_ns() { date +%s%N; }

echo "making a database of $N clients with an invoice due today ..."
start=$(now_ns)
export DUN_DB="$PWD/$WORK/base.db"
for i in $(seq -w 1 "$N"); do
    "$DUN" -q client add "Client $i AB" --handle "c$i" --email "ap@c$i.example" >/dev/null
    "$DUN" -q invoice add "2026-$i" --client "c$i" --amount 1200.00 --currency SEK \
        --issued 2026-10-03 --due $TODAY >/dev/null
done
echo "  done in $(( ($(now_ns) - start) / 1000000 )) ms"

due=$("$DUN" send --dry-run | sed -n 1p)
echo "  $due"

start=$(now_ns)
"$DUN" send --dry-run --quiet
dry_ms=$(( ($(now_ns) - start) / 1000000 ))

sink=""
trap 'if [ -n "$sink" ]; then kill -TERM "$sink" 2>/dev/null || true; fi' EXIT

times=()
cpus=()
for run in $(seq 1 $RUNS); do
    db="$PWD/$WORK/run$run.db"
    cp "$WORK/base.db" "$db"
    out="$WORK/sink$run.out"
    "$SINK" 0 "$N" >"$out" &
    sink=$!
    for _ in $(seq 1 500); do
        grep -q '^port ' "$out" 2>/dev/null && break
        sleep 0.01
    done
    write_config "$(sed -n 's/^port //p' "$out")"

    start=$(now_ns)
    if [ -x /usr/bin/time ]; then
        # CPU time too: the wall clock is mostly fsync, which a shared disk makes noisy.
        DUN_DB="$db" /usr/bin/time -f '%U %S' -o "$WORK/cpu$run" "$DUN" send --yes --quiet
    else
        DUN_DB="$db" "$DUN" send --yes --quiet
    fi
    ns=$(( $(now_ns) - start ))

    # The sink exits by itself after N messages; anything less is a failure.
    for _ in $(seq 1 500); do
        kill -0 "$sink" 2>/dev/null || break
        sleep 0.01
    done
    if kill -0 "$sink" 2>/dev/null; then
        kill -TERM "$sink"
        wait "$sink" || true
        echo "run $run: the sink got fewer than $N messages: $(tail -1 "$out")" >&2
        exit 1
    fi
    wait "$sink" || true
    sink=""
    sent=$(sqlite3 "$db" "SELECT count(*) FROM contact_log WHERE delivery = 'sent'")
    [ "$sent" = "$N" ] || { echo "run $run: $sent entries logged sent, expected $N" >&2; exit 1; }
    cpu=""
    if [ -f "$WORK/cpu$run" ]; then
        cpu=$(awk '{printf "%d", ($1 + $2) * 1000}' "$WORK/cpu$run")
        cpus+=("$cpu")
        cpu=", cpu ${cpu} ms"
    fi
    printf '  run %d: %6d ms%s   (sink: %s)\n' "$run" $((ns / 1000000)) "$cpu" "$(tail -1 "$out")"
    times+=("$ns")
done

median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
if [ ${#cpus[@]} -gt 0 ]; then
    echo "  median cpu (user + sys) of dun send: $(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p") ms"
fi
awk -v n="$N" -v ns="$median" -v dry="$dry_ms" 'BEGIN {
    printf "dun send, %d messages over one connection: median %.0f ms, %.0f messages/s (SPEC floor: 200/s)\n", n, ns / 1e6, n / (ns / 1e9)
    printf "  of which planning and rendering (send --dry-run): %d ms\n", dry
}'
