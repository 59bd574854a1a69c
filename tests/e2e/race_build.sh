#!/bin/bash
# tests/e2e/race_build.sh — the race build as a user sees it (docs/races.md).
#
#   1. every catalog race variant ("build": "race" in pattern.json) has no
#      SHARED_READ/SHARED_WRITE marks, and run as a user runs it (`chanscope
#      run NAME/VARIANT`) prints a Go-shaped race report naming both accesses
#      at file:line of its pattern, exits 66, records race_prev + race events
#      with those sites, and `chanscope check` reports a race finding with
#      both sites (access1, access2) and both goroutines;
#   2. every pattern's main variant (the fixed forms), built with `chanscope
#      build --race`, runs clean: no report, not status 66;
#   3. `chanscope run --race FILE.c` (and --check) on a small racy program
#      outside the catalog, and its race-free twin.
# Every program runs under `timeout`.
set -u
BIN=${BIN:-build/bin/chanscope}
BUILD=${BUILD:-build}
TIMEOUT=${TIMEOUT:-30}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
f() {
    echo "FAIL: $*"
    fail=1
}

[ -f "$BUILD/lib/libchanscope-race.a" ] || { echo "FAIL: no $BUILD/lib/libchanscope-race.a"; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# The first report's two sites: the current access's first frame and the
# previous access's ("      FILE:LINE" lines after "Write at"/"Read at" and
# after "Previous ...").
report_sites() {
    awk '/^(Atomic )?(Write|Read) at / { m = "cur" } /^Previous / { m = "prev" }
         /^      [^ ]+:[0-9]+$/ && m != "" && !(m in seen) { seen[m] = $1; if (m == "prev") exit }
         END { print seen["cur"]; print seen["prev"] }' "$1"
}

# --- 1. the catalog's race variants ------------------------------------------
cd "$src" || exit 1
"$BIN" list --json >"$work/list.json" || { echo "FAIL: chanscope list --json"; exit 1; }
race_variants=$(sqlite3 :memory: "SELECT json_extract(p.value,'\$.name') || '/' ||
        json_extract(v.value,'\$.name') FROM json_each(readfile('$work/list.json')) p,
        json_each(json_extract(p.value,'\$.variants')) v
        WHERE json_extract(v.value,'\$.build') = 'race'")
[ "$(echo "$race_variants" | grep -c .)" -ge 7 ] ||
    f "the catalog has $(echo "$race_variants" | grep -c .) race-build variants, want the 7 race variants"
grep -q '^common-mistakes/race$' <<<"$race_variants" || f "common-mistakes/race is not a race-build variant"

for nv in $race_variants; do
    name=${nv%/*}
    c=patterns/$nv.c
    grep -n 'SHARED_READ\|SHARED_WRITE' "$c" >/dev/null && f "$nv: $c still has SHARED_ marks"
    t=$work/${nv//\//-}.db
    # a variant whose bug needs a schedule runs under it, as demo runs it
    # ("explore": {"demo_seed", "strategy"} in its pattern.json)
    seed=$(sqlite3 :memory: "SELECT coalesce('--seed ' || json_extract(v.value,'\$.explore.demo_seed')
            || ' --strategy ' || coalesce(json_extract(v.value,'\$.explore.strategy'),'random'), '')
            FROM json_each(json_extract(readfile('patterns/$name/pattern.json'),'\$.variants')) v
            WHERE json_extract(v.value,'\$.name') = '${nv#*/}'")
    # shellcheck disable=SC2086
    timeout "$TIMEOUT" "$BIN" run $seed "$nv" -o "$t" >"$work/out" 2>"$work/err"
    st=$?
    [ "$st" = 66 ] || f "$nv: exit status $st, want 66 (a race found, main returned 0)"
    grep -q '^WARNING: DATA RACE$' "$work/err" || { f "$nv: no race report on stderr"; continue; }
    grep -q '^Found [0-9]* data race(s)$' "$work/err" || f "$nv: no 'Found N data race(s)' line"
    mapfile -t sites < <(report_sites "$work/err")
    for s in "${sites[0]:-}" "${sites[1]:-}"; do
        [[ $s == patterns/$name/*:[1-9]* ]] ||
            f "$nv: report site '$s' is not a line of patterns/$name/ ($(head -12 "$work/err" | tr '\n' '|'))"
    done
    # the trace: the pair of events, with both sites in the pattern's files
    n=$(sqlite3 "$t" "SELECT count(*) FROM events e JOIN sites s ON s.id=e.site
                      WHERE e.kind IN (SELECT id FROM event_kinds WHERE name IN ('race_prev', 'race')) AND s.file LIKE 'patterns/$name/%' AND s.line > 0")
    np=$(sqlite3 "$t" "SELECT count(*) FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='race_prev')")
    nr=$(sqlite3 "$t" "SELECT count(*) FROM events WHERE kind=(SELECT id FROM event_kinds WHERE name='race')")
    [ "$(sqlite3 "$t" "SELECT group_concat(name, ' ') FROM event_kinds WHERE id IN (58, 59) ORDER BY id")" = \
        "race_prev race" ] || f "$nv: event_kinds does not name race_prev (58) and race (59)"
    { [ "$np" -ge 1 ] && [ "$np" = "$nr" ] && [ "$n" = $((np + nr)) ]; } ||
        f "$nv: trace has $np race_prev, $nr race events, $n with a site in patterns/$name/"
    # chanscope check: a race finding with both sites and both goroutines
    "$BIN" check "$t" --json >"$work/check.json" 2>"$work/check.err"
    [ $? = 1 ] || f "$nv: chanscope check does not exit 1"
    ok=$(sqlite3 :memory: "SELECT count(*) FROM json_each(json_extract(readfile('$work/check.json'),'\$.findings')) f
        WHERE json_extract(f.value,'\$.kind')='race'
        AND (SELECT count(*) FROM json_each(json_extract(f.value,'\$.refs')) r
             WHERE json_extract(r.value,'\$.role') IN ('access1','access2')
             AND json_extract(r.value,'\$.file') LIKE 'patterns/$name/%'
             AND json_extract(r.value,'\$.line') > 0 AND json_extract(r.value,'\$.g') > 0) = 2
        AND json_extract(f.value,'\$.fix_line') <> ''")
    [ "${ok:-0}" -ge 1 ] || f "$nv: check reports no race with both sites in patterns/$name/ ($(head -c 300 "$work/check.json"))"
done

# --- 2. the fixed forms: every main variant, race build, clean -------------------
for m in patterns/*/main.c; do
    name=$(basename "$(dirname "$m")")
    prog=$work/main-$name
    if ! CFLAGS="-Ipatterns/common" timeout 120 "$BIN" build --race -o "$prog" "$m" 2>"$work/berr"; then
        f "$name/main: chanscope build --race fails: $(head -3 "$work/berr")"
        continue
    fi
    timeout "$TIMEOUT" "$prog" >/dev/null 2>"$work/err"
    st=$?
    grep -q 'WARNING: DATA RACE' "$work/err" &&
        f "$name/main: the race build reports a race: $(sed -n 3,6p "$work/err" | tr '\n' '|')"
    [ "$st" = 66 ] && f "$name/main: exit status 66 (a race)"
    [ "$st" = 124 ] && f "$name/main: timed out"
done

# --- 3. chanscope run --race FILE.c -------------------------------------------
# (The visitors sleep first so that all four are alive at once: the
# detector may lose a race between a goroutine and a later one that reuses
# its clock slot, race/race_internal.h.)
mkdir -p "$work/own" && cd "$work/own" || exit 1
cat >counter.c <<'EOF'
#include <stdio.h>
#include "chanscope.h"

static long hits;
static waitgroup_t wg;
static mutex_t mu;
static int locked;

static void visitor(void *arg) {
    (void)arg;
    time_sleep(MILLISECOND);
    if (locked) mutex_lock(&mu);
    hits++;
    if (locked) mutex_unlock(&mu);
    wg_done(&wg);
}

int main(int argc, char **argv) {
    locked = argc > 1;
    for (int i = 0; i < 4; i++) {
        wg_add(&wg, 1);
        go(visitor, NULL);
    }
    wg_wait(&wg);
    printf("hits: %ld\n", hits);
    return 0;
}
EOF
timeout "$TIMEOUT" "$BIN" run --race counter.c -o racy.db >out 2>err
st=$?
[ "$st" = 66 ] || f "run --race counter.c: status $st, want 66"
grep -q '^hits: [1-4]$' out || f "run --race counter.c: stdout '$(cat out)'"
grep -q "Location is global 'hits'" err || f "run --race: the report does not name 'hits': $(head -14 err | tr '\n' '|')"
mapfile -t sites < <(report_sites err)
[[ ${sites[0]:-} == counter.c:13 && ${sites[1]:-} == counter.c:13 ]] ||
    f "run --race: report sites '${sites[*]}', want counter.c:13 twice"
[ "$(sqlite3 racy.db "SELECT name FROM objects o JOIN events e ON e.obj=o.id WHERE e.kind=(SELECT id FROM event_kinds WHERE name='race') LIMIT 1")" = hits ] ||
    f "run --race: the race event's variable is not named 'hits'"
timeout 60 "$BIN" check racy.db >check.txt 2>&1
[ $? = 1 ] || f "check of the racy trace does not exit 1"
grep -q 'RACE .*data race on variable hits: .* at counter.c:13 and .* at counter.c:13' check.txt ||
    f "check: no race on hits at counter.c:13: $(head -5 check.txt)"
timeout "$TIMEOUT" "$BIN" run --race --check counter.c -o racy2.db >/dev/null 2>&1
[ $? = 1 ] || f "run --race --check counter.c does not exit 1 (a finding)"
# the same program with the mutex: clean, status 0
timeout "$TIMEOUT" "$BIN" run --race counter.c -o clean.db -- locked >out 2>err
st=$?
[ "$st" = 0 ] || f "run --race counter.c -- locked: status $st, want 0: $(head -5 err)"
grep -q 'DATA RACE' err && f "run --race counter.c -- locked: a race report: $(head -8 err)"
grep -q '^hits: 4$' out || f "run --race counter.c -- locked: stdout '$(cat out)'"
[ "$(sqlite3 clean.db "SELECT count(*) FROM events WHERE kind IN (SELECT id FROM event_kinds WHERE name IN ('race_prev', 'race'))")" = 0 ] ||
    f "the clean run's trace has race events"
# build --race writes a program that finds the race without chanscope run
timeout 120 "$BIN" build --race -o counter counter.c 2>err || f "build --race: $(head -3 err)"
timeout "$TIMEOUT" ./counter >/dev/null 2>err
[ $? = 66 ] && grep -q 'WARNING: DATA RACE' err || f "the built race program: no report / status 66"
# and without --race the same source shows nothing (no marks, no detector)
timeout 120 "$BIN" build -o plain counter.c 2>err || f "build: $(head -3 err)"
timeout "$TIMEOUT" ./plain >/dev/null 2>err
[ $? = 0 ] || f "the plain build exits non-zero"
grep -q 'DATA RACE' err && f "the plain build prints a race report"

# a source that does not compile: status 1, the compiler's words, no program,
# no temporary folder left behind
printf 'int main(void) { return x; }\n' >broken.c
tmpd=$work/tmpdir && mkdir -p "$tmpd"
TMPDIR=$tmpd timeout 120 "$BIN" build --race broken.c >out 2>err
[ $? = 1 ] || f "build --race broken.c: status not 1"
grep -q "broken.c:1:.*error" err && grep -q "does not compile" err || f "build --race broken.c: $(cat err)"
[ -e broken ] && f "build --race broken.c left a program"
[ -z "$(ls -A "$tmpd")" ] || f "build --race left $(ls "$tmpd") in TMPDIR"

# the part of a variable a race is on, from the DWARF types
cat >stats.c <<'EOF'
#include "chanscope.h"
static struct { long a; struct { int x, y; } pts[4]; } stats;
static waitgroup_t wg;
static void w(void *arg) { (void)arg; time_sleep(MILLISECOND); stats.pts[2].y++; wg_done(&wg); }
int main(void) {
    for (int i = 0; i < 2; i++) { wg_add(&wg, 1); go(w, NULL); }
    wg_wait(&wg);
    return 0;
}
EOF
timeout 120 "$BIN" build --race -o stats stats.c 2>err || f "build --race stats.c: $(head -3 err)"
timeout "$TIMEOUT" ./stats >/dev/null 2>err
grep -q "^Location is stats.pts\[2\].y in global 'stats' of size 40 at " err ||
    f "stats.c: the report does not locate stats.pts[2].y: $(grep Location err)"

[ $fail = 0 ] && echo "race_build: all checks passed"
exit $fail
