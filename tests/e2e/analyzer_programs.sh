#!/usr/bin/env bash
# analyzer_programs.sh — every program in tests/analyzer/ is flagged by
# `chanscope check --json` with the right kind AND the right source line
# (the lines marked EXPECT(kind) or EXPECT(kind,mode) in its source), and
# its correct twin (*_ok.c) produces no finding at all.
# A program whose source says `SIGNALS: INT TERM` is run once per signal (the
# signal's name is its mode, for EXPECT(kind,INT)): started in the background,
# sent the signal as soon as its live trace (a snapshot of its event log) shows `BLOCKED: n` goroutines
# blocked (not sleeping), and checked; its twin gets the same treatment and
# may have exactly one finding, the signal's own warning (or none, if it
# ended by itself before the signal).
# Needs BIN (chanscope) and BUILD (where analyzer/build.mk put the programs).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/build/bin/chanscope}
BUILD=${BUILD:-$root/build}
progs=$BUILD/analyzer-progs
tmp=$(mktemp -d)
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

# goroutines blocked now (their last event is a go_block other than a sleep;
# the reason's number from the trace contract's generated tables)
sleep_reason=$(echo "source $BUILD/format/trace_format.tcl; puts \$::trace::BLOCK(sleep)" | tclsh)
[ -n "$sleep_reason" ] || { echo "analyzer_programs: no $BUILD/format/trace_format.tcl (make)" >&2; exit 1; }
# (of a running program: a snapshot of what its event log holds so far)
blocked_now() {
    "$BIN" import --snapshot --quiet "$1.cslog" -o "$tmp/snap.db" 2>/dev/null || return 1
    sqlite3 "file:$tmp/snap.db?mode=ro" "SELECT count(*) FROM (SELECT g, max(seq) m FROM events
        WHERE g > 0 GROUP BY g) x JOIN events e ON e.seq = x.m
        WHERE e.kind = (SELECT id FROM event_kinds WHERE name='go_block') AND e.a != $sleep_reason" 2>/dev/null
}

stopped_by= # set while running a SIGNALS program: the signal to send
nblocked=0
kpid=
trap '[ -n "$kpid" ] && kill -KILL "$kpid" 2>/dev/null; rm -rf "$tmp"' EXIT

run_traced() { # name mode -> sets db json rc
    db=$tmp/$1${2:+-$2}.db
    json=$tmp/$1${2:+-$2}.json
    if [ -n "$stopped_by" ]; then
        # (a script's background job starts with SIGINT ignored: give it the
        # default action, as an interactive shell does)
        CHANSCOPE_TRACE=$db env --default-signal=INT "$progs/$1" $2 >"$tmp/out" 2>&1 &
        kpid=$!
        for _ in $(seq 800); do # until enough goroutines are blocked (20 s)
            kill -0 "$kpid" 2>/dev/null || break
            [ "$(blocked_now "$db")" -ge "$nblocked" ] 2>/dev/null && break
            sleep 0.025
        done
        kill -"$stopped_by" "$kpid" 2>/dev/null
        for _ in $(seq 400); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.025; done
        kill -0 "$kpid" 2>/dev/null && { kill -KILL "$kpid"; fail "$1: still running 10 s after SIG$stopped_by"; }
        wait "$kpid" 2>/dev/null
        kpid=
    else
        CHANSCOPE_TRACE=$db timeout 20 "$progs/$1" $2 >"$tmp/out" 2>&1
    fi
    "$BIN" check --json "$db" >"$json" 2>"$tmp/err"
    rc=$?
}

for src in "$root"/tests/analyzer/*.c; do
    name=$(basename "$src" .c)
    case $name in *_ok) continue ;; esac
    [ -x "$progs/$name" ] || { fail "$progs/$name not built (make analyzer-progs)"; continue; }
    modes=$(sed -n 's/.*MODES: *//p' "$src" | head -1)
    signals=$(sed -n 's/.*SIGNALS: *//p' "$src" | head -1)
    [ -n "$signals" ] && modes=$signals
    for mode in ${modes:-""}; do
        stopped_by=
        [ -n "$signals" ] && stopped_by=$mode
        # (per run: the twin below sets its own; the next mode's run of this
        # program must wait for this program's count again)
        nblocked=$(sed -n 's/.*BLOCKED: *//p' "$src" | head -1)
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
            [ -n "$signals" ] && nblocked=$(sed -n 's/.*BLOCKED: *//p' "$root/tests/analyzer/$twin.c" | head -1)
            run_traced "$twin" "$mode"
            checked=$((checked + 1))
            n=$(nfindings "$json")
            if [ -n "$stopped_by" ] && [ "$rc" = 1 ] && [ "$n" = 1 ] &&
                [ "$(sqlite3 :memory: "SELECT json_extract(readfile('$json'), '\$.findings[0].kind')
                    || json_extract(readfile('$json'), '\$.findings[0].severity')")" = signalwarning ]; then
                n=0 rc=0 # stopped on purpose: only the signal's own warning
            fi
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
