#!/usr/bin/env bash
# bench/explore.sh — schedules per second of `chanscope explore` (make
# bench-explore; folded into make bench's table as the "explore" rows).
#   bench/explore.sh CHANSCOPE OUT.json
# EXPLORE_BENCH_SPEC (default channels/main: 76 events, clean) is explored
# over EXPLORE_BENCH_RUNS schedules (default 400) with -j = the CPUs; the
# figure is runs / wall seconds of the whole command (start, every run's
# program, tracing and analysis, the report).  Goal: >= 200/s (issue 12).
set -u
cli=${1:?usage: bench/explore.sh CHANSCOPE OUT.json}
out=${2:?usage: bench/explore.sh CHANSCOPE OUT.json}
spec=${EXPLORE_BENCH_SPEC:-channels/main}
runs=${EXPLORE_BENCH_RUNS:-400}
dir=$(mktemp -d "${TMPDIR:-/tmp}/chanscope-bench-explore.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
t0=$(date +%s.%N)
"$cli" explore "$spec" -n "$runs" --json -o "$dir/x" >"$dir/r.json" 2>"$dir/err"
rc=$?
t1=$(date +%s.%N)
if [ "$rc" -gt 1 ]; then
    echo "bench-explore: explore $spec failed ($rc): $(head -n 1 "$dir/err")" >&2
    exit 1
fi
done_runs=$(jq .runs "$dir/r.json")
rate=$(awk -v n="$done_runs" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
per=$(awk -v n="$done_runs" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')
cat >"$out" <<JSON
{"figures": [
  {"name": "explore $spec: schedules/s", "value": $rate, "unit": "/s", "goal": ">= 200"},
  {"name": "explore $spec: ms per schedule", "value": $per, "unit": "ms", "goal": ""}
]}
JSON
echo "explore $spec: $done_runs schedules, $rate/s ($per ms each)"
