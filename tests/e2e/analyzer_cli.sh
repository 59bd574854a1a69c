#!/usr/bin/env bash
# analyzer_cli.sh — `chanscope check` and `chanscope export` as a user
# meets them: exit statuses, bad input (one line on stderr, exit 2, file
# untouched), a truncated trace, derived tables, the Chrome export.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/build/bin/chanscope}
BUILD=${BUILD:-$root/build}
progs=$BUILD/analyzer-progs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
q() { sqlite3 "$1" "$2"; }

# --- bad input: exit 2, exactly one line on stderr, the file unchanged ----
bad() { # label file words
    local before after
    before=$( [ -f "$2" ] && md5sum <"$2")
    "$BIN" check "$2" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    after=$( [ -f "$2" ] && md5sum <"$2")
    [ "$rc" = 2 ] || fail "$1: exit $rc, want 2"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$1: want one line on stderr, got: $(cat "$tmp/err")"
    grep -q "$3" "$tmp/err" || fail "$1: stderr '$(cat "$tmp/err")' lacks '$3'"
    [ "$before" = "$after" ] || fail "$1: the file was modified"
    [ -e "$2-journal" ] || [ -e "$2-wal" ] && fail "$1: left a journal behind"
    return 0
}
bad "missing file" "$tmp/nope.db" "no such file"
echo "hello, not a database" >"$tmp/text.db"
bad "text file" "$tmp/text.db" "not an SQLite database"
sqlite3 "$tmp/other.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
bad "other sqlite db" "$tmp/other.db" "not a chanscope trace"
CHANSCOPE_TRACE="$tmp/v.db" "$progs/deadlock_ok" >/dev/null 2>&1
sqlite3 "$tmp/v.db" "UPDATE meta SET value='99' WHERE key='schema_version'"
bad "unknown schema version" "$tmp/v.db" "unsupported trace schema version '99'"
# a trace of schema 1 (recorded before the binary log): every reader says to
# record it again, in one line, exit 2, the file untouched
CHANSCOPE_TRACE="$tmp/v1.db" "$progs/deadlock_ok" >/dev/null 2>&1
sqlite3 "$tmp/v1.db" "UPDATE meta SET value='1' WHERE key='schema_version'"
old="v1.db: recorded by an older chanscope (trace schema version 1; this one reads version [0-9]*): re-run the program to record it again$"
bad "schema 1: check" "$tmp/v1.db" "$old"
for cmd in "export -o $tmp/v1.json" "report -o $tmp/v1.html" "view --screenshot $tmp/v1.png"; do
    before=$(md5sum <"$tmp/v1.db")
    # shellcheck disable=SC2086
    "$BIN" ${cmd%% *} "$tmp/v1.db" ${cmd#* } >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 2 ] || fail "schema 1: ${cmd%% *}: exit $rc, want 2"
    [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "$old" "$tmp/err" ||
        fail "schema 1: ${cmd%% *}: stderr '$(cat "$tmp/err")'"
    [ "$before" = "$(md5sum <"$tmp/v1.db")" ] || fail "schema 1: ${cmd%% *} modified the trace"
    [ -e "$tmp/v1.json" ] || [ -e "$tmp/v1.html" ] || [ -e "$tmp/v1.png" ] &&
        fail "schema 1: ${cmd%% *} wrote an output"
done
"$BIN" check >/dev/null 2>"$tmp/err"; [ $? = 2 ] || fail "check without a trace should exit 2"
"$BIN" check "$tmp/v.db" --bogus >/dev/null 2>"$tmp/err"; [ $? = 2 ] || fail "unknown option should exit 2"

# --- clean trace: exit 0, derived tables written, re-check replaces them --
CHANSCOPE_TRACE="$tmp/ok.db" "$progs/leak_ok" >/dev/null 2>&1
"$BIN" check "$tmp/ok.db" >"$tmp/out" 2>&1 || fail "leak_ok: check exit $?, want 0: $(cat "$tmp/out")"
grep -q "no findings" "$tmp/out" || fail "clean report should say 'no findings'"
[ "$(q "$tmp/ok.db" "SELECT value FROM meta WHERE key='analysis_version'")" = 2 ] ||
    fail "analysis_version not written"
spans=$(q "$tmp/ok.db" "SELECT count(*) FROM spans")
[ "${spans:-0}" -gt 3 ] || fail "spans table too small: $spans"
[ "$(q "$tmp/ok.db" "SELECT count(*) FROM messages WHERE recv_seq IS NOT NULL")" -ge 1 ] ||
    fail "the result message is missing from messages"
nev=$(q "$tmp/ok.db" "SELECT count(*) FROM events")
"$BIN" check "$tmp/ok.db" >/dev/null 2>&1
[ "$(q "$tmp/ok.db" "SELECT count(*) FROM spans")" = "$spans" ] || fail "re-check changed spans"
[ "$(q "$tmp/ok.db" "SELECT count(*) FROM events")" = "$nev" ] || fail "check changed events"

# --- findings: exit 1; the JSON and the findings table agree -----------------
CHANSCOPE_TRACE="$tmp/leak.db" "$progs/leak" >/dev/null 2>&1
"$BIN" check --json "$tmp/leak.db" >"$tmp/leak.json" 2>/dev/null
[ $? = 1 ] || fail "leak: exit status should be 1"
[ "$(sqlite3 :memory: "SELECT json_extract(readfile('$tmp/leak.json'), '\$.findings[0].kind')")" = leak ] ||
    fail "leak: JSON first finding is not a leak"
[ "$(q "$tmp/leak.db" "SELECT kind FROM findings")" = leak ] || fail "findings table lacks the leak"
send_line=$(grep -n 'EXPECT(leak)' "$root/tests/analyzer/leak.c" | cut -d: -f1)
[ "$(q "$tmp/leak.db" "SELECT count(*) FROM finding_refs r JOIN sites s ON s.id = r.site
     WHERE r.role = 'leaked' AND s.line = $send_line")" = 1 ] ||
    fail "finding_refs lacks the blocked send at leak.c:$send_line"

# --- a learner can read a deadlock: the title says who waits for what, the
# explanation names the channel and why nobody acts, the fix says what to do ----
CHANSCOPE_TRACE="$tmp/dl.db" timeout 20 "$progs/deadlock" >/dev/null 2>&1
"$BIN" check --json "$tmp/dl.db" >"$tmp/dl.json" 2>/dev/null
jf() { sqlite3 :memory: "SELECT json_extract(readfile('$tmp/dl.json'), '\$.findings[0].$1')"; }
case "$(jf title)" in *"main (id 1) sending on channel results"*) ;;
    *) fail "deadlock title does not say what main waits for: $(jf title)" ;; esac
case "$(jf explanation)" in *"no goroutine has received from it so far"*"results is unbuffered"*) ;;
    *) fail "deadlock explanation does not explain the channel: $(jf explanation)" ;; esac
case "$(jf fix)" in *"Every send on results needs a receiver"*) ;;
    *) fail "deadlock fix is not about the channel: $(jf fix)" ;; esac
[ "$(sqlite3 :memory: "SELECT json_extract(readfile('$tmp/dl.json'), '\$.goroutines')")" = 1 ] ||
    fail "deadlock.c has one goroutine (main), JSON says $(sqlite3 :memory: "SELECT json_extract(readfile('$tmp/dl.json'), '\$.goroutines')")"
"$BIN" check "$tmp/dl.db" >"$tmp/dl.txt" 2>&1
grep -q ", 1 goroutine)" "$tmp/dl.txt" || fail "report header should count 1 goroutine: $(head -1 "$tmp/dl.txt")"

# --- a truncated trace (killed): analyzed, and said so ------------------------
# partial_rlock runs for 120 ms; SIGKILL it as soon as its event log has a
# chunk (its first event: the log grows past its 64 KiB header), then convert
# the log as `chanscope import` does after a kill -9 outside `chanscope run`
# (on a loaded machine the start-up alone can take longer than a fixed delay)
{
    CHANSCOPE_TRACE="$tmp/killed.db" "$progs/partial_rlock" >/dev/null 2>&1 &
    kpid=$!
    for _ in $(seq 400); do
        [ "$(stat -c %s "$tmp/killed.db.cslog" 2>/dev/null || echo 0)" -gt 65536 ] && break
        sleep 0.005
    done
    kill -KILL "$kpid"
    wait "$kpid"
    "$BIN" import --remove-log "$tmp/killed.db.cslog" -o "$tmp/killed.db"
} 2>/dev/null
if [ -f "$tmp/killed.db" ]; then
    "$BIN" check "$tmp/killed.db" >"$tmp/out" 2>&1
    rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "truncated trace: exit $rc: $(cat "$tmp/out")"
    grep -q "trace is truncated (program killed?)" "$tmp/out" || fail "truncated trace not reported as such"
    "$BIN" check --json "$tmp/killed.db" >"$tmp/k.json" 2>/dev/null
    [ "$(sqlite3 :memory: "SELECT json_extract(readfile('$tmp/k.json'), '\$.truncated')")" = 1 ] ||
        fail "JSON truncated should be true"
else
    fail "killed program left no trace"
fi

# --- Chrome export -------------------------------------------------------------
"$BIN" export "$tmp/leak.db" --format chrome -o "$tmp/leak.chrome.json" || fail "export failed"
ce="$tmp/leak.chrome.json"
[ "$(sqlite3 :memory: "SELECT json_valid(readfile('$ce'))")" = 1 ] || fail "export: invalid JSON"
cnt() { sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$ce'), '\$.traceEvents') WHERE json_extract(value, '\$.ph') = '$1'"; }
[ "$(cnt X)" -ge 3 ] || fail "export: too few X spans"
[ "$(cnt M)" -ge 3 ] || fail "export: thread names missing"
[ "$(cnt s)" -ge 1 ] && [ "$(cnt s)" = "$(cnt f)" ] || fail "export: flows s/f missing or unpaired"
"$BIN" export "$tmp/leak.db" --format svg -o "$tmp/x" 2>/dev/null; [ $? = 2 ] || fail "unknown format should exit 2"
"$BIN" export "$tmp/text.db" -o "$tmp/x" 2>/dev/null; [ $? = 2 ] || fail "export of a bad file should exit 2"

echo "analyzer cli: $failures failure(s)"
[ "$failures" = 0 ]
