#!/usr/bin/env bash
# trace_full.sh — a trace whose event log cannot grow (a full disk; here a
# file-size limit, `ulimit -f`, which fails the same write with EFBIG) costs
# the program's later events, never the program, and never a trace that
# lies (docs/trace-format.md, "The binary log"):
#   1. the ping-pong program (tests/programs/trace_pingpong.c) says once
#      that the log cannot grow, and goes on playing
#   2. `chanscope import` of its log says the trace is incomplete and how
#      many events it lacks; the trace has no end_reason, end_state is
#      `incomplete`, events_lost > 0, and its seqs have no gap
#   3. `chanscope check` says the trace stops early and finds nothing: the
#      goroutines it left mid-game are not called leaked (before this, it
#      reported the cut-off goroutines of a finished-looking trace)
#   4. a damaged log (bytes overwritten): import keeps what it can read and
#      says so, the trace says it is damaged, check gives no verdict (2)
# Every wait polls a state with an upper bound, never a bare sleep.
# Needs BIN and BUILD (tracer/build.mk builds the program).
set -u
BIN=${BIN:?BIN must name the chanscope binary}
BUILD=${BUILD:?BUILD must name the build folder}
prog=$BUILD/tests/programs/trace_pingpong
[ -x "$prog" ] || { echo "trace_full: $prog is not built (make trace-programs)"; exit 1; }
# shellcheck source=tests/e2e/lib/poll.bash
. "$(dirname "$0")/lib/poll.bash"
# shellcheck source=tests/e2e/lib/scratch.bash
. "$(dirname "$0")/lib/scratch.bash"
scratch full
# grew_past FILE N: the program counting into FILE completed more than N round trips
grew_past() { local v; v=$(i64 "$1" 8); [ -n "$v" ] && [ "$v" -gt "$2" ]; }

# 1. 2 MiB of file: the header and one 1 MiB step of the log fit, the next
# step does not.  SIGXFSZ ignored, as the write's error is what we test.
(
    ulimit -f 2048
    trap '' XFSZ
    exec env CHANSCOPE_TRACE="$tmp/full.db" CHANSCOPE_TRACE_NOCONVERT=1 "$prog" count.bin \
        >out 2>err
) &
job=$!
wait_for 30 grep -q "cannot grow the event log" err ||
    fail "no message that the log cannot grow: $(cat err)"
at=$(i64 count.bin 8)
wait_for 30 grew_past count.bin "$((${at:-0} + 1000))" ||
    fail "the program stopped playing when its log filled (round trips: $(i64 count.bin 8))"
kill -TERM "$job"
wait "$job"
st=$?
[ "$st" = 143 ] || fail "the program ended with status $st, not 143 (SIGTERM)"
n=$(grep -c "cannot grow" err)
[ "$n" = 1 ] || fail "the log's failure was said $n times: $(cat err)"

# 2. the trace says it stops early
"$BIN" import full.db.cslog -o full.db 2>imp || fail "import failed: $(cat imp)"
grep -q "incomplete: [0-9]* events were not recorded" imp ||
    fail "import does not say the trace is incomplete: $(cat imp)"
q() { sqlite3 full.db "$1"; }
[ "$(q "SELECT value FROM meta WHERE key='end_state'")" = incomplete ] ||
    fail "end_state is '$(q "SELECT value FROM meta WHERE key='end_state'")', not incomplete"
[ -z "$(q "SELECT value FROM meta WHERE key='end_reason'")" ] ||
    fail "a trace that stops early claims an end_reason"
lost=$(q "SELECT value FROM meta WHERE key='events_lost'")
[ "${lost:-0}" -gt 0 ] || fail "events_lost is '$lost'"
[ "$(q 'SELECT max(seq) = count(*) FROM events')" = 1 ] || fail "seq gaps"
[ "$(q "PRAGMA integrity_check")" = ok ] || fail "integrity_check"

# 3. check: the note, and no finding about the cut-off goroutines
"$BIN" check full.db >chk 2>&1
st=$?
[ "$st" = 0 ] || fail "check exited $st: $(cat chk)"
grep -q "the trace stops early: $lost events were not recorded" chk ||
    fail "check does not say the trace stops early: $(cat chk)"
"$BIN" check --json full.db >chk.json 2>/dev/null
grep -q "\"events_lost\":[[:space:]]*$lost" chk.json ||
    fail "--json has no events_lost $lost: $(head -c 400 chk.json)"

# 4. a damaged log (bytes of a chunk overwritten, as a bad disk or an editor
# would): import keeps what it can read and says so; the trace says it is
# damaged, and check gives no verdict (exit 2) and says why
(
    exec env CHANSCOPE_TRACE="$tmp/dmg.db" CHANSCOPE_TRACE_NOCONVERT=1 "$prog" count2.bin \
        >/dev/null 2>&1
) &
job=$!
wait_for 30 grew_past count2.bin 5000 || fail "the second program made no progress"
kill -TERM "$job"
wait "$job"
# 12 bytes of 0xff inside the first chunk's records: no record decodes there
# (a varint is at most 10 bytes; no kind is 0xff)
printf '\377\377\377\377\377\377\377\377\377\377\377\377' |
    dd of=dmg.db.cslog bs=1 seek=$((65536 + 64 + 2000)) conv=notrunc 2>/dev/null
"$BIN" import dmg.db.cslog -o dmg.db 2>imp2 || fail "import of a damaged log failed: $(cat imp2)"
grep -q "1 damaged chunk" imp2 || fail "import does not say a chunk is damaged: $(cat imp2)"
[ "$(sqlite3 dmg.db "SELECT value FROM meta WHERE key='damaged_chunks'")" = 1 ] ||
    fail "meta.damaged_chunks is not 1"
"$BIN" check dmg.db >chk2 2>&1
st=$?
[ "$st" = 2 ] || fail "check of a damaged trace exited $st, not 2: $(cat chk2)"
grep -q "the trace is damaged: 1 chunk of its event log could not be read" chk2 ||
    fail "check does not say the trace is damaged: $(cat chk2)"

if [ "$fails" = 0 ]; then
    echo "trace_full: ok (the log filled; $lost events not recorded, said so, nothing misjudged)"
fi
[ "$fails" = 0 ]
