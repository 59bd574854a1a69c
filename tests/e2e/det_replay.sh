#!/usr/bin/env bash
# det_replay.sh — deterministic mode end to end (docs/schedules.md):
#   - `chanscope run --seed S [--strategy X]` twice gives the identical event
#     sequence (kind, goroutine, object, arguments and the virtual t_ns) for
#     several catalog variants, timer-heavy ones included;
#   - the trace's meta says seed, strategy and virtual_time;
#   - different seeds give different schedules;
#   - the timer-heavy patterns finish in under a second of real time while
#     their traces show the virtual time they waited.
# Needs BIN (the chanscope binary) and BUILD (the build folder with the catalog
# built: make patterns).
set -u
BIN=${BIN:?BIN must name the chanscope binary}
BUILD=${BUILD:?BUILD must name the build folder}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ -x "$BUILD/patterns/worker-pool/main" ] || { echo "det_replay: the catalog is not built (make patterns)"; exit 1; }

tmp=$(mktemp -d /tmp/cs-e2e-det-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
q() { sqlite3 "$1" "$2"; }
events() { q "$1" "SELECT kind, g, obj, a, b, c, d, t_ns FROM events ORDER BY seq"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run VARIANT SEED STRATEGY OUT: the catalog variant (its own arguments) in
# deterministic mode; the real time it took goes to $ms (milliseconds).
run() {
    local t0 t1
    t0=$(now_ms)
    (cd "$root" && "$BIN" run --seed "$2" --strategy "$3" -o "$4" "$1" >"$4.out" 2>"$4.err")
    local rc=$?
    t1=$(now_ms)
    grep -q '^trace: ' "$4.err" || fail "$1 seed $2: no trace line (status $rc): $(head -c 300 "$4.err")"
    ms=$((t1 - t0))
}

# 1. same seed, same events — for random and PCT
for v in worker-pool/main pipeline/main pipeline/stage-ignores-cancel mutex/ab-ba-deadlock \
         rate-limiter/main periodic-task/main timeout/main rate-limited-pool/main; do
    for strat in random pct:3; do
        f=$tmp/$(echo "$v-$strat" | tr '/:' '__')
        run "$v" 42 "$strat" "$f-1.db"
        run "$v" 42 "$strat" "$f-2.db"
        events "$f-1.db" >"$f-1.txt"
        events "$f-2.db" >"$f-2.txt"
        [ -s "$f-1.txt" ] || fail "$v $strat: no events"
        cmp -s "$f-1.txt" "$f-2.txt" || fail "$v $strat: seed 42 gave two different runs: $(diff "$f-1.txt" "$f-2.txt" | head -5)"
        cmp -s "$f-1.db.out" "$f-2.db.out" || fail "$v $strat: seed 42 printed differently"
    done
done

# 2. the meta table
m=$tmp/worker-pool_main-pct_3-1.db
[ "$(q "$m" "SELECT value FROM meta WHERE key='seed'")" = 42 ] || fail "meta seed"
[ "$(q "$m" "SELECT value FROM meta WHERE key='strategy'")" = pct:3 ] || fail "meta strategy"
[ "$(q "$m" "SELECT value FROM meta WHERE key='virtual_time'")" = 1 ] || fail "meta virtual_time"
[ "$(q "$tmp/worker-pool_main-random-1.db" "SELECT value FROM meta WHERE key='strategy'")" = random ] ||
    fail "meta strategy random"

# 3. different seeds, different schedules (worker-pool: three workers, nine jobs)
for s in 1 2 3 4 5 6; do
    run worker-pool/main "$s" random "$tmp/wp$s.db"
    events "$tmp/wp$s.db" | md5sum >>"$tmp/sums.txt"
done
sort -u "$tmp/sums.txt" >"$tmp/distinct.txt"
[ "$(wc -l <"$tmp/distinct.txt")" -ge 2 ] || fail "six seeds gave one and the same schedule"

# 4. timer-heavy patterns: under a second of real time, the virtual time seen
for v in rate-limiter/main periodic-task/main timeout/main rate-limited-pool/main; do
    f=$tmp/time-$(echo "$v" | tr '/' '_').db
    run "$v" 7 random "$f"
    [ "$ms" -lt 1000 ] || fail "$v took $ms ms in deterministic mode"
    span=$(q "$f" "SELECT max(t_ns) - min(t_ns) FROM events")
    [ "${span:-0}" -gt 0 ] || fail "$v: the trace shows no time passing"
done
# rate-limited-pool's own check: 8 jobs, one per tick, took >= 40 ms (virtual)
grep -q 'took >= 40 ms: true' "$tmp/time-rate-limited-pool_main.db.out" ||
    fail "rate-limited-pool: $(tail -n 1 "$tmp/time-rate-limited-pool_main.db.out")"

# 5. bad input: one line, status 2
"$BIN" run --seed nope worker-pool >"$tmp/o" 2>"$tmp/e"
[ $? = 2 ] && [ "$(wc -l <"$tmp/e")" = 1 ] || fail "run --seed nope: $(cat "$tmp/e")"
"$BIN" run --seed 1 --strategy pct:99 worker-pool >"$tmp/o" 2>"$tmp/e"
[ $? = 2 ] && [ "$(wc -l <"$tmp/e")" = 1 ] || fail "run --strategy pct:99: $(cat "$tmp/e")"

[ $fails = 0 ] && echo "det_replay: ok" || { echo "det_replay: $fails failure(s)"; exit 1; }
