#!/bin/bash
# tests/e2e/install.sh — `make install` into a scratch DESTDIR, used from the
# installed copy only, then `make uninstall`.
#
#   1. every part is there: command, library, header, pkg-config file, the
#      catalog (sources, pattern.json, built programs), exercises without
#      solution.c, viewer, docs, man page, bash completion, the manifest;
#   2. from a scratch folder, with CHANSCOPE_HOME unset and the source tree
#      out of reach (the installed command finds PREFIX/share/chanscope from
#      its own location): `list` shows every pattern of the tree, `run` a
#      variant writes a trace whose source files are in the installed catalog
#      (what the viewer's source pane opens), `check` finds its bug, `view
#      --screenshot` draws it (private Xvfb), `exercise list/show` work and
#      `exercise check` builds a starter against the installed library and
#      header; a program built through pkg-config runs; the completion
#      script completes subcommands and pattern names;
#   3. `make uninstall` leaves the DESTDIR empty; WITH_SOLUTIONS=1 installs
#      the solutions; a file install did not write survives uninstall, with
#      its folders.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
scratch=$(mktemp -d)
trap 'rm -rf "$tmp" "$scratch"' EXIT
fail=0
say_fail() { echo "install: FAIL: $*"; fail=1; }

make -s install BUILD="$BUILD" DESTDIR="$tmp" PREFIX=/usr >"$scratch/install.log" 2>&1 ||
    { echo "install: make install failed:"; cat "$scratch/install.log"; exit 1; }
P=$tmp/usr
S=$P/share/chanscope

# ---- 1. every part is there --------------------------------------------------
for f in bin/chanscope lib/libchanscope.a lib/libchanscope-race.a include/chanscope.h lib/pkgconfig/chanscope.pc \
    share/man/man1/chanscope.1 share/bash-completion/completions/chanscope \
    share/chanscope/viewer/main.tcl share/chanscope/viewer/trace_format.tcl \
    share/chanscope/install-manifest \
    share/doc/chanscope/README.md share/doc/chanscope/docs/cli.md \
    share/chanscope/exercises/01-leaked-goroutine/starter.c \
    share/chanscope/exercises/01-leaked-goroutine/check.json \
    share/chanscope/exercises/01-leaked-goroutine/hints/1.md \
    share/chanscope/patterns/common/params.h; do
    [ -e "$P/$f" ] || say_fail "missing $f"
done
for pj in patterns/*/pattern.json; do
    [ -f "$S/$pj" ] || say_fail "missing share/chanscope/$pj"
done
for src in patterns/*/*.c; do
    case $src in patterns/common/*) continue ;; esac
    [ -f "$S/$src" ] || say_fail "missing source share/chanscope/$src"
    [ -x "$P/lib/chanscope/${src%.c}" ] || say_fail "missing program lib/chanscope/${src%.c}"
done
n=$(find "$S/exercises" -name solution.c | wc -l)
[ "$n" -eq 0 ] || say_fail "$n solution.c installed without WITH_SOLUTIONS=1"
# the manifest lists exactly the files that are there
find "$tmp" -type f | sed "s|^$tmp||" | sort >"$scratch/files"
grep '^f ' "$S/install-manifest" | cut -c3- | sort >"$scratch/listed"
diff "$scratch/files" "$scratch/listed" >/dev/null || say_fail "manifest differs from the files installed"

# ---- 2. the installed copy works on its own ----------------------------------
CS=$P/bin/chanscope
cd "$scratch" || exit 1
export -n CHANSCOPE_HOME 2>/dev/null
unset CHANSCOPE_HOME
export XDG_STATE_HOME=$scratch/state
"$CS" list >list.txt 2>list.err || say_fail "list exited $?: $(cat list.err)"
for pj in "$ROOT"/patterns/*/pattern.json; do
    name=$(basename "$(dirname "$pj")")
    grep -q "^$name " list.txt || say_fail "installed list does not show $name"
done
# the race build from the installed copy (PREFIX/lib/libchanscope-race.a)
"$CS" build --race -o racy "$S/exercises/03-counter-race/starter.c" 2>race.err ||
    say_fail "installed build --race: $(head -3 race.err)"
./racy >/dev/null 2>race.err
[ $? = 66 ] && grep -q 'WARNING: DATA RACE' race.err || say_fail "installed race build: no race found"
"$CS" run common-mistakes/race -o race.db >/dev/null 2>race.err
grep -q 'WARNING: DATA RACE' race.err || say_fail "installed common-mistakes/race: no race report"
"$CS" run channels/double-close -o t.db >run.out 2>run.err
grep -q '^trace: ' run.err || say_fail "run channels/double-close wrote no trace: $(tail -3 run.err)"
# the trace names its sources relative to the catalog; the viewer's source pane
# opens them under CHANSCOPE_HOME, which view sets to the installed share
srcs=$(sqlite3 t.db "SELECT DISTINCT file FROM sites WHERE file LIKE 'patterns/%'")
[ -n "$srcs" ] || say_fail "the trace names no catalog source"
for f in $srcs; do [ -f "$S/$f" ] || say_fail "source $f of the trace is not installed"; done
"$CS" check t.db >check.out 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'misuse\|panic' check.out || say_fail "check of double-close: exit $rc: $(head -3 check.out)"
if command -v Xvfb >/dev/null; then
    env -u DISPLAY "$CS" view t.db --screenshot shot.png >view.out 2>&1 ||
        say_fail "view --screenshot from the installed copy: $(tail -3 view.out)"
    [ -s shot.png ] || say_fail "view --screenshot wrote no picture"
else
    echo "install: view part SKIP (no Xvfb)"
fi
"$CS" exercise list >ex.txt 2>&1 || say_fail "exercise list exited $?"
grep -q '^01-leaked-goroutine ' ex.txt || say_fail "exercise list from the installed copy: $(head -3 ex.txt)"
"$CS" exercise show 01 >show.txt 2>&1 || say_fail "exercise show exited $?"
grep -q "$S/exercises/01-leaked-goroutine/starter.c" show.txt || say_fail "exercise show: no installed starter path"
"$CS" exercise check 01 --runs 1 >excheck.txt 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q '^result: fail (.*leak' excheck.txt ||
    say_fail "exercise check of the starter from the installed copy: exit $rc: $(tail -3 excheck.txt)"
cat >hello.c <<'C'
#include <stdio.h>
#include "chanscope.h"
static void hello(void *arg) { chan_send_v(arg, int, 42); }
int main(void) {
    chan_t *ch = chan_make(int, 0);
    go(hello, ch);
    int v;
    chan_recv(ch, &v);
    printf("got %d\n", v);
    return 0;
}
C
flags=$(PKG_CONFIG_SYSROOT_DIR="$tmp" PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs chanscope)
cc -std=c11 -I"$P/include" -o hello hello.c -L"$P/lib" $flags && [ "$(./hello)" = "got 42" ] ||
    say_fail "a program built through pkg-config"
"$CS" --help | grep -q "usage: chanscope" || say_fail "no --help"
comp=$(PATH="$P/bin:$PATH" bash -c '
    source "$1/share/bash-completion/completions/chanscope"
    COMP_WORDS=(chanscope ex); COMP_CWORD=1; _chanscope; echo "${COMPREPLY[*]}"
    COMP_WORDS=(chanscope run channels/d); COMP_CWORD=2; _chanscope; echo "${COMPREPLY[*]}"' _ "$P")
grep -q 'exercise' <<<"$comp" && grep -q 'channels/double-close' <<<"$comp" ||
    say_fail "completion: got '$comp'"
cd "$ROOT" || exit 1

# ---- 3. uninstall leaves nothing ----------------------------------------------
make -s uninstall DESTDIR="$tmp" PREFIX=/usr >/dev/null 2>&1 || say_fail "make uninstall failed"
left=$(find "$tmp" -mindepth 1 | head -5)
[ -z "$left" ] || say_fail "uninstall left: $left"

mkdir -p "$tmp/usr/lib" && echo keep >"$tmp/usr/lib/not-ours"
make -s install BUILD="$BUILD" DESTDIR="$tmp" PREFIX=/usr WITH_SOLUTIONS=1 >/dev/null 2>&1 ||
    say_fail "make install WITH_SOLUTIONS=1 failed"
[ -f "$tmp/usr/share/chanscope/exercises/01-leaked-goroutine/solution.c" ] ||
    say_fail "WITH_SOLUTIONS=1 installed no solution.c"
make -s uninstall DESTDIR="$tmp" PREFIX=/usr >/dev/null 2>&1 || say_fail "second uninstall failed"
left=$(cd "$tmp" && find . -mindepth 1 | sort | tr '\n' ' ')
[ "$left" = "./usr ./usr/lib ./usr/lib/not-ours " ] || say_fail "uninstall next to a foreign file left: $left"

[ $fail -eq 0 ] || { echo "install: FAILED"; exit 1; }
echo "install: ok"
