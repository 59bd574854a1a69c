#!/usr/bin/env bash
# bench/race.sh — the race build's cost (make bench-race; folded into make
# bench's table as the "race" rows).
#   bench/race.sh BUILD OUT.json patterns/NAME/VARIANT.c...
# For each catalog race variant: its plain build (BUILD/bench/race-plain/...)
# and its race build (BUILD/patterns/..., what `chanscope run` runs), and for
# bench-c's shared-memory workloads (RACE_BENCH_WORKLOADS, default "mutex
# pool spsc": a counter under a lock, jobs handed over through channels):
# bench-c and bench-c-race.  Each program runs RACE_BENCH_RUNS times
# (default 5, alternating plain and race); the rows are the ratio of the
# median wall times and of the largest peak RSS (race / plain), goals <= 10
# and <= 4 (issue 14; Go's own race detector: 2-20x time, 5-10x memory).
set -u
build=${1:?usage: bench/race.sh BUILD OUT.json VARIANT.c...}
out=${2:?usage: bench/race.sh BUILD OUT.json VARIANT.c...}
shift 2
runs=${RACE_BENCH_RUNS:-5}
workloads=${RACE_BENCH_WORKLOADS:-mutex pool spsc}
ops=${RACE_BENCH_OPS:-200000}
limit=${BENCH_TIMEOUT:-120}
measure=$build/bench/race-measure
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chanscope-bench-race.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# run_pair NAME PLAIN_CMD... -- RACE_CMD...: RACE_BENCH_RUNS of each, then
# one figure line per ratio into $tmp/figures ("name<TAB>value<TAB>unit<TAB>goal").
run_pair() {
    local name=$1
    shift
    local plain=() race=() side=plain a
    for a in "$@"; do
        if [ "$a" = -- ]; then side=race; continue; fi
        if [ $side = plain ]; then plain+=("$a"); else race+=("$a"); fi
    done
    : >"$tmp/p" && : >"$tmp/r"
    for ((i = 0; i < runs; i++)); do
        timeout "$limit" "$measure" "${plain[@]}" >>"$tmp/p" || { echo "bench-race: $name: plain run failed" >&2; return 1; }
        timeout "$limit" "$measure" "${race[@]}" >>"$tmp/r" || { echo "bench-race: $name: race run failed" >&2; return 1; }
    done
    # median wall, largest RSS, of each side
    local pw pm rw rm
    pw=$(cut -d' ' -f1 "$tmp/p" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
    rw=$(cut -d' ' -f1 "$tmp/r" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
    pm=$(cut -d' ' -f2 "$tmp/p" | sort -n | tail -n 1)
    rm=$(cut -d' ' -f2 "$tmp/r" | sort -n | tail -n 1)
    awk -v n="$name" -v pw="$pw" -v rw="$rw" -v pm="$pm" -v rm="$rm" 'BEGIN {
        printf "race build time x: %s\t%.2f\tx\t<= 10\n", n, rw / pw
        printf "race build memory x: %s\t%.2f\tx\t<= 4\n", n, rm / pm
        printf "bench-race: %s: %.1f ms -> %.1f ms (%.2fx), %.1f MB -> %.1f MB (%.2fx)\n", n,
            pw / 1e6, rw / 1e6, rw / pw, pm / 1024, rm / 1024, rm / pm > "/dev/stderr"
    }' >>"$tmp/figures"
}

: >"$tmp/figures"
for src in "$@"; do
    rel=${src#patterns/}
    rel=${rel%.c}
    run_pair "$rel" "$build/bench/race-plain/$rel" -- "$build/patterns/$rel"
done
for wl in $workloads; do
    run_pair "bench-c $wl $ops" "$build/bench/bench-c" "$wl" "$ops" -- "$build/bench/bench-c-race" "$wl" "$ops"
done

{
    echo '{"figures": ['
    awk -F'\t' '{ gsub(/"/, "\\\"", $1)
        printf "%s  {\"name\": \"%s\", \"value\": %s, \"unit\": \"%s\", \"goal\": \"%s\"}", (NR > 1 ? ",\n" : ""), $1, $2, $3, $4 }
        END { print "" }' "$tmp/figures"
    echo ']}'
} >"$out"
