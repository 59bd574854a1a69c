#!/bin/bash
# tests/e2e/view_cli.sh — `chanscope view` as a command: displays it cannot
# open, screenshot paths, and traces it must never write.
#   - an unreachable DISPLAY: interactive use is one line and exit 2;
#     --screenshot falls back to a private Xvfb and succeeds
#   - --screenshot into a missing folder: one line, exit 2
#   - --screenshot naming the trace (same path, symlink, hard link, its
#     -journal): refused, one line, exit 2, the trace unchanged
#   - a trace whose program is still running: viewed from a snapshot; the
#     trace gets no derived tables and the program's tracing loses nothing
#   - the viewer's generated trace_format.tcl: found from anywhere, or one line
# Needs Xvfb, tclsh/Tk and tkimg (like tests/viewer).
set -u
BIN=${BIN:-build/bin/chanscope}
BUILD=${BUILD:-build}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
live_pid=""
cleanup() {
    [ -n "$live_pid" ] && kill "$live_pid" 2>/dev/null && wait "$live_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
for tool in Xvfb tclsh sqlite3 cc; do
    command -v "$tool" >/dev/null || { echo "view_cli: $tool missing (scripts/install-deps)"; exit 1; }
done

# expect_bad DESC CMD...: exit status 2 and exactly one line on stderr
expect_bad() {
    local desc=$1
    shift
    "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "$desc: exit $rc, want 2 ($(head -c 300 "$work/err"))"
    [ "$(wc -l <"$work/err")" = 1 ] || fail "$desc: stderr is not one line: $(cat "$work/err")"
}
# a display number nothing listens on
free_display() {
    local n=90
    while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
    echo ":$n"
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

# a small finished, checked trace
"$BIN" run channels/main -o "$work/t.db" >/dev/null 2>&1
"$BIN" check "$work/t.db" >/dev/null 2>&1
[ "$(sqlite3 "$work/t.db" "select value from meta where key='analysis_version'")" = 2 ] ||
    { echo "view_cli: could not make a checked trace"; exit 1; }

# --- an unreachable display
nodisp=$(free_display)
expect_bad "interactive view on unreachable DISPLAY $nodisp" env DISPLAY="$nodisp" "$BIN" view "$work/t.db"
grep -q "display" "$work/err" || fail "unreachable display: the line does not say display: $(cat "$work/err")"
DISPLAY="$nodisp" "$BIN" view "$work/t.db" --screenshot "$work/a.png" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || fail "--screenshot on unreachable DISPLAY: exit $rc: $(cat "$work/err")"
[ -s "$work/err" ] && fail "--screenshot on unreachable DISPLAY: stderr: $(cat "$work/err")"
head -c 8 "$work/a.png" 2>/dev/null | od -An -c | grep -q "P   N   G" ||
    fail "--screenshot on unreachable DISPLAY: no PNG written"

# the rest renders under one private Xvfb (as a user's display)
fifo=$work/xfifo
mkfifo "$fifo"
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp -noreset 3>"$fifo" >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid 2>/dev/null; wait $xpid 2>/dev/null; cleanup' EXIT
read -r -t 15 num <"$fifo" || { echo "view_cli: Xvfb did not start"; exit 1; }
export DISPLAY=":$num"

# --- screenshot paths
before=$(sum "$work/t.db")
expect_bad "--screenshot into a missing folder" "$BIN" view "$work/t.db" --screenshot /nonexistent/x.png
expect_bad "--screenshot is the trace" "$BIN" view "$work/t.db" --screenshot "$work/t.db"
ln -s "$work/t.db" "$work/link.png"
expect_bad "--screenshot is a symlink to the trace" "$BIN" view "$work/t.db" --screenshot "$work/link.png"
ln "$work/t.db" "$work/hard.png"
expect_bad "--screenshot is a hard link to the trace" "$BIN" view "$work/t.db" --screenshot "$work/hard.png"
(cd "$work" && expect_bad "--screenshot is the trace by another path" "$BIN" view t.db --screenshot ./../"$(basename "$work")"/t.db)
: >"$work/t.db-journal"
expect_bad "--screenshot is the trace's journal" "$BIN" view "$work/t.db" --screenshot "$work/t.db-journal"
rm -f "$work/t.db-journal"
mkdir "$work/dir.png"
expect_bad "--screenshot is a folder" "$BIN" view "$work/t.db" --screenshot "$work/dir.png"
[ "$(sum "$work/t.db")" = "$before" ] || fail "a refused --screenshot changed the trace"
"$BIN" view "$work/t.db" --screenshot "$work/ok.png" >/dev/null 2>"$work/err" ||
    fail "--screenshot to a fresh file: exit $?: $(cat "$work/err")"

# --- a trace whose program is still running
cat >"$work/live.c" <<'C'
#include <stdio.h>
#include <unistd.h>
#include "chanscope.h"
/* sends until the file argv[1] exists, then returns */
int main(int argc, char **argv) {
    (void)argc;
    chan_t *ch = chan_make_named("ticks", int, 1);
    int v;
    for (int i = 0; access(argv[1], F_OK) != 0; i++) {
        chan_send(ch, &i);
        chan_recv(ch, &v);
        time_sleep(MILLISECOND);
    }
    return 0;
}
C
cc -std=c11 -D_GNU_SOURCE -I"$src/runtime" -o "$work/live" "$work/live.c" \
    "$BUILD/lib/libchanscope.a" -lsqlite3 -lcjson -lm -pthread ||
    { echo "view_cli: cannot build the live program"; exit 1; }
CHANSCOPE_TRACE="$work/live.db" "$work/live" "$work/stop" >/dev/null 2>&1 &
live_pid=$!
# wait (at most 20 s) until the program's event log has its first chunk
n0=0
for _ in $(seq 200); do
    n0=$(stat -c %s "$work/live.db.cslog" 2>/dev/null || echo 0)
    [ "${n0:-0}" -gt 65536 ] && break
    sleep 0.1
done
[ "${n0:-0}" -gt 65536 ] || fail "live: the program's event log has no events after 20 s"
n0=20 # the program had sent something before the view (its log had a chunk)
mkdir "$work/tmp"
TMPDIR="$work/tmp" "$BIN" view "$work/live.db" --screenshot "$work/live.png" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || fail "view of a live trace: exit $rc: $(cat "$work/err")"
grep -q "no end yet" "$work/err" || fail "view of a live trace does not say it has no end yet"
[ -s "$work/live.png" ] || fail "view of a live trace: no screenshot"
kill -0 "$live_pid" 2>/dev/null || fail "live: the program stopped during view"
# (while its program runs the trace is only its event log: nothing at live.db)
[ -e "$work/live.db" ] && fail "view wrote a trace while its program runs"
[ -e "$work/live.db.cslog" ] || fail "view removed the program's event log"
[ -z "$(ls -A "$work/tmp")" ] || fail "view left its snapshot behind: $(ls -A "$work/tmp")"
: >"$work/stop"
wait "$live_pid"
rc=$?
live_pid=""
[ "$rc" = 0 ] || fail "live: the program exited $rc"
# the finished trace holds every event its program emitted
sent=$(sqlite3 "$work/live.db" "select count(*) from events where kind=(SELECT id FROM event_kinds WHERE name='chan_send')")
want=$(sqlite3 "$work/live.db" "select value from meta where key='events'")
got=$(sqlite3 "$work/live.db" "select count(*) from events")
if [ -z "$want" ] || [ "$want" != "$got" ]; then fail "live: meta says $want events, the trace has $got"; fi
[ "$sent" -gt "$n0" ] || fail "live: no sends traced after view ($n0 before, $sent at the end)"

# --- a damaged trace (events deleted from a finished one) is still viewable,
# with a warning: check exits 2 for it but stores its derived tables
"$BIN" run channels/main -o "$work/cut.db" >/dev/null 2>&1
sqlite3 "$work/cut.db" "DELETE FROM events WHERE seq BETWEEN 5 AND 8"
"$BIN" view "$work/cut.db" --screenshot "$work/cut.png" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || fail "damaged trace: view exit $rc: $(cat "$work/err")"
grep -q "damaged" "$work/err" || fail "damaged trace: no warning on stderr: $(cat "$work/err")"
[ -s "$work/cut.png" ] || fail "damaged trace: no screenshot"

# --- the viewer finds the trace contract's tables (trace_format.tcl) from the
# build folder chanscope runs from, whatever the current folder; a viewer
# without them says so in one line (exit 2)
(cd / && "$BIN" view "$work/cut.db" --screenshot "$work/cut2.png" >"$work/out" 2>"$work/err") ||
    fail "view from /: $(cat "$work/err")"
[ -s "$work/cut2.png" ] || fail "view from /: no screenshot"
mkdir -p "$work/bare/viewer"
cp "$src"/viewer/*.tcl "$work/bare/viewer/"
expect_bad "viewer without trace_format.tcl" env -u CHANSCOPE_TRACE_FORMAT \
    tclsh "$work/bare/viewer/main.tcl" -- "$work/cut.db"
grep -q "trace_format.tcl is missing" "$work/err" || fail "no trace_format.tcl: $(cat "$work/err")"

[ "$fails" = 0 ] && echo "view_cli: ok"
exit $((fails > 0))
