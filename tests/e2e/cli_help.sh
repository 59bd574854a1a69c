#!/bin/bash
# tests/e2e/cli_help.sh — the command line itself (docs/cli.md):
#  - `chanscope --help` lists every command; `chanscope X --help` and
#    `chanscope help X` print X's own usage (the same text, on stdout, status
#    0), naming X's own options;
#  - a usage error (unknown option, missing operand or option argument) is
#    one line on stderr starting "chanscope: X:", status 2, nothing on stdout;
#  - `--version` prints the version of runtime/chanscope.h (the one source);
#  - `chanscope build` compiles a program against the runtime; a misused
#    macro is reported at the learner's line, not inside chanscope.h;
#  - `chanscope run FILE.c` builds and runs; `run --check` exits 0 when the
#    run is clean, 1 with findings, the program's status otherwise;
#  - check's progress line appears on a terminal only.
set -u
BIN=${BIN:-build/bin/chanscope}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work/tmp # run FILE.c builds in a folder here, and must remove it
mkdir "$TMPDIR"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# --- chanscope --help lists the commands ------------------------------------
"$BIN" --help >"$work/help" 2>"$work/err" || fail "--help exits $?"
[ -s "$work/err" ] && fail "--help wrote on stderr: $(cat "$work/err")"
# the commands are the indented "  NAME  summary" lines after "commands:"
cmds=$(sed -n '/^commands:/,/^$/p' "$work/help" | awk 'NF > 1 && /^  [a-z]/ {print $1}')
for c in run list check export view exercise demo build; do
    echo "$cmds" | grep -qx "$c" || fail "--help does not list '$c': $(cat "$work/help")"
done
"$BIN" help >"$work/help2" || fail "'help' exits $?"
cmp -s "$work/help" "$work/help2" || fail "'chanscope help' differs from --help"
"$BIN" >/dev/null 2>"$work/err"
[ $? = 2 ] || fail "no command: want status 2"
grep -q "usage: chanscope" "$work/err" || fail "no command: no usage on stderr"

# --- each command's own help --------------------------------------------------
# Options each help must name (commands owned elsewhere: at least their usage).
declare -A opts=(
    [run]="--output --check --race --"
    [list]="--json --variants"
    [check]="--json --no-store"
    [build]="--output --race --verbose"
    [demo]="--jobs --output --timeout --no-view"
    [export]="--format"
    [view]="--screenshot"
    [exercise]="check"
    [report]=""
)
for c in $cmds; do
    "$BIN" "$c" --help >"$work/h1" 2>"$work/e1"
    rc=$?
    [ "$rc" = 0 ] || fail "$c --help exits $rc"
    [ -s "$work/e1" ] && fail "$c --help wrote on stderr: $(cat "$work/e1")"
    head -1 "$work/h1" | grep -q "^usage: chanscope $c\b" ||
        fail "$c --help does not start with 'usage: chanscope $c': $(head -1 "$work/h1")"
    "$BIN" help "$c" >"$work/h2" 2>&1 || fail "help $c exits $?"
    cmp -s "$work/h1" "$work/h2" || fail "'help $c' differs from '$c --help'"
    cmp -s "$work/h1" "$work/help" && fail "$c --help is the general help"
    for o in ${opts[$c]-}; do
        grep -q -- "$o" "$work/h1" || fail "$c --help does not mention $o"
    done
done
"$BIN" help no-such-command >/dev/null 2>"$work/err"
[ $? = 2 ] || fail "help no-such-command: want status 2"
[ "$(wc -l <"$work/err")" = 1 ] || fail "help no-such-command: want one line on stderr"

# --- usage errors: one line on stderr, status 2, nothing on stdout ------------
# usage_error DESC WORD CMD...: WORD must appear in the line.
usage_error() {
    local desc=$1 word=$2
    shift 2
    "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "$desc: exit $rc, want 2"
    [ "$(wc -l <"$work/err")" = 1 ] || fail "$desc: stderr is not one line: $(cat "$work/err")"
    [ -s "$work/out" ] && fail "$desc: wrote on stdout: $(head -3 "$work/out")"
    grep -q -- "$word" "$work/err" || fail "$desc: '$(cat "$work/err")' lacks '$word'"
}
for c in $cmds; do
    usage_error "$c --bogus-option" "--bogus-option" "$BIN" "$c" --bogus-option
done
# the commands of this file follow the convention to the letter
for c in run list check build demo view; do
    usage_error "$c --bogus" "chanscope: $c: unknown option '--bogus' (try 'chanscope $c --help')" \
        "$BIN" "$c" --bogus
done
usage_error "run -o (no argument)" "option '-o' needs an argument" "$BIN" run -o
usage_error "run --output (no argument)" "option '--output' needs an argument" "$BIN" run --output
usage_error "run (no program)" "which program" "$BIN" run
usage_error "run two programs" "program arguments go after --" "$BIN" run a b
usage_error "check (no trace)" "missing TRACE" "$BIN" check
usage_error "check two traces" "one trace at a time" "$BIN" check a.db b.db
usage_error "list extra argument" "unexpected argument" "$BIN" list extra
usage_error "build (no file)" "which FILE.c" "$BIN" build
usage_error "build -x" "-x" "$BIN" build -x
usage_error "demo -j 0" "-j" "$BIN" demo -j 0
usage_error "demo --timeout x" "--timeout" "$BIN" demo --timeout x
usage_error "view --screenshot (no argument)" "option '--screenshot' needs an argument" "$BIN" view --screenshot
usage_error "view --at=x" "--at needs a number" "$BIN" view --at=x t.db
usage_error "view two traces" "one trace at a time" "$BIN" view a.db b.db
usage_error "run --race PROGRAM" "--race builds C sources" "$BIN" run --race ./prog

# --- --version: the version of runtime/chanscope.h ---------------------------
want=$(sed -n 's/^#define CHANSCOPE_VERSION "\(.*\)"$/\1/p' "$src/runtime/chanscope.h")
[ -n "$want" ] || fail "cannot read CHANSCOPE_VERSION from runtime/chanscope.h"
[ "$("$BIN" --version)" = "chanscope $want" ] || fail "--version: '$("$BIN" --version)', want 'chanscope $want'"
[ "$(make -s --no-print-directory -C "$src" version)" = "$want" ] || fail "make version differs from chanscope.h"

# --- build --------------------------------------------------------------------
cd "$work" || exit 1
cat >hello.c <<'EOF'
#include <stdio.h>
#include "chanscope.h"

static void worker(void *arg) {
    chan_t *c = arg;
    int v = 42;
    chan_send(c, &v);
}

int main(void) {
    chan_t *c = chan_make(int, 0);
    go(worker, c);
    int x = 0;
    chan_recv(c, &x);
    printf("got %d\n", x);
    return 0;
}
EOF
"$BIN" build hello.c >"$work/out" 2>"$work/err" || fail "build hello.c exits $?: $(cat "$work/err")"
[ -x hello ] || fail "build hello.c: no ./hello (go build's default name)"
[ "$(./hello 2>/dev/null)" = "got 42" ] || fail "the built hello does not print 'got 42'"
mkdir -p bin
"$BIN" build -o bin/h2 hello.c 2>"$work/err" || fail "build -o exits $?: $(cat "$work/err")"
[ -x bin/h2 ] || fail "build -o bin/h2 wrote no program"

# A misused macro: the first error names the learner's file and line.
cat >bad.c <<'EOF'
#include "chanscope.h"

int main(void) {
    chan_t *c = chan_make(int, 1);
    chan_send(c, 5);
    return 0;
}
EOF
"$BIN" build bad.c >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 1 ] || fail "build bad.c: exit $rc, want 1 (does not compile)"
first=$(grep -m1 -E "error|warning" "$work/err")
case "$first" in
    bad.c:5:*) ;;
    *) fail "build bad.c: first diagnostic is not at bad.c:5: '$first'" ;;
esac
grep -E "chanscope\.h:[0-9]+:[0-9]+: (error|note: in expansion)" "$work/err" &&
    fail "build bad.c: errors point into chanscope.h's macros"
grep -q "chanscope: build: bad.c does not compile" "$work/err" || fail "build bad.c: no closing line"
[ -e bad ] && fail "build bad.c left a program"
usage_error "build missing.c" "missing.c" "$BIN" build missing.c
usage_error "build not-c.txt" "not a C source" "$BIN" build -o x hello

# --- run FILE.c, run --check ---------------------------------------------------
"$BIN" run hello.c >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || fail "run hello.c: exit $rc: $(cat "$work/err")"
[ "$(cat "$work/out")" = "got 42" ] || fail "run hello.c: output '$(cat "$work/out")'"
grep -q "^trace: traces/hello.db (" "$work/err" || fail "run hello.c: no trace line: $(cat "$work/err")"
[ "$(sqlite3 traces/hello.db "select value from meta where key='program'")" = hello ] ||
    fail "run hello.c: meta.program is not the source's name"
[ -z "$(ls -A "$TMPDIR")" ] || fail "run hello.c left its temporary build folder: $(ls "$TMPDIR")"

"$BIN" run --check hello.c >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || fail "run --check on a clean program: exit $rc, want 0: $(cat "$work/out" "$work/err")"
grep -q "no findings" "$work/out" || fail "run --check: no check report: $(cat "$work/out")"

cat >leak.c <<'EOF'
#include <stdio.h>
#include "chanscope.h"

static void worker(void *arg) {
    chan_t *c = arg;
    int v = 1;
    chan_send(c, &v); /* nobody receives */
}

int main(void) {
    chan_t *c = chan_make(int, 0);
    go(worker, c);
    printf("main returns\n");
    return 0;
}
EOF
"$BIN" run leak.c -o "$work/leak.db" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || fail "run leak.c (no --check): exit $rc, want the program's 0"
"$BIN" run leak.c --check -o "$work/leak.db" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 1 ] || fail "run --check leak.c: exit $rc, want 1 (findings)"
grep -q "LEAK" "$work/out" || fail "run --check leak.c: no leak in the report: $(cat "$work/out")"
# blocked in its send (line 7), or not yet started when main returned (go, line 12)
grep -qE "leak\.c:(7|12)\b" "$work/out" || fail "run --check leak.c: the leak is not at leak.c:7 or :12"

# no findings, the program's own status: the program's status
cat >status3.c <<'EOF'
#include "chanscope.h"
int main(void) { return 3; }
EOF
"$BIN" run --check status3.c >/dev/null 2>&1
rc=$?
[ "$rc" = 3 ] || fail "run --check status3.c: exit $rc, want the program's 3"
# arguments after -- reach the program, even when they look like options
cat >args.c <<'EOF'
#include <stdio.h>
#include "chanscope.h"
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) printf("[%s]", argv[i]);
    printf("\n");
    return 0;
}
EOF
[ "$("$BIN" run args.c -- --check -o x 2>/dev/null)" = "[--check][-o][x]" ] ||
    fail "run args.c -- ...: the program did not get its arguments"
"$BIN" run bad.c >/dev/null 2>"$work/err"
rc=$?
[ "$rc" = 1 ] || fail "run bad.c: exit $rc, want 1 (does not compile)"
[ -e traces/bad.db ] && fail "run bad.c wrote a trace"

# a program that never touches the runtime writes no trace: said with its source's name
cat >plain.c <<'EOF'
#include <stdio.h>
int main(void) { puts("plain"); return 0; }
EOF
"$BIN" run plain.c >/dev/null 2>"$work/err"
rc=$?
[ "$rc" = 2 ] || fail "run plain.c: exit $rc, want 2 (no trace)"
grep -q "plain.c wrote no trace" "$work/err" || fail "run plain.c: '$(cat "$work/err")'"
[ -z "$(ls -A "$TMPDIR")" ] || fail "run plain.c left its temporary build folder"

# --- progress: never when stderr is not a terminal ------------------------------
CHANSCOPE_PROGRESS_AFTER_MS=0 "$BIN" check traces/hello.db >/dev/null 2>"$work/err"
[ -s "$work/err" ] && fail "check on a pipe wrote progress: $(cat "$work/err")"
if command -v script >/dev/null; then
    CHANSCOPE_PROGRESS_AFTER_MS=0 script -qec "$BIN check traces/hello.db" /dev/null >"$work/tty"
    grep -q "chanscope check: loading" "$work/tty" || fail "check on a terminal shows no progress"
    grep -q "no findings" "$work/tty" || fail "check on a terminal: no report"
    script -qec "$BIN check traces/hello.db" /dev/null >"$work/tty"
    grep -q "loading" "$work/tty" && fail "check shows progress for a trace read in well under a second"
fi

if [ "$fails" = 0 ]; then echo "cli_help: all checks passed"; else echo "cli_help: $fails failure(s)"; exit 1; fi
