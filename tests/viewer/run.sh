#!/bin/bash
# tests/viewer/run.sh — run the viewer's tcltest suite under a private Xvfb.
#   BIN=path/to/chanscope bash tests/viewer/run.sh
# Without BIN the command-line and real-trace tests are skipped.
# Xvfb picks a free display itself (-displayfd), so parallel runs don't clash.
set -u
here=$(cd "$(dirname "$0")" && pwd)
for tool in Xvfb wish; do
    command -v "$tool" >/dev/null || { echo "viewer tests: $tool missing (scripts/install-deps)" >&2; exit 1; }
done
fifo=$(mktemp -u /tmp/chanscope-xvfb.XXXXXX)
mkfifo "$fifo"
Xvfb -displayfd 3 -screen 0 1920x1200x24 -nolisten tcp -noreset 3>"$fifo" >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid 2>/dev/null; wait $xpid 2>/dev/null; rm -f "$fifo"' EXIT
if ! read -r -t 15 num <"$fifo"; then
    echo "viewer tests: Xvfb did not start" >&2
    exit 1
fi
export DISPLAY=":$num"
export BIN="${BIN:-}"
# the whole suite has 120 s; it normally takes well under 60 s
timeout 120 wish "$here/viewer.test" -- "$@"
