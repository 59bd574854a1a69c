#!/bin/bash
# tests/e2e/catalog_stress.sh — the catalog keeps its promises under load.
#
# NOT part of `make test` (it takes several minutes); run it by hand after
# touching a pattern or the runtime's scheduler:
#
#   BIN=$PWD/build/bin/chanscope bash tests/e2e/catalog_stress.sh
#   N=50 ONLY='^(mutex|rwmutex-cache)/' BIN=build/bin/chanscope bash tests/e2e/catalog_stress.sh
#
# Every variant of every pattern runs N times (default 20), traced with
# `chanscope run` and checked with `chanscope check --json`, while the machine
# is loaded: PAR runs at once (default 2) and HOGS busy-loop processes
# (default 1, `sh -c 'while :; do :; done'`) on the side, so on a 2-core box
# every program competes for the CPU.  Each run whose set of finding kinds
# differs from its pattern.json declaration is reported, with the tail of the
# program's output and the kept trace (KEEP=1 keeps all traces in $OUT).
#
# A misuse variant must show its bug on every run and a correct variant must
# be clean on every run (patterns/README.md, "Bug variants fail on every run"),
# so the expected result is "0 mismatches".  The summary gives, per variant
# that failed at least once, how many runs failed and what was found.  It
# also lists, for information (not a failure), variants whose findings were
# of the right kinds but worded differently from run to run (say "blocked
# receiving" on one run and "had not even started" on the next): the docs
# quote the analyzer's titles, so those should be stable too.
#
# Environment:
#   BIN      chanscope binary (default build/bin/chanscope)
#   N        runs of each variant (default 20)
#   PAR      runs at a time (default 2)
#   HOGS     CPU hogs alongside (default 1; 0 for none)
#   ONLY     extended regex: only NAME/VARIANT matching it
#   TIMEOUT  seconds per run (default 30)
#   OUT      directory for traces of failing runs (default: a temp dir, kept
#            only if something failed)
#   KEEP     1: keep every trace, not only failing ones
set -u
BIN=${BIN:-build/bin/chanscope}
N=${N:-20}
PAR=${PAR:-2}
HOGS=${HOGS:-1}
ONLY=${ONLY:-}
TIMEOUT=${TIMEOUT:-30}
KEEP=${KEEP:-0}
command -v sqlite3 >/dev/null || { echo "catalog_stress: needs the sqlite3 shell"; exit 2; }
work=${OUT:-$(mktemp -d -t chanscope-stress.XXXXXX)}
mkdir -p "$work"
export BIN TIMEOUT KEEP work

hogs=()
cleanup() {
    for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "$BIN" list --variants >"$work/variants" 2>"$work/list.err"; then
    echo "FAIL: chanscope list --variants: $(cat "$work/list.err")"
    exit 1
fi

# One job per run, "SPEC KINDS RUN", interleaved run by run so that two
# different variants (not two runs of one) usually share the machine.
for r in $(seq "$N"); do
    while read -r spec kinds; do
        [ -n "$ONLY" ] && ! [[ "$spec" =~ $ONLY ]] && continue
        echo "$spec $kinds $r"
    done <"$work/variants"
done >"$work/jobs"
njobs=$(wc -l <"$work/jobs")
[ "$njobs" -gt 0 ] || { echo "catalog_stress: no variant matches ONLY='$ONLY'"; exit 1; }

. "$(dirname "$0")/catalog_lib.bash"

one() {
    spec=$1 expect=$2 r=$3
    run_variant "$spec" "$r"
    want=$(echo "$expect" | sorted)
    # the findings' titles, for the wording report
    titles=$(sqlite3 :memory: "select coalesce(group_concat(t, ' || '), '-') from
             (select json_extract(value, '\$.title') t
              from json_each(readfile('$f.json'), '\$.findings') order by t)" 2>/dev/null)
    printf '%s\t%s\n' "$spec" "$titles" >"$f.titles"
    if [ "$found" = "$want" ]; then
        echo "ok   $spec #$r: $want"
        [ "$KEEP" = 1 ] || rm -f "$f".db* "$f.out" "$f.json"
    else
        echo "FAIL $spec #$r: expected $want, found $found (rc=$rc, trace $f.db)"
        sed 's/^/       | /' "$f.out" | tail -n 8
    fi
}
export -f one

for _ in $(seq "$HOGS"); do
    sh -c 'while :; do :; done' &
    hogs+=($!)
done

echo "catalog_stress: $njobs runs ($N per variant), $PAR at a time, $HOGS CPU hog(s); work in $work"
start=$(date +%s)
xargs -P "$PAR" -L 1 bash -c 'one "$@"' _ <"$work/jobs" >"$work/results"
elapsed=$(($(date +%s) - start))
cleanup
hogs=()

grep -v '^ok' "$work/results" || true
nok=$(grep -c '^ok' "$work/results")
echo
cat "$work"/*.titles 2>/dev/null | sort | uniq -c |
    awk -F'\t' '{split($1, a, " "); spec=a[2]; n[spec]++; line[spec]=line[spec] sprintf("      %s x %s\n", a[1], $2)}
         END {for (s in n) if (n[s] > 1) printf "  %s:\n%s", s, line[s]}' >"$work/wording"
if [ -s "$work/wording" ]; then
    echo "finding titles that varied between runs (information only):"
    cat "$work/wording"
    echo
fi
if [ "$nok" != "$njobs" ]; then
    echo "variants that mismatched (failed runs / $N: what was found):"
    grep '^FAIL' "$work/results" |
        sed -E 's/^FAIL ([^ ]+) #[0-9]+: expected [^ ]+, found (.*) \(rc=.*$/\1 found \2/' |
        sort | uniq -c | sort -k2,2 -k1,1nr |
        awk '{c=$1; $1=""; sub(/^ /,""); printf "  %3d  %s\n", c, $0}'
    echo "traces of the failing runs are kept in $work"
else
    [ -z "${OUT:-}" ] && [ "$KEEP" != 1 ] && rm -rf "$work"
fi
echo "catalog_stress: $nok/$njobs runs matched their declaration in $elapsed s"
[ "$nok" = "$njobs" ]
