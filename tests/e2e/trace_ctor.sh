#!/usr/bin/env bash
# trace_ctor.sh — a program constructor that uses the runtime before main
# still gets a trace: tests/programs/trace_ctor makes a channel, logs and
# starts a goroutine in __attribute__((constructor)); every one of those
# events must be in the trace (CHANSCOPE_TRACE and `chanscope run`), with
# main as goroutine 1.  Needs BIN and BUILD (tracer/build.mk builds the
# program).
set -u
BIN=${BIN:?BIN must name the chanscope binary}
BUILD=${BUILD:?BUILD must name the build folder}
prog=$BUILD/tests/programs/trace_ctor
[ -x "$prog" ] || { echo "trace_ctor: $prog is not built (make trace-programs)"; exit 1; }
tmp=$(mktemp -d /tmp/cs-e2e-ctor-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
q() { sqlite3 "$1" "$2"; }

check() { # trace label
    local db=$1 what=$2
    [ "$(q "$db" "PRAGMA integrity_check")" = ok ] || { fail "$what: not a trace"; return; }
    [ "$(q "$db" "SELECT count(*) FROM events e JOIN event_kinds k ON k.id=e.kind
                  WHERE k.name='chan_make' AND e.g=1")" = 1 ] ||
        fail "$what: the constructor's chan_make is missing"
    [ "$(q "$db" "SELECT count(*) FROM events e JOIN event_kinds k ON k.id=e.kind
                  WHERE k.name='log' AND e.s='constructor ran'")" = 1 ] ||
        fail "$what: the constructor's trace_log is missing"
    [ "$(q "$db" "SELECT name FROM goroutines WHERE id=1")" = main ] ||
        fail "$what: goroutine 1 is not main"
    [ "$(q "$db" "SELECT count(*) FROM goroutines WHERE name='early' AND parent=1")" = 1 ] ||
        fail "$what: the goroutine started by the constructor is missing"
    [ "$(q "$db" "SELECT count(*) FROM events e JOIN event_kinds k ON k.id=e.kind
                  WHERE k.name IN ('chan_send','chan_recv')")" = 2 ] ||
        fail "$what: the send/receive pair is missing"
    [ "$(q "$db" "SELECT value FROM meta WHERE key='end_reason'")" = exit ] ||
        fail "$what: end_reason"
}

out=$(CHANSCOPE_TRACE=$tmp/env.db "$prog" 2>&1) || fail "CHANSCOPE_TRACE run: status $?: $out"
[ "$out" = "got 42 from the constructor's goroutine" ] || fail "output: $out"
check env.db CHANSCOPE_TRACE

"$BIN" run "$prog" -o run.db >/dev/null 2>err.txt || fail "chanscope run: status $? ($(cat err.txt))"
check run.db "chanscope run"

if [ $fails = 0 ]; then echo "trace_ctor: ok"; else echo "trace_ctor: $fails failure(s)"; exit 1; fi
