#!/bin/bash
# tests/viewer/sweep.sh — by hand: every catalog variant through the command
# line, as a user would: `chanscope run`, `chanscope check`, then
# `chanscope view --screenshot` of the whole run, of the whole run with the
# analysis hidden (--no-check) and one per finding (--finding N).  Any error, traceback or missing/small PNG is reported.
# Takes a few minutes (the programs run for real); `make viewer-test` covers
# the same traces in-process in well under a minute.
#   BIN=build/bin/chanscope bash tests/viewer/sweep.sh [OUTDIR]
# Then look at OUTDIR/*.png.
set -u
BIN=${BIN:-build/bin/chanscope}
out=${1:-/tmp/chanscope-sweep}
mkdir -p "$out"
command -v Xvfb >/dev/null || { echo "sweep: Xvfb missing" >&2; exit 1; }
if [ -z "${DISPLAY:-}" ]; then
    fifo=$(mktemp -u /tmp/chanscope-xvfb.XXXXXX); mkfifo "$fifo"
    Xvfb -displayfd 3 -screen 0 1920x1200x24 -nolisten tcp -noreset 3>"$fifo" >/dev/null 2>&1 &
    xpid=$!
    trap 'kill $xpid 2>/dev/null; wait $xpid 2>/dev/null; rm -f "$fifo"' EXIT
    read -r -t 15 num <"$fifo" || { echo "sweep: Xvfb did not start" >&2; exit 1; }
    export DISPLAY=":$num"
fi
bad=0; shots=0
fail() { echo "FAIL $*"; bad=$((bad + 1)); }
shot() {  # shot NAME DB PNG [--finding N]
    local name=$1 db=$2 png=$3; shift 3
    local err
    err=$(timeout 60 "$BIN" view "$db" --screenshot "$png" "$@" 2>&1 >/dev/null); local rc=$?
    err=$(printf '%s\n' "$err" | grep -v '^wrote ')
    [ $rc = 0 ] || fail "$name $*: exit $rc: $err"
    [ -z "$err" ] || fail "$name $*: stderr: $err"
    local size; size=$(stat -c %s "$png" 2>/dev/null || echo 0)
    [ "$size" -gt 20000 ] || fail "$name $*: PNG missing or too small ($size bytes)"
    shots=$((shots + 1))
}
for v in $("$BIN" list --variants | awk '{print $1}'); do
    n=${v//\//_}; db=$out/$n.db; rm -f "$db"
    timeout 60 "$BIN" run "$v" -o "$db" >/dev/null 2>&1
    [ -f "$db" ] || { fail "$v: no trace"; continue; }
    "$BIN" check "$db" >/dev/null 2>&1; rc=$?
    [ $rc -le 1 ] || { fail "$v: check exit $rc"; continue; }
    shot "$v" "$db" "$out/$n.png"
    # what a learner sees with the analysis hidden (docs/viewer.md, "Reading
    # a run without findings")
    shot "$v" "$db" "$out/$n-nocheck.png" --no-check
    for f in $(sqlite3 "$db" 'SELECT id FROM findings ORDER BY id'); do
        shot "$v" "$db" "$out/$n-f$f.png" --finding "$f"
    done
done
echo "sweep: $shots screenshots in $out, $bad problem(s)"
[ $bad = 0 ]
