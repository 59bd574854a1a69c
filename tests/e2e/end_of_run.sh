#!/usr/bin/env bash
# end_of_run.sh — the end of every run is recorded and worded right by
# `chanscope check` (issue 17), as a user meets it through `chanscope run`:
#   1. a crash (SIGSEGV): the program dies by it (status 139), the report
#      says "killed by SIGSEGV" in which goroutine, an error finding of kind
#      signal naming what main was doing; never "main returned"
#   2. Ctrl-C (SIGINT to `chanscope run`): status 130, a warning finding
#      "killed by SIGINT", every goroutine described
#   3. exit() from a worker: the header names the worker, no leak for main
#      or for the goroutines exit() cut short, never "main returned"
#   4. a joined pthread that used the runtime is not a leak
# Needs BIN (chanscope) and BUILD (analyzer/build.mk's programs).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/build/bin/chanscope}
BUILD=${BUILD:-$root/build}
progs=$BUILD/analyzer-progs
tmp=$(mktemp -d)
kpid=
trap '[ -n "$kpid" ] && kill -KILL "$kpid" 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
jq1() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2')"; }

for p in crash exit_worker_ok thread_join_ok; do
    [ -x "$progs/$p" ] || { echo "FAIL: $progs/$p not built (make analyzer-progs)"; exit 1; }
done

# --- 1. a crash ----------------------------------------------------------
"$BIN" run "$progs/crash" -o "$tmp/segv.db" -- segv >"$tmp/segv.out" 2>&1
rc=$?
[ "$rc" = 139 ] || fail "crash: chanscope run exited $rc, want 139 (SIGSEGV)"
grep -q "goroutine 1 \[" "$tmp/segv.out" || fail "crash: no goroutine dump on stderr: $(head -5 "$tmp/segv.out")"
"$BIN" check "$tmp/segv.db" >"$tmp/segv.txt" 2>&1
[ $? = 1 ] || fail "crash: check should exit 1 (a finding)"
grep -q "killed by SIGSEGV in lookup (id 2), status 139" "$tmp/segv.txt" || fail "crash: header: $(head -1 "$tmp/segv.txt")"
grep -q "SIGNAL killed by SIGSEGV" "$tmp/segv.txt" || fail "crash: no SIGSEGV finding: $(cat "$tmp/segv.txt")"
grep -q "main (id 1)" "$tmp/segv.txt" || fail "crash: main's state not described"
grep -q "main returned" "$tmp/segv.txt" && fail "crash: worded as if main returned"
"$BIN" check --json "$tmp/segv.db" >"$tmp/segv.json" 2>/dev/null
[ "$(jq1 "$tmp/segv.json" '$.findings[0].kind')" = signal ] || fail "crash: JSON kind"
[ "$(jq1 "$tmp/segv.json" '$.findings[0].class')" = SIGSEGV ] || fail "crash: JSON class"
[ "$(jq1 "$tmp/segv.json" '$.findings[0].severity')" = error ] || fail "crash: JSON severity"
[ "$(jq1 "$tmp/segv.json" '$.summary.signal')" = 1 ] || fail "crash: JSON summary.signal"

# --- 2. Ctrl-C -----------------------------------------------------------
# (a script's background job starts with SIGINT ignored, and an inherited
# ignore is kept: give it the default action, as an interactive shell does)
env --default-signal=INT "$BIN" run "$progs/crash" -o "$tmp/int.db" -- wait >"$tmp/int.out" 2>&1 &
kpid=$!
for _ in $(seq 400); do # until the worker is waiting (a snapshot of its log has the send)
    "$BIN" import --snapshot -q "$tmp/int.db.cslog" -o "$tmp/int-snap.db" 2>/dev/null &&
    [ "$(sqlite3 "file:$tmp/int-snap.db?mode=ro" "SELECT count(*) FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='chan_send')" 2>/dev/null)" = 1 ] && break
    sleep 0.025
done
kill -INT "$kpid"
for _ in $(seq 400); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.025; done
kill -0 "$kpid" 2>/dev/null && { kill -KILL "$kpid"; fail "Ctrl-C: still running 10 s after SIGINT"; }
wait "$kpid"
rc=$?
kpid=
[ "$rc" = 130 ] || fail "Ctrl-C: chanscope run exited $rc, want 130"
"$BIN" check "$tmp/int.db" >"$tmp/int.txt" 2>&1
grep -q "killed by SIGINT, status 130" "$tmp/int.txt" || fail "Ctrl-C: header: $(head -1 "$tmp/int.txt")"
grep -q "SIGNAL killed by SIGINT" "$tmp/int.txt" || fail "Ctrl-C: no SIGINT finding: $(cat "$tmp/int.txt")"
grep -q "main returned" "$tmp/int.txt" && fail "Ctrl-C: worded as if main returned"
"$BIN" check --json "$tmp/int.db" >"$tmp/int.json" 2>/dev/null
case "$(jq1 "$tmp/int.json" '$.findings[0].explanation')" in
    *"main (id 1) was blocked receiving from channel results"*"lookup (id 2) was sleeping"*) ;;
    *) fail "Ctrl-C: what each goroutine was doing: $(jq1 "$tmp/int.json" '$.findings[0].explanation')" ;;
esac
[ "$(jq1 "$tmp/int.json" '$.findings[0].severity')" = warning ] || fail "Ctrl-C: JSON severity"

# --- 3. exit() from a worker ----------------------------------------------
"$BIN" run "$progs/exit_worker_ok" -o "$tmp/exit.db" >"$tmp/exit.out" 2>&1
rc=$?
[ "$rc" = 3 ] || fail "exit: chanscope run exited $rc, want 3"
"$BIN" check "$tmp/exit.db" >"$tmp/exit.txt" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "exit: check exited $rc, want 0 (nothing leaked): $(cat "$tmp/exit.txt")"
grep -q "ended by exit in failing (id 3), status 3" "$tmp/exit.txt" ||
    fail "exit: header does not name the goroutine: $(head -1 "$tmp/exit.txt")"
grep -q "main returned" "$tmp/exit.txt" && fail "exit: worded as if main returned"
[ "$(sqlite3 "$tmp/exit.db" "SELECT value FROM meta WHERE key='end_goroutine'")" = 3 ] ||
    fail "exit: meta.end_goroutine"

# --- 4. a joined thread ---------------------------------------------------
"$BIN" run "$progs/thread_join_ok" -o "$tmp/thread.db" >"$tmp/thread.out" 2>&1 ||
    fail "thread: chanscope run exited $?"
"$BIN" check "$tmp/thread.db" >"$tmp/thread.txt" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "thread: a joined thread reported (exit $rc): $(cat "$tmp/thread.txt")"

echo "end of run: $failures failure(s)"
[ "$failures" = 0 ]
