#!/bin/bash
# analyzer/fuzz_seeds.sh OUT TRACE.db... — the fuzzer's seed corpus
# (analyzer/build.mk): each trace written as one text input (mode 'T' of
# analyzer/fuzz_trace.c: its meta end keys, sites, goroutines, objects and
# events, one row per line), and the smallest few also as raw SQLite
# images (mode: an odd first byte), shrunk to 1 KiB pages.  Seeds are made
# at fuzz time from traces in the build dir; none is committed.
set -eu
out=$1
shift
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for db in "$@"; do
    name=$(basename "$db" .db)
    sqlite3 -batch -noheader -separator ' ' "$db" "
        SELECT 'T';
        SELECT 'm', key, replace(value, char(10), ' ') FROM meta
         WHERE key IN ('end_reason', 'exit_status', 'events');
        SELECT 's', id, coalesce(line, 0) FROM sites;
        SELECT 'g', id, coalesce(parent, 0), coalesce(site, 0), coalesce(name, '') FROM goroutines;
        SELECT 'o', id, coalesce(type, 0), coalesce(a, 0), coalesce(b, 0), coalesce(site, 0),
               coalesce(name, '') FROM objects;
        SELECT 'e', seq, g, kind, coalesce(obj, 0), coalesce(a, 0), coalesce(b, 0), coalesce(c, 0),
               coalesce(d, 0), coalesce(site, 0), replace(coalesce(s, ''), char(10), ' ')
          FROM events ORDER BY seq;" | sed '1{N;s/^T\n/T/}' >"$out/text-$name" ||
        { echo "fuzz_seeds: cannot read $db" >&2; rm -f "$out/text-$name"; continue; }
    n=$((n + 1))
done
# raw images of the three smallest traces
for db in $(ls -S "$@" 2>/dev/null | tail -3); do
    name=$(basename "$db" .db)
    rm -f "$tmp/small.db"
    sqlite3 "$db" "VACUUM INTO '$tmp/small.db'" 2>/dev/null || continue
    sqlite3 "$tmp/small.db" "PRAGMA journal_mode=DELETE; PRAGMA page_size=1024; VACUUM;" >/dev/null
    { printf '\001'; cat "$tmp/small.db"; } >"$out/raw-$name"
done
echo "fuzz_seeds: $n traces -> $(ls "$out" | wc -l) seeds in $out"
