#!/usr/bin/env bash
# trace_run.sh — `chanscope run` and CHANSCOPE_TRACE end to end:
#   output passes through, one "trace: FILE (N events)" line, exit status of the
#   program (128+sig when killed), every recorded kind in the contract, bad input
#   refused with one line and status 2 without touching anything.
# Needs BIN (the chanscope binary) and BUILD (the build folder, holding
# tests/programs/trace_demo built by tracer/build.mk).
set -u
BIN=${BIN:?BIN must name the chanscope binary}
BUILD=${BUILD:?BUILD must name the build folder}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
demo=$BUILD/tests/programs/trace_demo
[ -x "$demo" ] || { echo "trace_run: $demo is not built (make trace-programs)"; exit 1; }

tmp=$(mktemp -d /tmp/cs-e2e-trace-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
q() { sqlite3 "$1" "$2"; }

# 1. a run: output through, the trace line, args recorded, counts agree
"$BIN" run "$demo" -o run.db -- x "y z" >out.txt 2>err.txt
rc=$?
[ $rc = 0 ] || fail "run: status $rc ($(cat err.txt))"
grep -q '^total 820 squares 22140$' out.txt || fail "run: program output missing: $(cat out.txt)"
n=$(q run.db "SELECT count(*) FROM events")
[ "$(tail -n 1 err.txt)" = "trace: run.db ($n events)" ] || fail "run: last stderr line: $(tail -n 1 err.txt)"
[ "$(q run.db "SELECT value FROM meta WHERE key='events'")" = "$n" ] || fail "run: meta.events != rows"
# the converter writes events and its indexes as pages itself (convert/btree_bulk.c):
# SQLite must find the file sound, each index holding every row
[ "$(q run.db "PRAGMA integrity_check")" = ok ] || fail "run: integrity_check: $(q run.db "PRAGMA integrity_check" | head -3)"
[ "$(q run.db "SELECT max(seq) FROM events")" = "$n" ] || fail "run: seq space has gaps"
[ "$(q run.db "SELECT value FROM meta WHERE key='args'")" = '["x","y z"]' ] || fail "run: args"
[ "$(q run.db "SELECT value FROM meta WHERE key='end_reason'")" = exit ] || fail "run: end_reason"
[ "$(q run.db "PRAGMA integrity_check")" = ok ] || fail "run: integrity"
[ ! -e run.db-wal ] || fail "run: -wal left behind"
# channels, select, mutex and wait group are all there ...
for k in chan_send chan_recv select_begin select_end mutex_acquire mutex_release wg_add wg_wait go_create log program_end; do
    c=$(q run.db "SELECT count(*) FROM events e JOIN event_kinds k ON k.id=e.kind WHERE k.name='$k'")
    [ "$c" -gt 0 ] || fail "run: no $k event"
done
# ... and every kind that appears is in the contract (format/trace.def), which
# says what its fields mean
while IFS='|' read -r id name; do
    grep -Eq "^EV\( *$id, *[A-Z_]+, *$name," "$root/format/trace.def" ||
        fail "kind $id $name is not in format/trace.def"
done < <(q run.db "SELECT DISTINCT e.kind, k.name FROM events e JOIN event_kinds k ON k.id=e.kind")
[ "$(q run.db "SELECT count(*) FROM events WHERE kind NOT IN (SELECT id FROM event_kinds)")" = 0 ] \
    || fail "run: kinds without a name"

# 2. the program's exit status, and a replaced trace
"$BIN" run "$demo" -o run.db -- exit 3 >/dev/null 2>err.txt
rc=$?
[ $rc = 3 ] || fail "exit 3: status $rc"
[ "$(q run.db "SELECT value FROM meta WHERE key='exit_status'")" = 3 ] || fail "exit 3: not recorded (old trace not replaced?)"

# 3. panic: status 2, reason panic
"$BIN" run "$demo" -o panic.db -- panic >/dev/null 2>err.txt
rc=$?
[ $rc = 2 ] || fail "panic: status $rc"
grep -q 'panic: send on closed channel' err.txt || fail "panic: message: $(cat err.txt)"
[ "$(q panic.db "SELECT value FROM meta WHERE key='end_reason'")" = panic ] || fail "panic: end_reason"
tail -n 1 err.txt | grep -q '^trace: panic.db ([0-9]* events)$' || fail "panic: trace line"

# 4. SIGTERM to chanscope reaches the program; status 128+15
"$BIN" run "$demo" -o term.db -- sleep >out.txt 2>err.txt &
pid=$!
for _ in $(seq 100); do grep -q sleeping out.txt 2>/dev/null && break; sleep 0.05; done
kill -TERM $pid
wait $pid
rc=$?
[ $rc = 143 ] || fail "sigterm: status $rc ($(cat err.txt))"
[ "$(q term.db "SELECT value FROM meta WHERE key='end_reason'")" = signal ] || fail "sigterm: end_reason"
[ "$(q term.db "SELECT value FROM meta WHERE key='exit_status'")" = 143 ] || fail "sigterm: exit_status"

# 4b. SIGKILL of the program: chanscope says truncated, status 137, the file
# opens, passes integrity_check, keeps what was committed, has no end_reason
"$BIN" run "$demo" -o killed.db -- sleep >out.txt 2>err.txt &
pid=$!
for _ in $(seq 100); do grep -q sleeping out.txt 2>/dev/null && break; sleep 0.05; done
sleep 0.3 # > the writer's 50 ms commit period
child=$(pgrep -P $pid)
[ -n "$child" ] && kill -KILL $child
wait $pid
rc=$?
[ $rc = 137 ] || fail "sigkill: status $rc ($(cat err.txt))"
tail -n 1 err.txt | grep -q '^trace: killed.db ([0-9]* events, truncated' || fail "sigkill: trace line $(tail -n 1 err.txt)"
[ "$(q killed.db "PRAGMA integrity_check")" = ok ] || fail "sigkill: integrity"
[ -z "$(q killed.db "SELECT value FROM meta WHERE key='end_reason'")" ] || fail "sigkill: has an end_reason"
[ "$(q killed.db "SELECT count(*) FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='log')")" = 1 ] || fail "sigkill: the log line before the kill is missing"

# 5. default output folder traces/
"$BIN" run "$demo" >/dev/null 2>err.txt || fail "default output: status $?"
[ -f traces/trace_demo.db ] || fail "default output: traces/trace_demo.db missing"
grep -q '^trace: traces/trace_demo.db (' err.txt || fail "default output: trace line $(cat err.txt)"

# 6. bad input: one line, status 2, nothing overwritten
printf 'my notes\n' >notes.txt
expect_bad() { # name, then the command
    local name=$1
    shift
    "$@" >out.txt 2>err.txt
    local rc=$?
    [ $rc = 2 ] || fail "$name: status $rc"
    [ "$(wc -l <err.txt)" = 1 ] || fail "$name: not one line: $(cat err.txt)"
}
expect_bad "foreign output" "$BIN" run "$demo" -o notes.txt
[ "$(cat notes.txt)" = "my notes" ] || fail "foreign output: notes.txt was changed"
[ ! -s out.txt ] || fail "foreign output: the program ran"
expect_bad "missing folder" "$BIN" run "$demo" -o nowhere/x.db
expect_bad "unknown pattern" "$BIN" run no-such-pattern
expect_bad "no program" "$BIN" run
expect_bad "bad option" "$BIN" run "$demo" --frobnicate
expect_bad "not a runtime program" "$BIN" run /bin/true -o true.db
[ ! -e true.db ] || fail "not a runtime program: a file appeared"

# 7. CHANSCOPE_TRACE directly: refusal before main, file untouched
CHANSCOPE_TRACE=notes.txt "$demo" >out.txt 2>err.txt
rc=$?
[ $rc = 2 ] || fail "env foreign: status $rc"
grep -q 'not a chanscope trace' err.txt || fail "env foreign: message $(cat err.txt)"
[ ! -s out.txt ] || fail "env foreign: main ran"
[ "$(cat notes.txt)" = "my notes" ] || fail "env foreign: notes.txt was changed"
CHANSCOPE_TRACE=env.db "$demo" >/dev/null 2>&1 || fail "env: status $?"
[ "$(q env.db "SELECT value FROM meta WHERE key='end_reason'")" = exit ] || fail "env: no trace"
# the tool itself never records a trace of itself
CHANSCOPE_TRACE=self.db "$BIN" --version >/dev/null 2>&1
[ ! -e self.db ] || fail "the chanscope tool traced itself"

# 8. a catalog pattern by name, when the catalog is built
if [ -x "$BUILD/patterns/mutex/main" ]; then
    "$BIN" run mutex -o cat.db >/dev/null 2>err.txt || fail "catalog run: status $? $(cat err.txt)"
    [ "$(q cat.db "SELECT value FROM meta WHERE key='end_reason'")" = exit ] || fail "catalog run: no trace"
fi

if [ $fails -gt 0 ]; then
    echo "trace_run: $fails failure(s)"
    exit 1
fi
echo "trace_run: ok"
