# tests/e2e/catalog_lib.bash — sourced by catalog.sh and catalog_stress.sh
# (not a test itself: `make e2e` runs tests/e2e/*.sh only).  Needs BIN,
# TIMEOUT and work set and exported by the caller.
#
#   sorted            a comma-separated list on stdin, sorted
#   seed_args S       the declared demo seed of variant S as run options
#   run_variant S R   run catalog variant S traced as $work/<S>-R.db and
#                     check it; sets f (the file stem), rc (the run's exit
#                     status) and found (its finding kinds, sorted, "-" for
#                     none, "(timeout)" appended when the run was killed)

sorted() { tr ',' '\n' | sort | paste -sd, -; }

# seed_args S: "--seed N --strategy X" for a variant whose bug shows only
# under some schedules: it declares the schedule demo and these tests run it
# under ("explore": {"demo_seed": N, "strategy": X} in pattern.json; see
# docs/schedules.md); nothing for the others.
CATALOG_SRC=${CATALOG_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
seed_args() {
    local pat=${1%%/*} var=${1#*/}
    [ "$var" = "$1" ] && var=main
    jq -r --arg v "$var" '.variants[] | select(.name == $v) | (.explore // {}) |
        if .demo_seed then "--seed \(.demo_seed) --strategy \(.strategy // "random")" else empty end' \
        "$CATALOG_SRC/patterns/$pat/pattern.json" 2>/dev/null
}

run_variant() {
    local spec=$1 r=$2
    f="$work/${spec//\//-}-$r"
    # shellcheck disable=SC2046 # (seed_args: zero or four words)
    timeout -k 3 "$TIMEOUT" "$BIN" run $(seed_args "$spec") "$spec" -o "$f.db" >"$f.out" 2>&1
    rc=$?
    "$BIN" check "$f.db" --json >"$f.json" 2>>"$f.out"
    found=$(sqlite3 :memory: "select coalesce(group_concat(k, ','), '-') from
            (select distinct json_extract(value, '\$.kind') k
             from json_each(readfile('$f.json'), '\$.findings') order by k)" 2>&1) ||
        found="(no JSON from check)"
    { [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && found="$found (timeout)"
    return 0
}

export CATALOG_SRC
export -f sorted seed_args run_variant
