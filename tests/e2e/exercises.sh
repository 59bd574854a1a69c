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
# a compile error -> exit 1 with the compiler's message; show renders for a
# terminal (no Markdown link or image syntax, no fences) and holds back "What
# it teaches" until a pass; list shows which exercises passed (the progress
# file under XDG_STATE_HOME, here a scratch one); grade judges a folder of
# submissions (table, summary, exit status, --json shape, separate traces) and
# records no progress.
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
export XDG_STATE_HOME="$work/state"
export BIN STARTER_RUNS SOLUTION_RUNS ROOT work XDG_STATE_HOME
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
grep -qE '^[0-9][0-9]-[a-z0-9-]+ +passed ' "$work/list" && say_fail "exercise list shows a pass before any check"
"$BIN" exercise show 01 >"$work/show" || say_fail "exercise show 01 exited $?"
grep -q '^01 — ' "$work/show" && grep -q '^====' "$work/show" ||
    say_fail "exercise show 01 does not print the README's title as a heading"
grep -q 'chanscope exercise check 01-' "$work/show" || say_fail "exercise show does not say how to check"
for f in $folders; do
    "$BIN" exercise show "$f" >"$work/show-$f" 2>&1 || say_fail "exercise show $f exited $?"
    grep -nE '\]\(|<img|^```|^#|\*\*' "$work/show-$f" | head -3 | sed "s/^/    /" >"$work/raw"
    [ -s "$work/raw" ] && say_fail "exercise show $f prints raw Markdown: $(cat "$work/raw")"
    grep -q 'What it teaches' "$work/show-$f" && grep -q '^What it teaches' "$work/show-$f" &&
        say_fail "exercise show $f shows 'What it teaches' (the fix) before a pass"
    grep -q '^Your task' "$work/show-$f" || say_fail "exercise show $f: no 'Your task'"
done
"$BIN" exercise show 01 --all | grep -q '^What it teaches' || say_fail "show --all does not show 'What it teaches'"
for sub in list show hint check grade; do
    "$BIN" exercise "$sub" --help >"$work/help" 2>&1 || say_fail "exercise $sub --help exited $?"
    grep -q "^usage: chanscope exercise $sub" "$work/help" || say_fail "exercise $sub --help is not specific"
done
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
expect2 "no subcommand" exercise
expect2 "bad --runs" exercise check 01 --runs 0
expect2 "unknown option" exercise check 01 --frobnicate
expect2 "grade: no submissions" exercise grade 01
expect2 "grade: missing path" exercise grade 01 "$work/no-such-dir"
mkdir -p "$work/empty"
expect2 "grade: a folder without *.c" exercise grade 01 "$work/empty"
expect2 "grade: bad --jobs" exercise grade 01 -j 0 "$work/empty"

# ---- grade: a folder with a passing and a failing submission -----------------
mkdir -p "$work/grade/subs/carol"
cp "$ROOT/exercises/01-leaked-goroutine/solution.c" "$work/grade/subs/alice.c"
cp "$ROOT/exercises/01-leaked-goroutine/starter.c" "$work/grade/subs/bob.c"
cp "$ROOT/exercises/01-leaked-goroutine/solution.c" "$work/grade/subs/carol/main.c"
(cd "$work/grade" && XDG_STATE_HOME="$work/grade/state" "$BIN" exercise grade 01 --runs 1 subs >out 2>err)
rc=$?
[ $rc -eq 1 ] || say_fail "grade with a failing submission: exit $rc, want 1: $(cat "$work/grade/err")"
grep -qE '^subs/alice\.c +pass' "$work/grade/out" || say_fail "grade table: alice does not pass: $(cat "$work/grade/out")"
grep -qE '^subs/bob\.c +FAIL +leak' "$work/grade/out" || say_fail "grade table: bob does not fail with leak"
grep -qE '^subs/carol/main\.c +pass' "$work/grade/out" || say_fail "grade table: carol/main.c (a subfolder) missing"
grep -q '^summary: 2 of 3 passed, 1 failed$' "$work/grade/out" || say_fail "grade summary: $(tail -2 "$work/grade/out")"
[ -e "$work/grade/state" ] && say_fail "grade recorded learner progress"
for t in subs_alice subs_bob subs_carol_main; do
    [ -f "$work/grade/traces/exercise-01-leaked-goroutine-$t-run1.db" ] || say_fail "grade: no trace of its own for $t"
done
grep -q 'result: fail (leak)' "$work/grade/traces/exercise-01-leaked-goroutine-subs_bob.txt" ||
    say_fail "grade: bob's feedback not kept"
(cd "$work/grade" && "$BIN" exercise grade 01 --runs 1 --json subs/alice.c subs/bob.c >json 2>err)
rc=$?
[ $rc -eq 1 ] || say_fail "grade --json: exit $rc, want 1"
shape=$(sqlite3 :memory: "SELECT json_array_length(j, '\$.results') || ' ' ||
    json_extract(j, '\$.results[0].file') || ' ' || json_extract(j, '\$.results[0].passed') || ' ' ||
    json_extract(j, '\$.results[0].reason') || ' ' || json_type(j, '\$.results[0].findings') || ' ' ||
    json_extract(j, '\$.results[1].file') || ' ' || json_extract(j, '\$.results[1].passed') || ' ' ||
    json_extract(j, '\$.results[1].reason') || ' ' ||
    json_extract(j, '\$.results[1].findings[0].kind') || ' ' || json_extract(j, '\$.summary.passed')
    FROM (SELECT readfile('$work/grade/json') AS j)" 2>&1)
[ "$shape" = "2 subs/alice.c 1 pass array subs/bob.c 0 leak leak 1" ] || say_fail "grade --json shape: '$shape'"
(cd "$work/grade" && "$BIN" exercise grade 01 --runs 1 subs/alice.c >out-ok 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q '^summary: 1 of 1 passed, 0 failed$' "$work/grade/out-ok" ||
    say_fail "grade with all passing: exit $rc: $(tail -2 "$work/grade/out-ok")"

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
    grep -q '^  see it: chanscope view .*exercise-'"$name"'-starter-run1\.db$' out ||
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

# ---- progress: every exercise whose solution passed is listed as passed ----
"$BIN" exercise list >"$work/list2" 2>&1
for f in $folders; do
    if [ -n "$ONLY" ] && ! [[ $f =~ $ONLY ]]; then continue; fi
    grep -q "^ok   $f solution passes" "$work/results" || continue
    grep -qE "^$f +passed " "$work/list2" || say_fail "exercise list does not show $f as passed"
    "$BIN" exercise show "$f" | grep -q '^What it teaches' || say_fail "show $f: 'What it teaches' not shown after a pass"
done
grep -q 'exercises-passed' "$work/list2" || say_fail "exercise list does not say where progress is kept"

if [ $fail -ne 0 ]; then
    echo "exercises.sh: FAILED"
    exit 1
fi
echo "exercises.sh: all exercises behave as declared"
