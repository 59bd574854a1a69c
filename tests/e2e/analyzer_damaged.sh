#!/usr/bin/env bash
# analyzer_damaged.sh — traces that are not what the program wrote (issue 17):
# events deleted from the middle of a finished trace are said (a warning,
# exit 2, the report of what is left); rows that contradict each other are
# refused with one line (exit 2, the file untouched); a clean real trace
# gets no warning at all.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/build/bin/chanscope}
BUILD=${BUILD:-$root/build}
pool=$BUILD/patterns/worker-pool/main
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
q() { sqlite3 "$1" "$2"; }

# a finished trace of ~180 000 events
CHANSCOPE_TRACE="$tmp/pool.db" timeout 120 "$pool" --jobs=8000 >/dev/null 2>&1 ||
    fail "worker-pool --jobs=8000 failed"
n=$(q "$tmp/pool.db" "SELECT count(*) FROM events")
[ "$n" -gt 160000 ] || fail "want > 160000 events, got $n"

# clean: exit 0, no warning anywhere
cp "$tmp/pool.db" "$tmp/clean.db"
"$BIN" check "$tmp/clean.db" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] || fail "clean trace: exit $rc, want 0: $(cat "$tmp/err")"
grep -qi warning "$tmp/out" "$tmp/err" && fail "clean trace: a warning: $(grep -hi warning "$tmp/out" "$tmp/err")"
"$BIN" check --json --no-store "$tmp/clean.db" >"$tmp/clean.json" 2>"$tmp/err"
[ "$(sqlite3 :memory: "SELECT json_array_length(readfile('$tmp/clean.json'), '\$.warnings')")" = 0 ] ||
    fail "clean trace: JSON warnings not empty"
[ -s "$tmp/err" ] && fail "clean trace: stderr not empty: $(cat "$tmp/err")"

# 150 000 events deleted from the middle: warned, exit 2, still a report
cp "$tmp/pool.db" "$tmp/cut.db"
q "$tmp/cut.db" "DELETE FROM events WHERE seq BETWEEN 10001 AND 160000"
"$BIN" check "$tmp/cut.db" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] || fail "damaged trace: exit $rc, want 2"
grep -q "warning: the trace is damaged: meta.events says $n events but it holds $((n - 150000)) (150000 events are missing: seq 10001-160000)" "$tmp/out" ||
    fail "damaged trace: the report lacks the warning: $(head -5 "$tmp/out")"
grep -q "this is no verdict" "$tmp/out" || fail "damaged trace: the report gives a verdict: $(tail -2 "$tmp/out")"
"$BIN" check --json "$tmp/cut.db" >"$tmp/cut.json" 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] || fail "damaged trace --json: exit $rc, want 2"
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "chanscope: warning: the trace is damaged" "$tmp/err" ||
    fail "damaged trace --json: want one warning line on stderr, got: $(cat "$tmp/err")"
[ "$(sqlite3 :memory: "SELECT json_extract(readfile('$tmp/cut.json'), '\$.damaged')")" = 1 ] ||
    fail "damaged trace: JSON damaged is not true"
"$BIN" export "$tmp/cut.db" -o "$tmp/cut-chrome.json" 2>"$tmp/err" || fail "export of a damaged trace failed"
grep -q "warning: the trace is damaged" "$tmp/err" || fail "export: no warning: $(cat "$tmp/err")"

# a timer whose channel lost its chan_make row (and its objects row): the
# analyzer used to write into freed memory; now a finished trace is damaged
# (exit 2, a report), a truncated one analysed (exit 0 or 1), never a crash
"$BIN" run periodic-task/main -o "$tmp/timer.db" >/dev/null 2>&1
tch=$(q "$tmp/timer.db" "SELECT b FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='timer_start') AND b IS NOT NULL AND b<>0 LIMIT 1")
if [ -z "$tch" ]; then fail "periodic-task/main: no timer with a channel in its trace"; else
    q "$tmp/timer.db" "DELETE FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='chan_make') AND obj=$tch; DELETE FROM objects WHERE id=$tch"
    "$BIN" check "$tmp/timer.db" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = 2 ] || fail "timer without chan_make: check exit $rc, want 2: $(cat "$tmp/err")"
    grep -q "the trace is damaged: .*1 event is missing" "$tmp/out" ||
        fail "timer without chan_make: no damaged warning: $(head -4 "$tmp/out")"
    "$BIN" export "$tmp/timer.db" -o "$tmp/timer.json" 2>"$tmp/err" ||
        fail "timer without chan_make: export exit $?: $(cat "$tmp/err")"
    q "$tmp/timer.db" "DELETE FROM meta WHERE key IN ('end_reason', 'exit_status', 'events')"
    "$BIN" check "$tmp/timer.db" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } ||
        fail "timer without chan_make, truncated: check exit $rc, want 0 or 1: $(cat "$tmp/err")"
fi

# contradicting rows: refused, one line, exit 2, file untouched
refused() { # label file words
    local before after rc
    before=$(md5sum <"$2")
    for cmd in check export; do
        if [ $cmd = check ]; then "$BIN" check "$2" >"$tmp/out" 2>"$tmp/err"
        else "$BIN" export "$2" -o "$tmp/x.json" >"$tmp/out" 2>"$tmp/err"; fi
        rc=$?
        [ "$rc" = 2 ] || fail "$1: $cmd exit $rc, want 2"
        [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$1: $cmd: want one line on stderr, got: $(cat "$tmp/err")"
        grep -q "inconsistent trace: .*$3" "$tmp/err" || fail "$1: $cmd: '$(cat "$tmp/err")' lacks '$3'"
    done
    after=$(md5sum <"$2")
    [ "$before" = "$after" ] || fail "$1: the file was modified"
}
small() { CHANSCOPE_TRACE="$tmp/$1.db" "$BUILD/analyzer-progs/leak_ok" >/dev/null 2>&1; }
small twice
ch=$(q "$tmp/twice.db" "SELECT obj FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='chan_make') LIMIT 1")
q "$tmp/twice.db" "INSERT INTO events(seq, t_ns, g, kind, obj, a, b)
    SELECT max(seq) + 1, 0, 1, (SELECT id FROM event_kinds WHERE name='chan_make'), $ch, 1000, 8 FROM events"
refused "channel made twice" "$tmp/twice.db" "chan_make of channel $ch again"
small negcap
q "$tmp/negcap.db" "UPDATE objects SET a=-1 WHERE type_name='chan'"
refused "negative capacity" "$tmp/negcap.db" "impossible capacity"
small negg
q "$tmp/negg.db" "UPDATE events SET g=-2 WHERE seq=3"
refused "negative goroutine" "$tmp/negg.db" "goroutine id -2"

[ "$failures" = 0 ] && echo "analyzer_damaged: all passed"
exit $((failures > 0))
