#!/bin/bash
# contract.sh — "a schema change is one edit in the contract": no file outside
# format/ (the trace contract) and the build folder repeats what format/
# says.  Fails, naming file and line, on:
#   1. a CREATE TABLE of a recorded or derived table (format/schema.sql,
#      format/analysis.sql): use CS_TRACE_TABLES_SQL & co. (C) or
#      ::trace::TABLES_SQL / ::trace::table_sql (Tcl);
#   2. a hand-written enum value of the contract (EV_X = 1, BLOCK_X = 1,
#      MISUSE_X = 1, OBJ_X = 1, CS_EVF_X 1, a schema version): they come
#      from format/trace.def through format/trace_format.h;
#   3. a kind or object type written as a number where the trace's kind or
#      type column is compared (kind == 43, kind IN (21, 24), type=1): name
#      it (EV_TIMER_FIRE, $::trace::EV(timer_fire), or in a shell script
#      (SELECT id FROM event_kinds WHERE name='timer_fire'));
#   4. a kind's number beside its name on three lines of a file (a table of
#      kinds: [1] = "go_create", 1 go_create, (1,'go_create'), | 1 | go_create |);
#   5. a meta key that format/trace.def does not list (a META row), where code
#      reads or writes one: key='...', put_meta/set_meta/meta_value("..."),
#      model::metaval ..., $meta(...).  And the META rows and the table of
#      meta keys in docs/trace-format.md must name the same keys.
# Each rule is first shown to find a sample violation.  Then a copy of the
# contract with one more EV row is compiled and generated: the new kind
# reaches C, event_kinds and the viewer's Tcl with no other edit.  Last, the
# generated files must agree with format/ (make rebuilds them).
#   bash tests/e2e/contract.sh        (BUILD: the build folder, default build)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
fail=0
bad() { echo "contract: $*" >&2; fail=1; }

# every text file of the tree but format/, the build folder, .git and this script
files() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -co --exclude-standard
    else
        find . -type f ! -path './.git/*' | sed 's|^\./||'
    fi | grep -v -e '^format/' -e "^$(basename "$BUILD")/" -e '^build/' \
        -e '^tests/e2e/contract\.sh$' -e '\.\(png\|svg\|pdf\|db\|ico\|gz\)$' |
        while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done
}
mapfile -t all < <(files)
[ ${#all[@]} -gt 100 ] || { echo "contract: found only ${#all[@]} files under $root" >&2; exit 2; }

# scan FILE...: one line per violation, "FILE:LINE:TEXT: what"
scan() {
    local code hits f re
    mapfile -t code < <(printf '%s\n' "$@" | grep -E '\.(c|h|tcl|test|sh|bash|mk|sql)$|(^|/)Makefile$')
    # 1. CREATE TABLE of a contract table
    re="CREATE +TABLE +(IF +NOT +EXISTS +)?(temp\.|main\.)?($(echo $tables | tr ' ' '|'))[ (]"
    grep -n -i -E "$re" "$@" 2>/dev/null | sed 's/$/: a CREATE TABLE of a table of format\/*.sql/'
    # 2. hand-written enum values of the contract
    re='\b(EV_[A-Z_]+|BLOCK_[A-Z_]+|MISUSE_[A-Z_]+|OBJ_[A-Z_]+) *= *[0-9]|#define +(CS_EVF_[A-Z_]+|CS_TRACE_SCHEMA_VERSION|CS_TRACE_ANALYSIS_VERSION|AN_SCHEMA_VERSION|AN_ANALYSIS_VERSION) +[0-9]'
    [ ${#code[@]} -gt 0 ] && grep -n -E "$re" "${code[@]}" 2>/dev/null |
        sed 's/$/: a number of format\/trace.def written by hand/'
    # 3. kind / type numbers where the column is compared
    re="(\\bkind|\\btype|\\(kind\\)|\\(type\\)) *(==|!=|=|<>) *[1-9][0-9]*\\b|\\b(kind|type) +(NOT +)?IN +\\( *[0-9]|\\bkind\\] +(in|ni) +\\{ *[0-9]"
    [ ${#code[@]} -gt 0 ] && grep -n -E "$re" "${code[@]}" 2>/dev/null |
        grep -v -E 'ctx_kind|sqlite_master|WHERE type=.table' | sed 's/$/: a kind or type number: use its name/'
    # 4. a kind's number beside its name, on three lines of a file (a table;
    #    one line is prose: "kind 15 (chan_close)")
    hits=$(grep -n -E "$alt" "$@" 2>/dev/null)
    for f in $(printf '%s\n' "$hits" | cut -d: -f1 | sort | uniq -c | awk '$1 >= 3 {print $2}'); do
        printf '%s\n' "$hits" | grep "^$f:" | sed "s/\$/: an event kind's number beside its name (a table of kinds)/"
    done
    # 5. meta keys the contract does not list
    re="(key *= *'|(put_meta|set_meta|set_meta_int|meta_value|an_synth_meta)\\([^\"]*\"|metaval +|(\\\$|exists +)meta\\()[a-z_]+"
    [ ${#code[@]} -gt 0 ] && grep -n -o -E "$re" "${code[@]}" 2>/dev/null |
        while IFS= read -r hit; do
            case " $metakeys " in
            *" ${hit##*[\'\"( ]} "*) ;;
            *) printf '%s: a meta key format/trace.def does not list\n' "$hit" ;;
            esac
        done
}

tables=$(sed -n 's/^CREATE TABLE \([a-z_]*\)(.*/\1/p' format/schema.sql format/analysis.sql)
[ "$(echo "$tables" | wc -w)" -ge 16 ] || bad "cannot read the tables of format/*.sql"
pairs=$(sed -n 's/^EV( *\([0-9]*\), *[A-Z_]*, *\([a-z_]*\),.*/\1 \2/p' format/trace.def)
[ "$(echo "$pairs" | wc -l)" -ge 40 ] || bad "cannot read the event kinds of format/trace.def"
metakeys=$(sed -n 's/^META( *\([a-z_]*\),.*/\1/p' format/trace.def | tr '\n' ' ')
[ "$(echo "$metakeys" | wc -w)" -ge 15 ] || bad "cannot read the meta keys of format/trace.def"
# the docs' table of meta keys (docs/trace-format.md, "### meta(...)") names the same keys
doc_keys=$(awk '/^### meta\(/ {on = 1; next} on && /^### / {on = 0} on && /^\| [a-z_]+ \|/ && $2 != "key" {print $2}' \
    docs/trace-format.md | sort | tr '\n' ' ')
[ "$doc_keys" = "$(echo "$metakeys" | tr ' ' '\n' | grep . | sort | tr '\n' ' ')" ] ||
    bad "docs/trace-format.md's meta table ($doc_keys) and format/trace.def's META rows ($metakeys) differ"
alt=""
while read -r num name; do
    alt+="${alt:+|}\\b$num[^A-Za-z0-9_]{1,6}$name\\b|\\b$name[^A-Za-z0-9_]{1,6}$num\\b"
done <<<"$pairs"

# The check can fail: each rule finds its sample (and no correct line).
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat >"$t/bad.c" <<'SAMPLE'
static const char s[] = "CREATE TABLE events(seq INTEGER PRIMARY KEY);";
enum { EV_RACE = 58 };
if (e->kind == 43) return;
q("SELECT value FROM meta WHERE key='end_reasn'");
static const char *names[] = {[1] = "go_create",
    [2] = "go_start",
    [3] = "go_block"};
SAMPLE
cat >"$t/good.tcl" <<'SAMPLE'
db eval {SELECT seq FROM events WHERE kind=$::trace::EV(timer_fire)}
int type = 0;
if {$ctx_kind == 2 && $kind == $EV(chan_close)} { db eval [::trace::table_sql lock_spans] }
set why [model::metaval end_reason truncated]; db eval {INSERT INTO meta(key, value) VALUES ('a', 'b')}
# kind 15 (chan_close) after a 16-bit cast
SAMPLE
got=$(cd "$t" && scan bad.c good.tcl)
for what in "CREATE TABLE" "written by hand" "kind or type number" "beside its name" "meta key"; do
    printf '%s\n' "$got" | grep -q "^bad.c:.*$what" || bad "self-test: the rule '$what' finds nothing"
done
[ "$(printf '%s\n' "$got" | grep -c '^bad.c:')" = 7 ] || bad "self-test: not 7 hits in bad.c: $got"
printf '%s\n' "$got" | grep '^good.tcl:' | while IFS= read -r hit; do bad "self-test: $hit"; done
printf '%s\n' "$got" | grep -q '^good.tcl:' && fail=1

while IFS= read -r hit; do [ -n "$hit" ] && bad "$hit"; done < <(scan "${all[@]}")

# A new kind is one row: added to a copy of the contract, it reaches the C
# enum and name table, the loader's list of known kinds (cs_ev_name), the
# obj check (cs_ev_ref), the rows of event_kinds and the viewer's tables.
cc=${CC:-cc}
mkdir -p "$t/format"
cp format/trace.def format/trace_format.h format/gen.c format/schema.sql format/analysis.sql "$t/format/"
sed -i 's/^EV(57, SIGNAL, .*/&\nEV(99, CONTRACT_TEST, contract_test, obj, "thing", "", "", "", "", "")/' "$t/format/trace.def"
grep -q CONTRACT_TEST "$t/format/trace.def" || bad "one-row test: could not add the row"
cat >"$t/use.c" <<'SAMPLE'
#include <stdio.h>
#include <string.h>
#include "trace_format.h"
int main(void) {
    return !(EV_CONTRACT_TEST == 99 && cs_ev_name(99) && !strcmp(cs_ev_name(99), "contract_test") &&
             cs_ev_ref(EV_CONTRACT_TEST) == CS_REF_obj && EV_SIGNAL == 57);
}
SAMPLE
if $cc -std=c11 -Wall -Wextra -Werror -I"$t/format" -o "$t/use" "$t/use.c" &&
    $cc -std=c11 -Wall -Wextra -Werror -I"$t/format" -o "$t/gen" "$t/format/gen.c"; then
    "$t/use" || bad "one-row test: the C side does not see the new kind"
    (cd "$t" && ./gen sql format/schema.sql format/analysis.sql) | grep -q "(99,'contract_test')" ||
        bad "one-row test: event_kinds rows lack the new kind"
    (cd "$t" && ./gen tcl format/schema.sql format/analysis.sql) >"$t/f.tcl"
    [ "$(echo 'source '"$t"'/f.tcl; puts "$::trace::EV(contract_test) $::trace::KIND(99)"' | tclsh)" = \
        "99 contract_test" ] || bad "one-row test: the viewer's tables lack the new kind"
else
    bad "one-row test: the contract with one more row does not compile"
fi

# the generated files are those of this contract
if [ -x "$BUILD/format/gen" ]; then
    "$BUILD/format/gen" sql format/schema.sql format/analysis.sql >"$t/sql.h" &&
        "$BUILD/format/gen" tcl format/schema.sql format/analysis.sql >"$t/f.tcl" ||
        bad "format/gen failed"
    cmp -s "$t/sql.h" "$BUILD/format/trace_sql.h" || bad "$BUILD/format/trace_sql.h is stale (make)"
    cmp -s "$t/f.tcl" "$BUILD/format/trace_format.tcl" ||
        bad "$BUILD/format/trace_format.tcl is stale (make)"
fi

[ $fail = 0 ] && echo "contract: ok (${#all[@]} files: nothing outside format/ repeats the trace contract)"
exit $fail
