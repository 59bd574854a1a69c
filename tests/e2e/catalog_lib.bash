# tests/e2e/catalog_lib.bash — sourced by catalog.sh and catalog_stress.sh
# (not a test itself: `make e2e` runs tests/e2e/*.sh only).  Needs BIN,
# TIMEOUT and work set and exported by the caller.
#
#   sorted            a comma-separated list on stdin, sorted
#   run_variant S R   run catalog variant S traced as $work/<S>-R.db and
#                     check it; sets f (the file stem), rc (the run's exit
#                     status) and found (its finding kinds, sorted, "-" for
#                     none, "(timeout)" appended when the run was killed)

sorted() { tr ',' '\n' | sort | paste -sd, -; }

run_variant() {
    local spec=$1 r=$2
    f="$work/${spec//\//-}-$r"
    timeout -k 3 "$TIMEOUT" "$BIN" run "$spec" -o "$f.db" >"$f.out" 2>&1
    rc=$?
    "$BIN" check "$f.db" --json >"$f.json" 2>>"$f.out"
    found=$(sqlite3 :memory: "select coalesce(group_concat(k, ','), '-') from
            (select distinct json_extract(value, '\$.kind') k
             from json_each(readfile('$f.json'), '\$.findings') order by k)" 2>&1) ||
        found="(no JSON from check)"
    { [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && found="$found (timeout)"
    return 0
}

export -f sorted run_variant
