#!/bin/bash
# tests/e2e/exercises.sh — every exercise keeps its promises.
#
# For every exercises/NN-name/:
#   - the untouched starter FAILS `chanscope exercise check` (exit 1) and the
#     last line "result: fail (...)" names every item of check.json's
#     starter_expect (finding kinds, or output/exit/timeout/build);
#   - solution.c PASSES (exit 0, "result: pass") on SOLUTION_RUNS traced runs
#     (default 3, as the check itself).
# Plus the command's contract: list/show/hint output, bad input -> exit 2,
# a compile error -> exit 1 with the compiler's message.
#
# Each check runs in its own scratch folder (its traces/ go there), two at a
# time.  Budget: about a minute on 2 cores.
#   STARTER_RUNS=1 SOLUTION_RUNS=2 ONLY=regex PAR=2   (environment knobs)
# check.json is read with the sqlite3 shell's JSON functions.
set -u
BIN=${BIN:-build/bin/chanscope}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
STARTER_RUNS=${STARTER_RUNS:-1}
SOLUTION_RUNS=${SOLUTION_RUNS:-3}
ONLY=${ONLY:-}
PAR=${PAR:-2}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BIN STARTER_RUNS SOLUTION_RUNS ROOT work
fail=0
say_fail() { echo "FAIL: $*"; fail=1; }

# ---- list / show / hint ----------------------------------------------------
"$BIN" exercise list >"$work/list" 2>&1 || say_fail "exercise list exited $?"
n=$(grep -cE '^[0-9][0-9]-[a-z0-9-]+ ' "$work/list")
[ "$n" -ge 15 ] || say_fail "exercise list shows $n exercises (want >= 15)"
folders=$(cd "$ROOT/exercises" && ls -d [0-9][0-9]-*/ | tr -d /)
for f in $folders; do
    grep -q "^$f " "$work/list" || say_fail "exercise list does not show $f"
    for part in README.md starter.c solution.c check.json hints/1.md hints/2.md; do
        [ -f "$ROOT/exercises/$f/$part" ] || say_fail "$f has no $part"
    done
done
"$BIN" exercise show 01 >"$work/show" || say_fail "exercise show 01 exited $?"
grep -q '^# 01 ' "$work/show" || say_fail "exercise show 01 does not print the README"
grep -q 'chanscope exercise check 01-' "$work/show" || say_fail "exercise show does not say how to check"
"$BIN" exercise hint 01 >"$work/hint1" || say_fail "exercise hint 01 exited $?"
grep -q 'Hint 1 of' "$work/hint1" && grep -q 'chanscope exercise hint 01-leaked-goroutine 2' "$work/hint1" ||
    say_fail "hint 1 does not say how to get hint 2: $(cat "$work/hint1")"
"$BIN" exercise hint leaked-goroutine 2 | grep -q 'Hint 2 of' || say_fail "hint by name, N=2"

# ---- bad input: one line on stderr, exit 2 ---------------------------------
expect2() {
    local what=$1
    shift
    "$BIN" "$@" >"$work/out2" 2>"$work/err2"
    local rc=$?
    [ $rc -eq 2 ] || say_fail "$what: exit $rc, want 2"
    [ "$(wc -l <"$work/err2")" -eq 1 ] || say_fail "$what: want one line on stderr, got: $(cat "$work/err2")"
}
expect2 "unknown exercise" exercise check 99-nope
expect2 "missing file" exercise check 01 --file "$work/does-not-exist.c"
expect2 "hint out of range" exercise hint 01 99
expect2 "hint not a number" exercise hint 01 two
expect2 "unknown subcommand" exercise frobnicate
expect2 "bad --runs" exercise check 01 --runs 0

# ---- a malformed check.json is bad input, not a crash ---------------------
mkdir -p "$work/home/exercises/01-broken"
echo '{"title": "broken", "runs": ' >"$work/home/exercises/01-broken/check.json"
CHANSCOPE_HOME="$work/home" "$BIN" exercise list >"$work/home/list" 2>&1 ||
    say_fail "exercise list with a malformed check.json exited $?"
grep -q '^01-broken .*unreadable' "$work/home/list" || say_fail "list does not flag the malformed spec"
CHANSCOPE_HOME="$work/home" expect2 "malformed check.json" exercise show 01

# ---- a compile error is a failed check, shown as the compiler says it ------
mkdir -p "$work/cc" && printf '#include "chanscope.h"\nint main(void) { return nope; }\n' >"$work/cc/broken.c"
(cd "$work/cc" && "$BIN" exercise check 01 --file broken.c >out 2>&1)
rc=$?
[ $rc -eq 1 ] || say_fail "compile error: exit $rc, want 1"
grep -q "broken.c:2:.*nope" "$work/cc/out" || say_fail "compile error: compiler message missing: $(head -5 "$work/cc/out")"
grep -q '^result: fail (build)$' "$work/cc/out" || say_fail "compile error: no 'result: fail (build)'"

# ---- removing what the check relies on (here an annotation) is caught ------
mkdir -p "$work/src" && grep -v 'SHARED_WRITE(hits)' "$ROOT/exercises/03-counter-race/solution.c" >"$work/src/sneaky.c"
(cd "$work/src" && "$BIN" exercise check 03 --file sneaky.c --runs 1 >out 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q '^result: fail (source)$' "$work/src/out" ||
    say_fail "a solution without its annotations: exit $rc, $(tail -1 "$work/src/out")"

# ---- a program that never ends is stopped at the time limit ----------------
mkdir -p "$work/hang" && cat >"$work/hang/hang.c" <<'EOF2'
#include "chanscope.h"
int main(void) { for (;;) time_sleep(10 * MILLISECOND); }
EOF2
(cd "$work/hang" && timeout 30 "$BIN" exercise check 01 --file hang.c --runs 1 >out 2>&1)
rc=$?
[ $rc -eq 1 ] || say_fail "endless program: exit $rc, want 1"
grep -q '^result: fail (timeout)$' "$work/hang/out" || say_fail "endless program: no 'result: fail (timeout)': $(tail -3 "$work/hang/out")"

# ---- every starter fails as declared, every solution passes ----------------
one() { # NAME KIND(starter|solution)
    local name=$1 kind=$2 dir="$work/$1-$2"
    mkdir -p "$dir" && cd "$dir" || return 1
    local runs=$SOLUTION_RUNS
    [ "$kind" = starter ] && runs=$STARTER_RUNS
    "$BIN" exercise check "$name" --file "$ROOT/exercises/$name/$kind.c" --runs "$runs" >out 2>&1
    local rc=$? last
    last=$(tail -n 1 out)
    if [ "$kind" = solution ]; then
        if [ $rc -ne 0 ] || [ "$last" != "result: pass" ]; then
            echo "FAIL: $name solution does not pass (exit $rc):"
            sed 's/^/    /' out | head -40
            return 1
        fi
        echo "ok   $name solution passes"
        return 0
    fi
    local want
    want=$(sqlite3 :memory: "SELECT group_concat(value, ' ') FROM json_each(readfile('$ROOT/exercises/$name/check.json'), '\$.starter_expect')")
    if [ -z "$want" ]; then
        echo "FAIL: $name check.json has no starter_expect"
        return 1
    fi
    if [ $rc -ne 1 ]; then
        echo "FAIL: $name starter: exit $rc, want 1 (a failed check)"
        sed 's/^/    /' out | head -40
        return 1
    fi
    local w bad=0
    for w in $want; do
        case "$last" in
        "result: fail ("*"$w"*")") ;;
        *) echo "FAIL: $name starter: '$w' missing from '$last'"; bad=1 ;;
        esac
    done
    # The feedback is specific: it names a site in the learner's file and how to view it.
    if grep -qE '^  (deadlock|partial_deadlock|leak|race|misuse|panic|lock_order): ' out &&
        ! grep -qE 'starter\.c:[0-9]+' out; then
        echo "FAIL: $name starter: feedback names no starter.c:LINE"
        bad=1
    fi
    grep -q '^  see it: chanscope view .*exercise-'"$name"'-run1\.db$' out ||
        { echo "FAIL: $name starter: no 'chanscope view' line for the failing trace"; bad=1; }
    if [ $bad -ne 0 ]; then
        sed 's/^/    /' out | head -40
        return 1
    fi
    echo "ok   $name starter fails with: ${last#result: fail }"
}
export -f one
for f in $folders; do
    if [ -n "$ONLY" ] && ! [[ $f =~ $ONLY ]]; then continue; fi
    echo "$f starter"
    echo "$f solution"
done | xargs -r -P "$PAR" -L 1 bash -c 'one "$0" "$1"' >"$work/results" 2>&1 || fail=1
cat "$work/results"
grep -q '^FAIL' "$work/results" && fail=1

if [ $fail -ne 0 ]; then
    echo "exercises.sh: FAILED"
    exit 1
fi
echo "exercises.sh: all exercises behave as declared"
