#!/bin/bash
# tests/e2e/report_html.sh — `chanscope report` and `chanscope view --svg`:
#   - the report of a catalog misuse variant (pipeline/stage-ignores-cancel,
#     a deadlock) is one self-contained page: no script, no link, no src or
#     href to anything outside it; it holds the timeline SVG with the
#     finding's marks, the finding with its fix, and the site's source line
#   - headless Chromium renders it: the screenshot is not blank (many
#     colours, enough non-white) and shows running (green) and blocked (red)
#     lanes and the finding in red
#   - the trace is only read (same bytes after; an unchecked trace gets no
#     derived tables); stdout and -o give the same page; a trace whose
#     program still runs is reported with a note and never written
#   - a big run (worker-pool, 100 workers): the page stays under 2 MB, draws
#     at most 60 lanes and says what it left out
#   - a site whose source file cannot be found is shown as missing
#   - view --svg writes the same SVG as the page's (plus the XML declaration)
#   - bad input: exit 2
# Needs chromium, Xvfb and wish (scripts/install-deps).
set -u
BIN=${BIN:-build/bin/chanscope}
src=$(cd "$(dirname "$0")/../.." && pwd)
live_pid=""
work=$(mktemp -d)
# shellcheck source=tests/e2e/lib/browser.bash
. "$(dirname "$0")/lib/browser.bash"
trap '[ -n "$live_pid" ] && kill "$live_pid" 2>/dev/null; browser_cleanup; rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cd "$work" || exit 1

timeout -k 3 60 "$BIN" run pipeline/stage-ignores-cancel -o dl.db >run.out 2>&1
sum=$(md5sum <dl.db)
"$BIN" report dl.db -o dl.html 2>err.txt || fail "report: $(cat err.txt)"
[ "$(md5sum <dl.db)" = "$sum" ] || fail "report changed the trace"
[ "$(sqlite3 dl.db "select count(*) from sqlite_master where name='spans'")" = 0 ] ||
    fail "report stored derived tables into the trace"
"$BIN" report dl.db >dl.stdout.html || fail "report to stdout"
cmp -s dl.html dl.stdout.html || fail "report: stdout and -o differ"

# self-contained: nothing loaded from elsewhere
grep -qiE '<script|<link|<iframe|<img|@import|url\((["'\'']?)(https?:|//|file:)' dl.html &&
    fail "report loads something: $(grep -oiE '<script|<link|<iframe|<img|@import|url\([^)]*\)' dl.html | sort -u | head -3)"
grep -oiE '(src|href)="[^"#][^"]*"' dl.html | grep -q . &&
    fail "report refers outside itself: $(grep -oiE '(src|href)="[^"#][^"]*"' dl.html | head -3)"
grep -q '<svg' dl.html || fail "no timeline SVG"
grep -q 'class="fmark"' dl.html || fail "no finding mark on the timeline"
grep -q 'class="kind">deadlock' dl.html || fail "the deadlock finding is missing"
grep -q '<b>Fix:</b>' dl.html || fail "the fix is missing"
grep -q 'class="hit">.*ctx_cancel\|class="hit">.*wg_wait\|class="hit">.*send' dl.html ||
    fail "no highlighted source line at a site"
[ "$(stat -c %s dl.html)" -lt 2000000 ] || fail "report over 2 MB"

# rendered by Chromium, not blank
browser_xvfb_start || fail "no Xvfb for reading screenshots"
if browser_shot dl.html dl.png 1400x1000; then
    read -r w h colours nonwhite green red finding <<<"$(png_stats dl.png '#5cb85c' '#e05252' '#dd0000')"
    [ "${w:-0}" = 1400 ] && [ "${h:-0}" = 1000 ] || fail "screenshot is ${w:-?}x${h:-?}"
    [ "${colours:-0}" -ge 20 ] || fail "screenshot has ${colours:-0} colours: blank?"
    [ "${nonwhite:-0}" -ge 50 ] || fail "screenshot is ${nonwhite:-0}‰ non-white: blank?"
    [ "${green:-0}" -ge 50 ] || fail "no running (green) lane in the screenshot (${green:-0})"
    [ "${red:-0}" -ge 50 ] || fail "no blocked (red) lane in the screenshot (${red:-0})"
    [ "${finding:-0}" -ge 20 ] || fail "no finding (#d00) in the screenshot (${finding:-0})"
else
    fail "chromium made no screenshot: $(tail -3 "$work/chromium.log")"
fi
[ -n "${KEEP_SHOTS:-}" ] && cp dl.png dl.html "$KEEP_SHOTS/"

# sources that cannot be found: the trace elsewhere, another home, another cwd
mkdir -p away
cp dl.db away/
(cd away && CHANSCOPE_HOME=$work/away "$BIN" report dl.db -o missing.html) 2>err.txt ||
    fail "report without sources: $(cat err.txt)"
grep -q 'source file not found' away/missing.html || fail "a missing source is not said"

# view --svg: the same drawing
"$BIN" view dl.db --svg dl.svg 2>err.txt || fail "view --svg: $(cat err.txt)"
head -1 dl.svg | grep -q '^<?xml' || fail "view --svg: no XML declaration"
sed -n '/^<svg /,/^<\/svg>/p' dl.html >inline.svg
tail -n +2 dl.svg | cmp -s - inline.svg || fail "view --svg differs from the report's SVG"
"$BIN" view dl.db --svg - | tail -n +2 | cmp -s - inline.svg || fail "view --svg - (stdout)"

# a big run: the page stays small and says what it left out
timeout -k 3 60 "$BIN" run worker-pool -o big.db -- --jobs=4000 --workers=100 >/dev/null 2>&1
"$BIN" report big.db -o big.html 2>err.txt || fail "report of a big trace: $(cat err.txt)"
size=$(stat -c %s big.html)
[ "$size" -lt 2000000 ] || fail "the big trace's report is $size bytes"
grep -q 'This trace is big' big.html || fail "the big report does not say it was thinned"
grep -q 'goroutines not drawn' big.html || fail "the big report does not say which lanes are left out"
lanes=$(grep -c 'class="lane"' big.html)
[ "$lanes" -le 60 ] || fail "the big report draws $lanes lanes"

# a trace whose program is still running: reported, with a note, never written
BUILD=${BUILD:-$src/build}
cat >live.c <<'C'
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
if cc -std=c11 -D_GNU_SOURCE -I"$src/runtime" -o live live.c "$BUILD/lib/libchanscope.a" \
    -lsqlite3 -lm -pthread; then
    CHANSCOPE_TRACE=$work/live.db ./live "$work/stop" >/dev/null 2>&1 &
    live_pid=$!
    n0=0
    for _ in $(seq 200); do # at most 20 s until the event log has its first chunk
        n0=$(stat -c %s live.db.cslog 2>/dev/null || echo 0)
        [ "${n0:-0}" -gt 65536 ] && break
        sleep 0.1
    done
    "$BIN" report live.db -o live.html 2>err.txt || fail "report of a live trace: $(cat err.txt)"
    grep -q "still being recorded" err.txt || fail "report of a live trace says nothing about it"
    grep -q "truncated\|no end" live.html || fail "the live report does not say the run has no end"
    [ "$(sqlite3 live.db "select count(*) from sqlite_master where name in ('spans','findings')")" = 0 ] ||
        fail "report stored into a live trace"
    kill -0 "$live_pid" 2>/dev/null || fail "live: the program stopped during report"
    : >stop
    wait "$live_pid" || fail "live: the program failed"
    live_pid=""
else
    fail "cannot build the live program"
fi

# bad input
expect2() {
    "$@" >/dev/null 2>err.txt
    local rc=$?
    [ "$rc" = 2 ] || fail "$*: exit $rc, want 2"
    [ -s err.txt ] || fail "$*: no message"
}
expect2 "$BIN" report
expect2 "$BIN" report dl.db dl.db
expect2 "$BIN" report --nope dl.db
expect2 "$BIN" report missing.db -o x.html
expect2 "$BIN" report run.out -o x.html
expect2 "$BIN" report dl.db -o dl.db
expect2 "$BIN" report dl.db -o nodir/x.html
expect2 "$BIN" view dl.db --svg dl.db
expect2 "$BIN" view dl.db --svg
[ "$(md5sum <dl.db)" = "$sum" ] || fail "bad input changed the trace"
"$BIN" report --help | grep -q 'usage: chanscope report' || fail "report --help"

[ "$fails" = 0 ] && echo "report_html: ok" && exit 0
exit 1
