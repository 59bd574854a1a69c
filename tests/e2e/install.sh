#!/bin/bash
# `make install` into a scratch DESTDIR: the library, header, pkg-config file
# and command are there, and a program built through pkg-config runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s install BUILD="${BUILD:-build}" DESTDIR="$tmp" PREFIX=/usr >/dev/null
for f in usr/lib/libchanscope.a usr/include/chanscope.h usr/lib/pkgconfig/chanscope.pc usr/bin/chanscope; do
    [ -e "$tmp/$f" ] || { echo "install: missing $f"; exit 1; }
done
cat > "$tmp/hello.c" <<'C'
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
flags=$(PKG_CONFIG_SYSROOT_DIR="$tmp" PKG_CONFIG_PATH="$tmp/usr/lib/pkgconfig" \
        pkg-config --cflags --libs chanscope)
cc -std=c11 -I"$tmp/usr/include" -o "$tmp/hello" "$tmp/hello.c" -L"$tmp/usr/lib" $flags
out=$("$tmp/hello")
[ "$out" = "got 42" ] || { echo "install: program printed '$out'"; exit 1; }
"$tmp/usr/bin/chanscope" --help | grep -q "usage: chanscope" || { echo "install: no --help"; exit 1; }
echo "install: ok"
