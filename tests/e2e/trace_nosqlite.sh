#!/usr/bin/env bash
# trace_nosqlite.sh — the runtime library does not link SQLite (issue 13):
#   1. no sqlite3 symbol in libchanscope.a (defined or needed)
#   2. a program links with the library and -pthread alone (no -lsqlite3),
#      and run with CHANSCOPE_TRACE it still ends with a SQLite trace: its
#      runtime runs `chanscope import` at exit
#   3. when no chanscope binary can be found, it says so in one line naming
#      the log and the import command, and the log is kept
#   4. the converter started at a signal's end blocks no signal
# Needs BIN and BUILD.
set -u
BIN=${BIN:?BIN must name the chanscope binary}
BUILD=${BUILD:?BUILD must name the build folder}
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$BUILD/lib/libchanscope.a
tmp=$(mktemp -d /tmp/cs-e2e-nosqlite-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

syms=$(nm "$lib" 2>/dev/null | grep -ci sqlite3)
[ "$syms" = 0 ] || fail "libchanscope.a mentions sqlite3 ($syms symbols): $(nm "$lib" | grep -i sqlite3 | head -3)"

cat >"$tmp/p.c" <<'C'
#include "chanscope.h"
static chan_t *c;
static void sender(void *arg) { (void)arg; for (int i = 0; i < 100; i++) chan_send(c, &i); chan_close(c); }
int main(void) {
    c = chan_make(int, 4);
    go(sender, NULL);
    int v, n = 0;
    while (chan_recv(c, &v)) n++;
    return n == 100 ? 0 : 1;
}
C
cc -std=c11 -D_GNU_SOURCE -I"$root/runtime" -o "$tmp/p" "$tmp/p.c" "$lib" -pthread 2>"$tmp/cc.err" ||
    fail "a program does not link without -lsqlite3: $(head -3 "$tmp/cc.err")"
if [ -x "$tmp/p" ]; then
    ldd "$tmp/p" | grep -q sqlite && fail "the program needs libsqlite3: $(ldd "$tmp/p" | grep sqlite)"
    (cd "$tmp" && CHANSCOPE_BIN=$BIN CHANSCOPE_TRACE=t.db ./p) || fail "traced run failed"
    [ -e "$tmp/t.db.cslog" ] && fail "the log was left behind"
    [ "$(sqlite3 "$tmp/t.db" "SELECT value FROM meta WHERE key='end_reason'")" = exit ] ||
        fail "no converted trace"
    [ "$(sqlite3 "$tmp/t.db" "SELECT count(*) FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='chan_recv')")" = 101 ] ||
        fail "the trace lacks receives"
    # the converter fails (here: a CHANSCOPE_BIN that is not chanscope): one
    # clear line naming the log and the import command, the log kept, and
    # that command works
    (cd "$tmp" && CHANSCOPE_BIN=/bin/false CHANSCOPE_TRACE=u.db ./p 2>err) || fail "run 2 failed"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "not one line: $(cat "$tmp/err")"
    grep -q "chanscope import 'u.db.cslog' -o 'u.db'" "$tmp/err" || fail "no import command: $(cat "$tmp/err")"
    [ -s "$tmp/u.db.cslog" ] || fail "the log was not kept"
    (cd "$tmp" && "$BIN" import u.db.cslog -o u.db 2>/dev/null) || fail "the import command failed"
    [ "$(sqlite3 "$tmp/u.db" "SELECT count(*) FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='chan_recv')")" = 101 ] ||
        fail "the imported trace lacks receives"
fi
# 4. the converter a program ended by a signal starts blocks no signal (the
#    thread that starts it blocks them all; a mask survives exec): a
#    converter left in the background must stop when told to.  The
#    "converter" here writes down its own signal mask.
cat >"$tmp/mask.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    FILE *f = fopen("/proc/self/status", "r"), *o = fopen(getenv("MASK_OUT"), "w");
    char l[256];
    while (f && o && fgets(l, sizeof l, f))
        if (!strncmp(l, "SigBlk:", 7)) fputs(l, o);
    return 1; /* a failed conversion: the log is kept */
}
C
cat >"$tmp/sleeper.c" <<'C'
#include <stdio.h>
#include "chanscope.h"
int main(void) {
    puts("ready");
    fflush(stdout);
    for (;;) time_sleep(10 * MILLISECOND);
}
C
if cc -std=c11 -o "$tmp/mask" "$tmp/mask.c" &&
    cc -std=c11 -D_GNU_SOURCE -I"$root/runtime" -o "$tmp/sleeper" "$tmp/sleeper.c" "$lib" -pthread; then
    (cd "$tmp" && MASK_OUT=$tmp/mask.txt CHANSCOPE_BIN=$tmp/mask CHANSCOPE_TRACE=s.db \
        exec ./sleeper >ready.txt 2>/dev/null) &
    pid=$!
    for _ in $(seq 500); do grep -q ready "$tmp/ready.txt" 2>/dev/null && break; sleep 0.02; done
    kill -TERM $pid
    wait $pid
    for _ in $(seq 500); do [ -s "$tmp/mask.txt" ] && break; sleep 0.02; done
    grep -q "SigBlk:[[:space:]]*0000000000000000" "$tmp/mask.txt" ||
        fail "the converter started at a signal's end blocks signals: $(cat "$tmp/mask.txt" 2>/dev/null)"
else
    fail "the signal-mask programs do not build"
fi

# `chanscope import` on bad input: one line, status 2, nothing created
echo "not a log" >"$tmp/bad.cslog"
"$BIN" import "$tmp/bad.cslog" -o "$tmp/bad.db" 2>"$tmp/ierr"
[ $? = 2 ] || fail "import of a non-log: status not 2"
[ "$(wc -l <"$tmp/ierr")" = 1 ] || fail "import of a non-log: not one line: $(cat "$tmp/ierr")"
[ -e "$tmp/bad.db" ] && fail "import of a non-log created the trace"
"$BIN" import 2>/dev/null; [ $? = 2 ] || fail "import without a log: status not 2"
"$BIN" import --help | grep -q "usage: chanscope import" || fail "import --help"

if [ $fails -gt 0 ]; then
    echo "trace_nosqlite: $fails failure(s)"
    exit 1
fi
echo "trace_nosqlite: ok"
