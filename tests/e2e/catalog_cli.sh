#!/bin/bash
# tests/e2e/catalog_cli.sh — `chanscope list` and `chanscope demo` themselves:
# the JSON shape, bad input (one line on stderr, exit 2), and that demo
# really compares findings with declarations (a wrong declaration gives ✗
# and exit 1).  Uses a copy of one pattern under a private CHANSCOPE_HOME.
set -u
BIN=${BIN:-build/bin/chanscope}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_bad DESC CMD...: exit status 2 and exactly one line on stderr
expect_bad() {
    local desc=$1
    shift
    "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "$desc: exit $rc, want 2"
    [ "$(wc -l <"$work/err")" = 1 ] || fail "$desc: stderr is not one line: $(cat "$work/err")"
}

# --- list --json: an array of patterns, each with main first and clean
"$BIN" list --json >"$work/list.json" || fail "list --json exits $?"
bad=$(sqlite3 :memory: "select p.value ->> 'name' from json_each(readfile('$work/list.json')) p
      where json_type(p.value, '\$.title') is not 'text'
         or json_type(p.value, '\$.summary') is not 'text'
         or p.value -> '\$.variants[0].name' is not '\"main\"'
         or json_array_length(p.value, '\$.variants[0].expect') != 0" 2>&1)
[ -z "$bad" ] || fail "list --json: malformed entries: $bad"
n=$(sqlite3 :memory: "select count(*) from json_each(readfile('$work/list.json'))")
[ "$n" -ge 20 ] || fail "list --json lists only $n patterns"
"$BIN" list | grep -q "^worker-pool " || fail "list (table) has no worker-pool line"

# --- bad input
expect_bad "list --bogus" "$BIN" list --bogus
expect_bad "demo unknown name" "$BIN" demo --no-view -o "$work/t" no-such-pattern
expect_bad "demo -j 0" "$BIN" demo --no-view -j 0
expect_bad "demo --bogus" "$BIN" demo --bogus

# --- a private catalog: one real pattern, then a broken copy of it
home="$work/home"
mkdir -p "$home/patterns"
cp -r "$src/patterns/worker-pool" "$home/patterns/"
CHANSCOPE_HOME="$home" "$BIN" list --variants >"$work/v" || fail "private catalog: list fails"
grep -q '^worker-pool/leak-on-error leak$' "$work/v" || fail "private catalog: $(cat "$work/v")"

# demo agrees with a true declaration ...
CHANSCOPE_HOME="$home" "$BIN" demo --no-view -o "$work/t1" worker-pool/main \
    worker-pool/leak-on-error >"$work/demo1" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "demo on true declarations exits $rc: $(cat "$work/demo1")"
[ "$(grep -c '✓' "$work/demo1")" = 2 ] || fail "demo: want 2 ✓ rows: $(cat "$work/demo1")"
[ -s "$work/t1/worker-pool-leak-on-error.db" ] || fail "demo left no trace in -o DIR"

# ... and catches a false one (leak-on-error declared clean)
sed -i 's/"expect": \["leak"\]/"expect": []/' "$home/patterns/worker-pool/pattern.json"
CHANSCOPE_HOME="$home" "$BIN" demo --no-view -o "$work/t2" worker-pool/leak-on-error \
    >"$work/demo2" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "demo on a false declaration exits $rc, want 1"
grep -q 'leak-on-error .*✗' "$work/demo2" || fail "demo: no ✗ row: $(cat "$work/demo2")"

# a malformed pattern.json is one clear line, exit 2
echo '{"name": "worker-pool", "title": ' >"$home/patterns/worker-pool/pattern.json"
expect_bad "malformed pattern.json" env CHANSCOPE_HOME="$home" "$BIN" list
grep -q 'patterns/worker-pool/pattern.json' "$work/err" || fail "error does not name the file"
# an unknown finding kind is refused
cp "$src/patterns/worker-pool/pattern.json" "$home/patterns/worker-pool/pattern.json"
sed -i 's/"expect": \["leak"\]/"expect": ["leaks"]/' "$home/patterns/worker-pool/pattern.json"
expect_bad "unknown kind" env CHANSCOPE_HOME="$home" "$BIN" list --json

[ "$fails" = 0 ] && echo "catalog_cli: all checks passed"
[ "$fails" = 0 ]
