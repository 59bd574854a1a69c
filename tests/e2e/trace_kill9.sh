#!/usr/bin/env bash
# trace_kill9.sh — kill -9 loses no completed operation (issue 13): a
# ping-pong program (tests/programs/trace_pingpong.c) is killed with SIGKILL
# at 20 random moments; each time the program's own count of completed round
# trips (published in a MAP_SHARED file) is compared with the converted
# trace's receives from "pong" by main: the trace must hold every completed
# one, and at most the one in progress more.  Odd runs go through
# `chanscope run` (which converts after the kill), even ones set
# CHANSCOPE_TRACE themselves and are converted with `chanscope import`.
# Every wait polls a state with an upper bound, never a bare sleep.
# Needs BIN and BUILD (tracer/build.mk builds the program).
set -u
BIN=${BIN:?BIN must name the chanscope binary}
BUILD=${BUILD:?BUILD must name the build folder}
prog=$BUILD/tests/programs/trace_pingpong
[ -x "$prog" ] || { echo "trace_kill9: $prog is not built (make trace-programs)"; exit 1; }
# shellcheck source=tests/e2e/lib/poll.bash
. "$(dirname "$0")/lib/poll.bash"
# shellcheck source=tests/e2e/lib/scratch.bash
. "$(dirname "$0")/lib/scratch.bash"
# the program `chanscope run` started (not one of our jobs), if still running
scratch_extra_cleanup() { if [ -n "${pp:-}" ]; then kill -9 "$pp" 2>/dev/null; fi; }
scratch kill9

RUNS=20
for i in $(seq $RUNS); do
    rm -f t.db t.db.cslog count.bin out err
    target=$((RANDOM % 20000 + 1))
    if [ $((i % 2)) = 1 ]; then
        timeout 60 "$BIN" run "$prog" -o t.db -- count.bin >out 2>err &
    else
        CHANSCOPE_TRACE=t.db timeout 60 "$prog" count.bin >out 2>err &
    fi
    job=$!
    # the program's pid, then progress past the random target
    pp=
    for _ in $(seq 1000); do
        pp=$(i64 count.bin 0)
        [ -n "$pp" ] && [ "$pp" != 0 ] && break
        sleep 0.02
    done
    [ -n "$pp" ] && [ "$pp" != 0 ] || { fail "run $i: the program did not start: $(cat err)"; continue; }
    for _ in $(seq 3000); do
        n=$(i64 count.bin 8)
        [ "${n:-0}" -ge "$target" ] && break
        sleep 0.01
    done
    kill -9 "$pp"
    wait "$job" 2>/dev/null
    pp=
    done_n=$(i64 count.bin 8)
    [ "$done_n" -gt 0 ] || { fail "run $i: no round trip completed"; continue; }
    if [ $((i % 2)) = 0 ]; then
        "$BIN" import --remove-log t.db.cslog -o t.db 2>>err || { fail "run $i: import: $(cat err)"; continue; }
    fi
    [ -e t.db.cslog ] && fail "run $i: the log was left behind"
    traced=$(sqlite3 t.db "SELECT count(*) FROM events e JOIN objects o ON o.id=e.obj
        WHERE o.name='pong' AND e.g=1 AND e.kind=(SELECT id FROM event_kinds WHERE name='chan_recv')")
    killed=$(sqlite3 t.db "SELECT value FROM meta WHERE key='end_state'")
    [ "$killed" = killed ] || fail "run $i: the trace does not say it was killed (end_state '$killed')"
    if [ "${traced:-0}" -lt "$done_n" ] || [ "${traced:-0}" -gt $((done_n + 1)) ]; then
        fail "run $i: the program completed $done_n round trips, the trace holds $traced"
    fi
    [ "$(sqlite3 t.db "SELECT max(seq) = count(*) FROM events")" = 1 ] || fail "run $i: seq gaps"
done

if [ $fails -gt 0 ]; then
    echo "trace_kill9: $fails failure(s) in $RUNS kills"
    exit 1
fi
echo "trace_kill9: ok ($RUNS of $RUNS kills lost no completed round trip)"
