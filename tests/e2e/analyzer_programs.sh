#!/usr/bin/env bash
# analyzer_programs.sh — every program in tests/analyzer/ is flagged by
# `chanscope check --json` with the right kind AND the right source line
# (the lines marked EXPECT(kind) or EXPECT(kind,mode) in its source), and
# its correct twin (*_ok.c) produces no finding at all.
# Needs BIN (chanscope) and BUILD (where analyzer/build.mk put the programs).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/build/bin/chanscope}
BUILD=${BUILD:-$root/build}
progs=$BUILD/analyzer-progs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checked=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# count of findings of KIND that name FILE:LINE in their sites
named() { # json kind file line
    sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$1'), '\$.findings') f,
        json_each(f.value, '\$.sites') s
        WHERE json_extract(f.value, '\$.kind') = '$2'
          AND json_extract(s.value, '\$.line') = $4
          AND json_extract(s.value, '\$.file') LIKE '%$3'"
}

nfindings() { sqlite3 :memory: "SELECT json_array_length(readfile('$1'), '\$.findings')"; }

run_traced() { # name mode -> sets db json rc
    db=$tmp/$1${2:+-$2}.db
    json=$tmp/$1${2:+-$2}.json
    CHANSCOPE_TRACE=$db timeout 20 "$progs/$1" $2 >"$tmp/out" 2>&1
    "$BIN" check --json "$db" >"$json" 2>"$tmp/err"
    rc=$?
}

for src in "$root"/tests/analyzer/*.c; do
    name=$(basename "$src" .c)
    case $name in *_ok) continue ;; esac
    [ -x "$progs/$name" ] || { fail "$progs/$name not built (make analyzer-progs)"; continue; }
    modes=$(sed -n 's/.*MODES: *//p' "$src" | head -1)
    for mode in ${modes:-""}; do
        run_traced "$name" "$mode"
        checked=$((checked + 1))
        label="$name${mode:+ $mode}"
        [ "$rc" = 1 ] || { fail "$label: check exited $rc, want 1 ($(head -c 300 "$tmp/err"))"; continue; }
        # expected (kind, line) pairs for this mode
        grep -n 'EXPECT(' "$src" | while IFS= read -r hit; do
            line=${hit%%:*}
            spec=$(echo "$hit" | sed 's/.*EXPECT(\([^)]*\)).*/\1/')
            kind=${spec%%,*}
            emode=
            [ "$spec" != "$kind" ] && emode=${spec#*,}
            [ -n "$emode" ] && [ "$emode" != "$mode" ] && continue
            n=$(named "$json" "$kind" "$name.c" "$line")
            if [ "${n:-0}" -lt 1 ]; then
                echo "FAIL: $label: no '$kind' finding naming $name.c:$line"
                sqlite3 :memory: "SELECT json_extract(value,'\$.kind') || ': ' || json_extract(value,'\$.title')
                    FROM json_each(readfile('$json'), '\$.findings')" | sed 's/^/    /'
                echo x >>"$tmp/failed"
            fi
        done
        twin=${name}_ok
        if [ -x "$progs/$twin" ]; then
            run_traced "$twin" "$mode"
            checked=$((checked + 1))
            n=$(nfindings "$json")
            if [ "$rc" != 0 ] || [ "${n:-1}" != 0 ]; then
                fail "$twin${mode:+ $mode}: the correct version has findings (exit $rc):"
                sqlite3 :memory: "SELECT json_extract(value,'\$.kind') || ': ' || json_extract(value,'\$.title')
                    FROM json_each(readfile('$json'), '\$.findings')" | sed 's/^/    /'
            fi
        else
            fail "$name has no correct twin $twin"
        fi
    done
done
[ -f "$tmp/failed" ] && failures=$((failures + $(wc -l <"$tmp/failed")))
echo "analyzer programs: $checked runs, $failures failure(s)"
[ "$failures" = 0 ]
