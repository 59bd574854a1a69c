#!/bin/bash
# tests/e2e/catalog.sh — the catalog keeps its promises.
#
# Every variant of every pattern, run traced (`chanscope run`) and checked
# (`chanscope check --json`), finds exactly the finding kinds its pattern.json
# declares; every correct variant (`main`, and any variant declaring [])
# runs RUNS times (default 5), clean every time.  Programs get a timeout.
# Two runs at a time (xargs -P2) keep it within a few minutes on 2 cores.
#
# Reads the findings from check's JSON ({"findings":[{"kind":...}]}) with the
# sqlite3 shell's JSON functions, independently of cli/cmd_demo.c.
set -u
BIN=${BIN:-build/bin/chanscope}
RUNS=${RUNS:-5}         # runs of each correct variant
BUG_RUNS=${BUG_RUNS:-1} # runs of each misuse variant (raise it to hunt flakiness)
ONLY=${ONLY:-}          # an extended regex: only variants whose NAME/VARIANT matches
PAR=${PAR:-2}
TIMEOUT=${TIMEOUT:-20}
export BIN TIMEOUT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export work

fail=0
if ! "$BIN" list --variants >"$work/variants" 2>"$work/list.err"; then
    echo "FAIL: chanscope list --variants: $(cat "$work/list.err")"
    exit 1
fi

# Every name the catalog promises (issue 5), each with a main variant.
required="goroutines-and-context channels generator pipeline fan-out-fan-in worker-pool
rate-limited-pool errgroup bounded-parallelism semaphore rate-limiter timeout cancellation
error-handling graceful-shutdown circuit-breaker pubsub mutex rwmutex-cache once waitgroup
atomic-counter periodic-task common-mistakes"
for n in $required; do
    grep -q "^$n/main -\$" "$work/variants" || { echo "FAIL: catalog has no clean $n/main"; fail=1; }
done
for v in leak race unclosed-range deadlock; do
    grep -q "^common-mistakes/$v " "$work/variants" ||
        { echo "FAIL: common-mistakes has no variant '$v'"; fail=1; }
done
# list --json names the same variants, main first
if ! "$BIN" list --json >"$work/list.json"; then echo "FAIL: list --json"; fail=1; fi
njson=$(sqlite3 :memory: "select count(*) from json_each(readfile('$work/list.json')) p,
        json_each(p.value, '\$.variants') v" 2>/dev/null)
nvar=$(wc -l <"$work/variants")
[ "$njson" = "$nvar" ] || { echo "FAIL: list --json has $njson variants, --variants $nvar"; fail=1; }

# One job per run: "SPEC KINDS RUN".
while read -r spec kinds; do
    [ -n "$ONLY" ] && ! [[ "$spec" =~ $ONLY ]] && continue
    n=$BUG_RUNS
    [ "$kinds" = "-" ] && n=$RUNS
    for r in $(seq "$n"); do echo "$spec $kinds $r"; done
done <"$work/variants" >"$work/jobs"

. "$(dirname "$0")/catalog_lib.bash"

one() {
    spec=$1 expect=$2 r=$3
    run_variant "$spec" "$r"
    want=$(echo "$expect" | sorted)
    if [ "$found" = "$want" ]; then
        echo "ok   $spec #$r: $want"
    else
        echo "FAIL $spec #$r: expected $want, found $found"
        sed 's/^/       | /' "$f.out" | tail -n 8
    fi
}
export -f one

start=$(date +%s)
xargs -P "$PAR" -L 1 bash -c 'one "$@"' _ <"$work/jobs" >"$work/results"
grep -v "^ok" "$work/results" || true
nok=$(grep -c '^ok' "$work/results")
nall=$(wc -l <"$work/jobs")
echo "catalog: $nok/$nall runs matched their declaration in $(($(date +%s) - start)) s"
[ "$nok" = "$nall" ] && [ "$fail" = 0 ]
