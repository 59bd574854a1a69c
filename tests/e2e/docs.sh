#!/bin/bash
# tests/e2e/docs.sh — the docs keep their promises.
#
# 1. Every command shown in the docs runs.  Runnable commands are the lines of
#    fenced ```sh blocks in README.md, docs/**/*.md and exercises/*/README.md
#    (other fences — ```text, ```console, plain ``` — are never run), and of
#    those only the lines that start with `chanscope `, `build/bin/chanscope `,
#    `make ` or `cp ` (other lines, e.g. benchmark binaries, are skipped).  Each
#    page's commands run in order, in one scratch folder per page that holds
#    links to exercises/, patterns/ and docs/, with build/bin's chanscope
#    first on PATH.  A line passes when:
#      chanscope run ...   it wrote a trace ("trace: FILE" on stderr) — the
#                          program's own exit status is the lesson, not an error;
#      chanscope view ...  run with --screenshot (no display needed), exit 0;
#      chanscope ...       exit 0 or 1 (1 is a negative answer: findings, a
#                          failed exercise check); 2 is bad input = a wrong doc;
#      make TARGET ...     `make -n TARGET` succeeds in the tree (the target
#                          exists; nothing heavy is run);
#      anything else       exit 0.
#    `chanscope demo` is run with --no-view on one pattern only, to stay fast.
# 2. Every relative link (and image) between those pages resolves to a file.
#
# Budget: well under a minute on 2 cores.
set -u
BIN=${BIN:-build/bin/chanscope}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LINE_TIMEOUT=${LINE_TIMEOUT:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# exercise checks of solutions record a pass: keep that out of the real progress file
export XDG_STATE_HOME="$work/state"
mkdir -p "$work/bin"
ln -s "$BIN" "$work/bin/chanscope"
export PATH="$work/bin:$PATH"
fail=0

pages=$(cd "$ROOT" && ls README.md docs/*.md docs/patterns/*.md exercises/*/README.md exercises/README.md 2>/dev/null)

# ---- 1. commands -----------------------------------------------------------
# Print the runnable lines of a page: inside ```sh fences, joined across
# trailing backslashes, without blank lines and comments.
sh_lines() {
    awk '
        /^```sh[ \t]*$/ { inside = 1; next }
        /^```/          { inside = 0; next }
        inside {
            line = $0
            sub(/^[ \t]+/, "", line)
            if (line ~ /^#/ || line == "") next
            if (cont != "") { line = cont " " line; cont = "" }
            if (line ~ /\\$/) { sub(/\\$/, "", line); cont = line; next }
            print line
        }' "$1"
}

ncmd=0
nskip=0
for page in $pages; do
    lines=$(sh_lines "$ROOT/$page")
    [ -n "$lines" ] || continue
    dir="$work/page-$(echo "$page" | tr '/.' '__')"
    mkdir -p "$dir"
    ln -s "$ROOT/exercises" "$dir/exercises"
    ln -s "$ROOT/patterns" "$dir/patterns"
    ln -s "$ROOT/docs" "$dir/docs"
    mkdir -p "$dir/traces"
    while IFS= read -r line; do
        case "$line" in
        "build/bin/chanscope "*) line="chanscope ${line#build/bin/chanscope }" ;;
        "chanscope "* | "make "* | "cp "*) ;;
        *) nskip=$((nskip + 1)); continue ;;
        esac
        ncmd=$((ncmd + 1))
        cmd=$line
        kind=other
        case "$line" in
        "chanscope run "*) kind=run ;;
        "chanscope view "*)
            kind=chanscope
            case "$line" in *--screenshot*) ;; *) cmd="$line --screenshot $dir/view-$ncmd.png" ;; esac ;;
        "chanscope demo"*)
            kind=chanscope
            cmd="chanscope demo --no-view -o traces/demo channels" ;;
        "chanscope "*) kind=chanscope ;;
        "make "*)
            kind=make
            cmd="make -n -C $ROOT BUILD=${BUILD:-build} ${line#make }" ;;
        esac
        (cd "$dir" && timeout "$LINE_TIMEOUT" bash -c "$cmd") >"$dir/out" 2>"$dir/err" </dev/null
        rc=$?
        ok=1
        case $kind in
        run) grep -q '^trace: ' "$dir/err" || ok=0 ;;
        chanscope) [ $rc -le 1 ] || ok=0 ;;
        *) [ $rc -eq 0 ] || ok=0 ;;
        esac
        [ $rc -eq 124 ] && ok=0
        if [ $ok -eq 0 ]; then
            echo "FAIL: $page: \`$line\` (exit $rc)"
            sed 's/^/    | /' "$dir/err" | head -8
            fail=1
        fi
    done <<<"$lines"
done
echo "ran $ncmd documented commands ($nskip other shell lines skipped)"
[ "$ncmd" -ge 40 ] || { echo "FAIL: only $ncmd runnable commands found in the docs"; fail=1; }

# ---- 2. links ----------------------------------------------------------------
nlink=0
for page in $pages; do
    pdir=$(dirname "$ROOT/$page")
    # [text](target) and ![alt](target); skip URLs, mail and in-page anchors.
    while IFS= read -r target; do
        target=${target%%#*}
        [ -n "$target" ] || continue
        nlink=$((nlink + 1))
        [ -e "$pdir/$target" ] || { echo "FAIL: $page: broken link '$target'"; fail=1; }
    done < <(grep -oE '\]\([^) ]+\)' "$ROOT/$page" | sed -E 's/^\]\(//; s/\)$//' |
        grep -vE '^(https?:|mailto:|#)')
done
echo "checked $nlink relative links"

if [ $fail -ne 0 ]; then
    echo "docs.sh: FAILED"
    exit 1
fi
echo "docs.sh: every documented command runs and every link resolves"
