#!/usr/bin/env bash
# trace_safety.sh — one program writes a trace, any number of commands read
# it (issue 17, docs/reliability.md):
#   1. `check` of a live trace analyses without storing and says the run is
#      in progress; the program's trace stays complete
#   2. another process holding the write lock of the old trace while a new
#      run records into the same path: the new trace replaces it when the
#      program ends (atomically: the holder keeps its view), no event lost
#   3. two runs into one path: the second is refused while the first runs;
#      a later run replaces the finished trace and says so
#   4. a half-created trace (program killed in its first milliseconds), or a
#      trace left with a hot journal (killed while SQLite wrote in rollback
#      mode), is recognised and replaced by the next run
# Every wait polls for a state with an upper bound, never a bare sleep.
# Needs BIN and BUILD (tests/programs/trace_demo).
set -u
BIN=${BIN:?BIN must name the chanscope binary}
BUILD=${BUILD:?BUILD must name the build folder}
demo=$BUILD/tests/programs/trace_demo
[ -x "$demo" ] || { echo "trace_safety: $demo is not built (make trace-programs)"; exit 1; }

# shellcheck source=tests/e2e/lib/poll.bash
. "$(dirname "$0")/lib/poll.bash"
# shellcheck source=tests/e2e/lib/scratch.bash
. "$(dirname "$0")/lib/scratch.bash"
scratch safety
q() { sqlite3 "$1" "$2"; }
# chan_send events on the channel named "stream"
sends() {
    q "$1" "SELECT count(*) FROM events e JOIN objects o ON o.id=e.obj
            WHERE o.name='stream' AND e.kind=(SELECT id FROM event_kinds WHERE name='chan_send')"
}
sent() { sed -n 's/^sent //p' "$1"; }

# --- 1. check of a live trace ------------------------------------------------
CHANSCOPE_TRACE=live.db "$demo" stream stop1 >out1 2>err1 &
p=$!
wait_for 20 grep -q streaming out1 || fail "live: the program did not start streaming"
"$BIN" check live.db >report1 2>cerr1
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] || fail "live: check exit $rc: $(cat cerr1)"
grep -q "run is in progress" cerr1 || fail "live: check did not say the run is in progress: $(cat cerr1)"
grep -q "nothing is stored" cerr1 || fail "live: check did not say it stores nothing"
"$BIN" check --json live.db >report1.json 2>/dev/null
[ "$(sqlite3 :memory: "SELECT json_valid(readfile('report1.json'))")" = 1 ] ||
    fail "live: check --json is not JSON"
touch stop1
wait "$p"
rc=$?
[ $rc = 0 ] || fail "live: program exit $rc: $(cat err1)"
[ "$(q live.db "SELECT count(*) FROM sqlite_master WHERE name='spans'")" = 0 ] ||
    fail "live: check stored derived tables into the live trace"
[ "$(q live.db "SELECT value FROM meta WHERE key='end_reason'")" = exit ] || fail "live: no end_reason"
[ "$(sends live.db)" = "$(sent out1)" ] ||
    fail "live: $(sent out1) sends done, $(sends live.db) traced"
[ "$(q live.db "SELECT value FROM meta WHERE key='events'")" = "$(q live.db "SELECT count(*) FROM events")" ] ||
    fail "live: meta.events != rows"
# once the program has ended, check stores as usual
"$BIN" check live.db >/dev/null 2>cerr1b
grep -q "in progress" cerr1b && fail "live: a finished trace is still called in progress"
[ "$(q live.db "SELECT count(*) FROM sqlite_master WHERE name='spans'")" = 1 ] ||
    fail "live: check of the finished trace did not store"

# --- 2. the old trace's write lock held by another process ------------------
"$BIN" run "$demo" -o lock.db >/dev/null 2>&1 || fail "lock: setup"
CHANSCOPE_TRACE=lock.db "$demo" stream stop2 go2 >out2 2>err2 &
p=$!
wait_for 20 grep -q ready out2 || fail "lock: the program did not get ready"
mkfifo ctl
sqlite3 lock.db <ctl >holder.out 2>&1 &
h=$!
exec 3>ctl
printf '.timeout 20000\nBEGIN IMMEDIATE;\n.system touch held\n' >&3
wait_for 20 test -e held || fail "lock: the holder did not get the write lock: $(cat holder.out)"
touch go2 # the program streams now
wait_for 20 grep -q streaming out2 || fail "lock: the program did not stream"
touch stop2
wait "$p"
rc=$?
[ $rc = 0 ] || fail "lock: program exit $rc: $(cat err2)"
printf 'SELECT count(*) FROM events;\nCOMMIT;\n' >&3
exec 3>&-
wait "$h"
[ ! -e lock.db.cslog ] || fail "lock: the log was not converted: $(cat err2)"
[ "$(sends lock.db)" = "$(sent out2)" ] ||
    fail "lock: $(sent out2) sends done, $(sends lock.db) traced"
[ "$(q lock.db "SELECT value FROM meta WHERE key='events'")" = "$(q lock.db "SELECT count(*) FROM events")" ] ||
    fail "lock: meta.events != rows"
[ "$(q lock.db "SELECT max(seq) FROM events")" = "$(q lock.db "SELECT count(*) FROM events")" ] ||
    fail "lock: the seq space has gaps"

# --- 3. two runs into one path ------------------------------------------------
"$BIN" run "$demo" -o two.db -- stream stop3 >out3 2>err3 &
p=$!
wait_for 20 grep -q streaming out3 || fail "two runs: the first did not start"
"$BIN" run "$demo" -o two.db >out4 2>err4
rc=$?
[ $rc = 2 ] || fail "two runs: the second run exit $rc, want 2"
[ "$(wc -l <err4)" = 1 ] || fail "two runs: not one line: $(cat err4)"
grep -q "being recorded by a running program" err4 || fail "two runs: message: $(cat err4)"
[ ! -s out4 ] || fail "two runs: the second program ran"
CHANSCOPE_TRACE=two.db "$demo" >out5 2>err5
rc=$?
[ $rc = 2 ] || fail "two runs: CHANSCOPE_TRACE into a live trace: exit $rc"
grep -q "being recorded by a running program" err5 || fail "two runs: env message: $(cat err5)"
[ ! -s out5 ] || fail "two runs: the env program ran main"
touch stop3
wait "$p"
rc=$?
[ $rc = 0 ] || fail "two runs: the first run exit $rc: $(cat err3)"
[ "$(sends two.db)" = "$(sent out3)" ] ||
    fail "two runs: the first trace lost events: $(sent out3) sends, $(sends two.db) traced"
# one after the other: the new trace replaces the finished one, and says so
"$BIN" run "$demo" -o two.db -- exit 4 >/dev/null 2>err6
[ $? = 4 ] || fail "sequential: exit status"
tail -n 1 err6 | grep -q '^trace: two.db ([0-9]* events; replaced the previous trace)$' ||
    fail "sequential: trace line: $(tail -n 1 err6)"
[ "$(q two.db "SELECT value FROM meta WHERE key='exit_status'")" = 4 ] || fail "sequential: not replaced"

# --- 4. a half-created trace is replaced --------------------------------------
# What a start killed before its schema committed leaves: an SQLite file in
# WAL mode without a single table, with its -wal and -shm.
mkfifo ctl4
sqlite3 half.db <ctl4 >/dev/null 2>&1 &
h=$!
exec 4>ctl4
printf 'PRAGMA page_size=16384;\nPRAGMA journal_mode=WAL;\nBEGIN IMMEDIATE;\n' >&4
printf 'CREATE TABLE never_committed(x);\n.system touch begun\n' >&4
wait_for 20 test -e begun || fail "half: sqlite3 did not start its transaction"
kill -9 "$h"
wait "$h" 2>/dev/null
exec 4>&-
[ -s half.db ] && [ -e half.db-wal ] || fail "half: no half-created file to test with"
"$BIN" run "$demo" -o half.db >/dev/null 2>err7
rc=$?
[ $rc = 0 ] || fail "half: run refused a half-created trace (exit $rc): $(cat err7)"
tail -n 1 err7 | grep -q "replaced a half-created trace" || fail "half: trace line: $(tail -n 1 err7)"
[ "$(q half.db "SELECT value FROM meta WHERE key='end_reason'")" = exit ] || fail "half: no new trace"
# A trace with a hot journal (its program killed while SQLite wrote in
# rollback mode: creating the file, or building the indexes at the end):
# made here by a writer whose tiny cache spills into the file, then SIGKILL.
"$BIN" run "$demo" -o hot.db >/dev/null 2>&1 || fail "hot: setup"
mkfifo ctl5
sqlite3 hot.db <ctl5 >/dev/null 2>&1 &
h=$!
exec 4>ctl5
printf 'PRAGMA cache_size=2;\nBEGIN IMMEDIATE;\nCREATE TABLE filler AS SELECT * FROM events;\n' >&4
printf 'UPDATE meta SET value=value;\n.system touch spilled\n' >&4
wait_for 20 test -e spilled || fail "hot: the writer did not spill"
kill -9 "$h"
wait "$h" 2>/dev/null
exec 4>&-
[ -s hot.db-journal ] || fail "hot: no journal to test with"
"$BIN" run "$demo" -o hot.db >/dev/null 2>err9
rc=$?
[ $rc = 0 ] || fail "hot: run refused a trace with a hot journal (exit $rc): $(cat err9)"
[ "$(q hot.db "SELECT count(*) FROM sqlite_master WHERE name='filler'")" = 0 ] || fail "hot: not replaced"
# ... and whatever a kill in the first milliseconds leaves, the next run replaces it
for i in $(seq 16); do
    CHANSCOPE_TRACE=early.db "$demo" >/dev/null 2>&1 &
    k=$!
    [ $i -gt 4 ] && wait_for 5 test -e early.db.cslog
    [ $i -gt 10 ] && wait_for 5 test -s early.db.cslog
    kill -9 "$k" 2>/dev/null
    wait "$k" 2>/dev/null
    "$BIN" run "$demo" -o early.db >/dev/null 2>err8 || fail "early kill $i: next run refused: $(cat err8)"
    rm -f early.db early.db-* early.db.cslog
done

if [ $fails -gt 0 ]; then
    echo "trace_safety: $fails failure(s)"
    exit 1
fi
echo "trace_safety: ok"
