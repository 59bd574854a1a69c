#!/bin/bash
# tests/e2e/export_chrome.sh — `chanscope export` (analyzer/chrome.c):
#   - every flow starts and ends inside a slice of its own track (Perfetto
#     drops a flow that does not), including the ones the runtime sends
#     (goroutine 0: a ticker in periodic-task, a signal in graceful-shutdown)
#   - the JSON goes to stdout unless -o is given, the same bytes either way
#   - --max-events cuts the trace into pieces: stderr names the next --from,
#     the pieces' instants add up to the whole export's, each piece is smaller
#   - --from/--to by time keep every slice inside the window
#   - bad bounds and counts: exit 2
# The JSON is read with sqlite3's json functions.
set -u
BIN=${BIN:-build/bin/chanscope}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cd "$work" || exit 1

# q FILE SQL: run SQL over table e(ph, tid, ts, dur, name, seq) of FILE's events
q() {
    sqlite3 :memory: "create table e as select json_extract(value,'\$.ph') ph,
        json_extract(value,'\$.tid') tid, json_extract(value,'\$.ts') ts,
        json_extract(value,'\$.dur') dur, json_extract(value,'\$.name') name,
        json_extract(value,'\$.args.seq') seq
        from json_each(readfile('$1'), '\$.traceEvents'); $2"
}
# flows whose end lies in no slice of its track
unbound() {
    q "$1" "select count(*) from e f where f.ph in ('s','f') and not exists (select 1 from e x
            where x.ph='X' and x.tid=f.tid and x.ts<=f.ts and f.ts<=x.ts+x.dur)"
}

for v in periodic-task graceful-shutdown; do
    timeout -k 3 60 "$BIN" run "$v" -o "$v.db" >"$v.out" 2>&1
    "$BIN" export "$v.db" >"$v.json" 2>"$v.err" || fail "$v: export to stdout: $(cat "$v.err")"
    [ "$(sqlite3 :memory: "select json_valid(readfile('$v.json'))")" = 1 ] || fail "$v: invalid JSON"
    rt=$(q "$v.json" "select count(*) from e where ph='s' and tid=0")
    [ "$rt" -ge 1 ] || fail "$v: no flow sent by the runtime (goroutine 0): $rt"
    n=$(unbound "$v.json")
    [ "$n" = 0 ] || fail "$v: $n flow ends lie outside every slice of their track"
    "$BIN" export "$v.db" -o "$v.o.json" || fail "$v: export -o"
    cmp -s "$v.json" "$v.o.json" || fail "$v: stdout and -o differ"
done

# pieces of one trace
v=periodic-task
total=$(sqlite3 "$v.db" "select count(*) from events")
all_i=$(q "$v.json" "select count(*) from e where ph='i'")
from=""
sum_i=0
pieces=0
while [ "$pieces" -lt 50 ]; do
    pieces=$((pieces + 1))
    "$BIN" export "$v.db" ${from:+--from "$from"} --max-events 40 -o "piece$pieces.json" 2>err.txt ||
        { fail "piece $pieces: $(cat err.txt)"; break; }
    n=$(unbound "piece$pieces.json")
    [ "$n" = 0 ] || fail "piece $pieces: $n flow ends outside every slice"
    sum_i=$((sum_i + $(q "piece$pieces.json" "select count(*) from e where ph='i'")))
    [ "$(stat -c %s "piece$pieces.json")" -lt "$(stat -c %s "$v.json")" ] ||
        fail "piece $pieces is not smaller than the whole export"
    next=$(sed -n 's/.*starts with --from \([0-9]*\).*/\1/p' err.txt)
    [ -z "$next" ] && break
    [ -n "$from" ] && [ "$next" -le "$from" ] && { fail "no progress: --from $from then $next"; break; }
    from=$next
done
[ "$pieces" -eq $(((total + 39) / 40)) ] || fail "$pieces pieces for $total events of 40 at most"
[ "$sum_i" = "$all_i" ] || fail "the pieces hold $sum_i instants, the whole export $all_i"

# a time window (times are since the program start, as in t_ns): every
# slice inside it
lo_us=$(sqlite3 "$v.db" "select t_ns/1000 from events order by seq limit 1 offset 30")
hi_us=$(sqlite3 "$v.db" "select t_ns/1000 from events order by seq limit 1 offset 80")
"$BIN" export "$v.db" --from "${lo_us}us" --to "${hi_us}us" -o win.json 2>err.txt ||
    fail "window: $(cat err.txt)"
out=$(q win.json "select count(*) from e where ph='X' and (ts < $lo_us or ts + dur > $hi_us + 1.001)")
[ "$out" = 0 ] || fail "window ${lo_us}us..${hi_us}us: $out slices outside it"
[ "$(q win.json "select count(*) from e where ph='X'")" -ge 1 ] || fail "window: no slice at all"
[ "$(q win.json "select count(*) from e where ph='X'")" -lt \
  "$(q "$v.json" "select count(*) from e where ph='X'")" ] || fail "window: not smaller"

for bad in "--from 1.5x" "--to -3" "--max-events 0" "--max-events x" "--from"; do
    # shellcheck disable=SC2086
    "$BIN" export "$v.db" $bad >/dev/null 2>err.txt
    [ $? = 2 ] || fail "export $bad: want exit 2"
    [ -s err.txt ] || fail "export $bad: no message"
done
"$BIN" export "$v.db" --from 999999999 >/dev/null 2>err.txt
[ $? = 2 ] || fail "an empty window: want exit 2"

[ "$fails" = 0 ] && echo "export_chrome: ok" && exit 0
exit 1
