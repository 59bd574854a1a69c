#!/usr/bin/env bash
# cli_safety.sh — the probes of issue 17 against the commands (see
# docs/reliability.md for the list and what each one guards):
#   1. an output path that names the input (same file, symlink, hard link)
#   2. `check` killed (SIGKILL) while it stores: the trace is exactly as
#      before and every command reads it
#   3. a FIFO, a truncated trace, a missing catalog: one clear line, exit 2
#   4. invalid UTF-8 in log and panic texts: --json and export stay valid
#   5. a full stdout: the write error is reported, exit 2
#   6. the worker-pool pattern's --jobs / --workers: bounds, no stack VLA
# Needs BIN and BUILD (tests/programs/trace_demo, patterns/worker-pool/*).
set -u
BIN=${BIN:?BIN must name the chanscope binary}
BUILD=${BUILD:?BUILD must name the build folder}
demo=$BUILD/tests/programs/trace_demo
pool=$BUILD/patterns/worker-pool
[ -x "$demo" ] || { echo "cli_safety: $demo is not built (make trace-programs)"; exit 1; }
[ -x "$pool/main" ] || { echo "cli_safety: $pool/main is not built (make patterns)"; exit 1; }

# shellcheck source=tests/e2e/lib/scratch.bash
. "$(dirname "$0")/lib/scratch.bash"
scratch cli-safety
q() { sqlite3 "$1" "$2"; }
wait_for() { # wait_for SECONDS COMMAND...: poll every 5 ms
    local n=$(($1 * 200))
    shift
    for _ in $(seq "$n"); do "$@" && return 0; sleep 0.005; done
    return 1
}
# expect_bad LABEL PATTERN COMMAND...: exit 2, one line on stderr matching PATTERN
expect_bad() {
    local label=$1 pat=$2
    shift 2
    timeout 20 "$@" >out.txt 2>err.txt
    local rc=$?
    [ $rc = 2 ] || fail "$label: exit $rc, want 2 ($(head -c 300 err.txt))"
    [ "$(wc -l <err.txt)" = 1 ] || fail "$label: want one line on stderr, got: $(cat err.txt)"
    grep -q -- "$pat" err.txt || fail "$label: stderr '$(cat err.txt)' lacks '$pat'"
}

"$BIN" run "$demo" -o t.db >/dev/null 2>&1 || fail "setup: run"
"$BIN" check t.db >/dev/null 2>&1
sum=$(md5sum <t.db)

# --- 1. an output that names the input ----------------------------------------
expect_bad "export -o itself" "is the trace" "$BIN" export t.db -o t.db
ln -s t.db sym.db
ln t.db hard.db
expect_bad "export -o symlink" "is the trace" "$BIN" export t.db -o sym.db
expect_bad "export -o hard link" "is the trace" "$BIN" export sym.db -o hard.db
expect_bad "export -o ./path" "is the trace" "$BIN" export t.db -o ./t.db
[ "$(md5sum <t.db)" = "$sum" ] || fail "export -o: the trace was changed"
"$BIN" export t.db -o new.json 2>err.txt || fail "export to a new file: $(cat err.txt)"

# --- 2. check killed while it stores ------------------------------------------
# A trace big enough that the store's commit takes a while; the kill lands
# once SQLite has synced the journal header (its magic is written then) and
# is overwriting the database: the one moment a read-only open cannot cope.
CHANSCOPE_TRACE=big.db "$pool/main" --jobs=20000 >/dev/null 2>&1 || fail "setup: big trace"
"$BIN" check big.db >/dev/null 2>&1
# The content, not the bytes: a rollback restores every page that held data,
# but pages reused from the freelist were never journalled (their old bytes
# meant nothing), so the file may differ in bytes nobody reads.
content() { sqlite3 big.db .sha3sum; }
big=$(content)
nev=$(q big.db "SELECT count(*) FROM events")
# Polled without forking a process per look (a fork storm on a loaded
# machine slows the check down and recycles pids): bash's read, and a read
# with a timeout on a FIFO nobody writes as the pause.
magic=$'\xd9\xd5\x05\xf9\x20\xa1\x63\xd7' # rollback journal header, once synced
journal_hot() {
    local m=
    [ -e big.db-journal ] && LC_ALL=C IFS= read -r -d '' -N 8 m <big.db-journal 2>/dev/null
    [ "$m" = "$magic" ] && return 0
    read -r -t 0.002 -u 5
    return 1
}
mkfifo tick
exec 5<>tick
killed=0
for i in 1 2 3; do
    "$BIN" check big.db >/dev/null 2>&1 &
    c=$!
    for _ in $(seq 30000); do journal_hot && break; done # <= 60 s
    kill -9 "$c" 2>/dev/null
    wait "$c"
    [ $? = 137 ] || continue # it finished first: nothing interrupted this time
    killed=$((killed + 1))
    [ -e big.db-journal ] || fail "kill $i: no journal left (the test did not interrupt a store)"
    "$BIN" check --no-store --json big.db >big.json 2>err.txt
    [ $? -le 1 ] || fail "kill $i: check after the kill: $(cat err.txt)"
    [ ! -e big.db-journal ] || fail "kill $i: the journal was not rolled back"
    [ "$(content)" = "$big" ] || fail "kill $i: the trace is not exactly as before"
    [ "$(q big.db "PRAGMA integrity_check")" = ok ] || fail "kill $i: integrity_check"
    [ "$(q big.db "SELECT count(*) FROM events")" = "$nev" ] || fail "kill $i: events changed"
done
"$BIN" export big.db -o big-chrome.json 2>err.txt || fail "export after the kills: $(cat err.txt)"
[ $killed -ge 1 ] || fail "no check was killed mid-store in 5 tries (machine too fast?)"
# a read-only trace with a hot journal: one clear line, the trace untouched
# (not as root: root writes anyway)
if [ "$(id -u)" != 0 ]; then
    "$BIN" check big.db >/dev/null 2>&1 &
    c=$!
    for _ in $(seq 30000); do journal_hot && break; done
    kill -9 "$c" 2>/dev/null
    wait "$c"
    if [ $? = 137 ]; then
        chmod a-w big.db .
        expect_bad "hot journal, read-only" "interrupted write" "$BIN" check big.db
        chmod u+w big.db .
    fi
fi
exec 5<&-

# --- 3. FIFO, truncated trace, missing catalog --------------------------------
mkfifo fifo.db
expect_bad "check FIFO" "not a regular file" "$BIN" check fifo.db
expect_bad "export FIFO" "not a regular file" "$BIN" export fifo.db -o x.json
head -c 200000 big.db >cut.db
expect_bad "truncated" "truncated" "$BIN" check cut.db
head -c 50 big.db >cut2.db
expect_bad "truncated header" "truncated" "$BIN" export cut2.db -o x.json
CHANSCOPE_HOME=/nonexistent expect_bad "no catalog" "no pattern catalog" "$BIN" list
mkdir -p emptyhome/patterns
CHANSCOPE_HOME=$tmp/emptyhome expect_bad "empty catalog" "no pattern catalog" "$BIN" list --json

# --- 4. invalid UTF-8 in texts from the trace ---------------------------------
"$BIN" run "$demo" -o utf.db -- badutf8 >/dev/null 2>&1
[ "$(q utf.db "SELECT value FROM meta WHERE key='end_reason'")" = panic ] || fail "utf8: setup"
"$BIN" check --json utf.db >utf.json 2>/dev/null
iconv -f UTF-8 -t UTF-8 utf.json >/dev/null 2>&1 || fail "utf8: check --json is not valid UTF-8"
[ "$(sqlite3 :memory: "SELECT json_valid(readfile('utf.json'))")" = 1 ] || fail "utf8: check --json is not JSON"
grep -q 'panic .*bytes' utf.json || fail "utf8: the panic text is missing from --json"
"$BIN" export utf.db -o utf-chrome.json 2>/dev/null
iconv -f UTF-8 -t UTF-8 utf-chrome.json >/dev/null 2>&1 || fail "utf8: export is not valid UTF-8"
[ "$(sqlite3 :memory: "SELECT json_valid(readfile('utf-chrome.json'))")" = 1 ] || fail "utf8: export is not JSON"
grep -q 'log .*bytes' utf-chrome.json || fail "utf8: the log text is missing from the export"

# --- 5. a full stdout ---------------------------------------------------------
if [ -w /dev/full ]; then
    expect_bad "check --json > /dev/full" "No space" sh -c "'$BIN' check --json t.db >/dev/full"
    expect_bad "check > /dev/full" "No space" sh -c "'$BIN' check t.db >/dev/full"
    expect_bad "export -o - > /dev/full" "No space" sh -c "'$BIN' export t.db -o - >/dev/full"
    expect_bad "list > /dev/full" "No space" sh -c "'$BIN' list >/dev/full"
fi

# --- 6. worker-pool arguments -------------------------------------------------
for v in main panic-in-worker per-job-results cancel leak-on-error sleep-wait; do
    for a in --jobs=-5 --jobs=3000000 --workers=-5 --workers=3000000; do
        expect_bad "$v $a" "must be between" "$pool/$v" "$a"
    done
done
"$pool/main" --jobs=1000 --workers=1000 >pool.txt 2>err.txt || fail "worker-pool: bounds: $(cat err.txt)"
tail -n 1 pool.txt | grep -q '^1000 jobs on 1000 workers' || fail "worker-pool: $(tail -n 1 pool.txt)"

if [ $fails -gt 0 ]; then
    echo "cli_safety: $fails failure(s)"
    exit 1
fi
echo "cli_safety: ok"
