#!/bin/bash
# site/make-site.sh — `make site`: a static site of the catalog, in the
# spirit of Go by Example (see site/build.mk and docs/architecture.md).
#
#   BIN=build/bin/chanscope OUT=build/site bash site/make-site.sh
#
# Every variant of every pattern is run traced (JOBS at a time, TIMEOUT s
# each), then per pattern one page: the Go original (the ```go block of
# docs/patterns/NAME.md) beside the C (patterns/NAME/main.c), the program's
# output, the timeline of main, and per misuse variant its summary, source,
# output, timeline and findings, with a link to its full `chanscope report`.
# Plus index.html and style.css.  Only local links; no script.
#
# Layout of OUT:
#   index.html  style.css  NAME.html
#   NAME/VARIANT.svg          the timeline (`chanscope view --svg`)
#   NAME/VARIANT.report.html  the full report (`chanscope report`)
# The traces go to OUT-traces/ (not part of the site).
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$src/build/bin/chanscope}
OUT=${OUT:-$src/build/site}
JOBS=${JOBS:-2}
TIMEOUT=${TIMEOUT:-20}
traces="$OUT-traces"
command -v sqlite3 >/dev/null || { echo "make site: sqlite3 missing" >&2; exit 1; }
[ -x "$BIN" ] || { echo "make site: $BIN not built (make all)" >&2; exit 1; }

rm -rf "$OUT" "$traces"
mkdir -p "$OUT" "$traces" || exit 1

esc() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
# j FILE PATH: a JSON value of FILE (sqlite3's json functions)
j() { sqlite3 :memory: "select json_extract(readfile('$1'), '$2')"; }

patterns=()
for d in "$src"/patterns/*/; do
    n=$(basename "$d")
    [ -f "$d/pattern.json" ] && patterns+=("$n")
done
[ "${#patterns[@]}" -gt 0 ] || { echo "make site: no pattern under $src/patterns" >&2; exit 1; }

# ---- run every variant (JOBS at a time) -----------------------------------
run_one() { # NAME/VARIANT
    local spec=$1 name=${1%/*} var=${1#*/}
    local db="$traces/$name-$var.db"
    mkdir -p "$OUT/$name"
    # from the traces folder, so that the output shown says just NAME-VARIANT.db
    (cd "$traces" && timeout -k 3 "$TIMEOUT" "$BIN" run "$spec" -o "$name-$var.db") \
        >"$traces/$name-$var.out" 2>&1
    echo $? >"$traces/$name-$var.rc"
    "$BIN" check "$db" --json >"$traces/$name-$var.json" 2>/dev/null
    "$BIN" view "$db" --svg "$OUT/$name/$var.svg" 2>>"$traces/errors.txt"
    (cd "$traces" && "$BIN" report "$name-$var.db" --title "$name / $var" \
        -o "$OUT/$name/$var.report.html") 2>>"$traces/errors.txt"
    return 0
}
export -f run_one
export BIN OUT TIMEOUT traces
specs=()
for n in "${patterns[@]}"; do
    while read -r v; do specs+=("$n/$v"); done < <(sqlite3 :memory: \
        "select json_extract(value, '\$.name') from
         json_each(readfile('$src/patterns/$n/pattern.json'), '\$.variants')")
done
echo "make site: running ${#specs[@]} variants, $JOBS at a time" >&2
printf '%s\n' "${specs[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one "$1"' _ {}

# ---- pages ------------------------------------------------------------------
cp "$src/site/style.css" "$OUT/style.css"

head_html() { # TITLE
    printf '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
    printf '<meta name="viewport" content="width=device-width">\n'
    printf '<title>%s</title>\n<link rel="stylesheet" href="style.css"></head>\n<body>\n' \
        "$(printf '%s' "$1" | esc)"
}

# The first ```go block of a Markdown file.
go_block() { awk '/^```go/ {on=1; next} on && /^```/ {exit} on {print}' "$1"; }

findings_html() { # JSON
    local f=$1
    if [ ! -s "$f" ]; then
        echo '<p class="missing">no analysis (the run left no readable trace)</p>'
        return
    fi
    local n
    n=$(sqlite3 :memory: "select json_array_length(readfile('$f'), '\$.findings')")
    if [ "${n:-0}" = 0 ]; then
        echo '<p class="clean">chanscope check: no findings</p>'
        return
    fi
    echo '<ul class="findings">'
    sqlite3 -separator $'\t' :memory: "select json_extract(value,'\$.kind'),
        replace(json_extract(value,'\$.title'), char(9), ' '),
        replace(replace(coalesce(json_extract(value,'\$.fix'),''), char(9), ' '), char(10), ' ')
        from json_each(readfile('$f'), '\$.findings')" |
        while IFS=$'\t' read -r kind title fix; do
            printf '<li><span class="kind">%s</span> %s' "$(printf '%s' "$kind" | esc)" \
                "$(printf '%s' "$title" | esc)"
            [ -n "$fix" ] && printf '<br><b>Fix:</b> %s' "$(printf '%s' "$fix" | esc)"
            printf '</li>\n'
        done
    echo '</ul>'
}

variant_html() { # NAME VARIANT
    local name=$1 var=$2 t="$traces/$1-$2"
    echo '<h3>Output</h3>'
    printf '<pre class="out">%s</pre>\n' "$(head -c 4000 "$t.out" | esc)"
    echo '<h3>Timeline</h3><div class="timeline">'
    if [ -s "$OUT/$name/$var.svg" ]; then
        tail -n +2 "$OUT/$name/$var.svg"
    else
        echo '<p class="missing">no timeline (the run left no readable trace)</p>'
    fi
    echo '</div>'
    echo '<h3>Findings</h3>'
    findings_html "$t.json"
    [ -s "$OUT/$name/$var.report.html" ] &&
        printf '<p><a href="%s/%s.report.html">Full report: findings, sources and timeline</a></p>\n' \
            "$name" "$var"
}

pattern_page() { # NAME PREV NEXT
    local name=$1 prev=$2 next=$3 pj="$src/patterns/$1/pattern.json"
    local title summary
    title=$(j "$pj" '$.title')
    summary=$(j "$pj" '$.summary')
    head_html "$title — chanscope by example"
    printf '<p class="crumbs"><a href="index.html">chanscope by example</a> / %s</p>\n' "$name"
    printf '<h1>%s</h1>\n<p class="summary">%s</p>\n' "$(printf '%s' "$title" | esc)" \
        "$(printf '%s' "$summary" | esc)"
    printf '<p class="concepts">Go concepts: %s</p>\n' "$(sqlite3 :memory: "select group_concat(
        value, ' · ') from json_each(readfile('$pj'), '\$.concepts')" | esc)"
    echo '<div class="sidebyside"><div><h2>Go</h2>'
    if [ -f "$src/docs/patterns/$name.md" ]; then
        printf '<pre class="code go">%s</pre>\n' "$(go_block "$src/docs/patterns/$name.md" | esc)"
    else
        echo '<p class="missing">no Go original (docs/patterns/'"$name"'.md)</p>'
    fi
    echo '</div><div><h2>C with chanscope</h2>'
    printf '<pre class="code c">%s</pre>\n' "$(esc <"$src/patterns/$name/main.c")"
    echo '</div></div>'
    echo '<h2>Running it</h2>'
    printf '<p><code>chanscope run %s</code></p>\n' "$name"
    variant_html "$name" main
    local vs
    vs=$(sqlite3 -separator $'\t' :memory: "select json_extract(value,'\$.name'),
        json_extract(value,'\$.file'), coalesce(json_extract(value,'\$.summary'),''),
        coalesce((select group_concat(e.value, ', ') from json_each(v.value, '\$.expect') e),''),
        coalesce(json_extract(value,'\$.build'),'')
        from json_each(readfile('$pj'), '\$.variants') v where json_extract(value,'\$.name') <> 'main'")
    if [ -n "$vs" ]; then
        echo '<h2>Misuse variants</h2>'
        while IFS=$'\t' read -r var file vsum expect build; do
            printf '<section class="variant" id="%s"><h2 class="vname">%s</h2>\n' "$var" "$var"
            printf '<p>%s</p>\n' "$(printf '%s' "$vsum" | esc)"
            [ -n "$expect" ] && printf '<p class="expect">chanscope should find: %s</p>\n' \
                "$(printf '%s' "$expect" | esc)"
            printf '<p><code>chanscope run %s/%s</code></p>\n' "$name" "$var"
            [ "$build" = race ] && printf '<p>Built with the race build, no marks: <code>chanscope run --race patterns/%s/%s</code> (docs/races.md).</p>\n' \
                "$name" "$(printf '%s' "$file" | esc)"
            printf '<details><summary>%s</summary><pre class="code c">%s</pre></details>\n' \
                "$(printf '%s' "$file" | esc)" "$(esc <"$src/patterns/$name/$file")"
            variant_html "$name" "$var"
            echo '</section>'
        done <<<"$vs"
    fi
    echo '<p class="nav">'
    [ -n "$prev" ] && printf '<a href="%s.html">← %s</a> · ' "$prev" "$prev"
    printf '<a href="index.html">all patterns</a>'
    [ -n "$next" ] && printf ' · <a href="%s.html">%s →</a>' "$next" "$next"
    echo '</p></body></html>'
}

for i in "${!patterns[@]}"; do
    n=${patterns[$i]}
    prev=""; next=""
    [ "$i" -gt 0 ] && prev=${patterns[$((i - 1))]}
    [ "$((i + 1))" -lt "${#patterns[@]}" ] && next=${patterns[$((i + 1))]}
    pattern_page "$n" "$prev" "$next" >"$OUT/$n.html"
done

{
    head_html "chanscope by example"
    echo '<h1>chanscope by example</h1>'
    echo '<p class="summary">Go concurrency patterns written in C with chanscope, each beside its Go'
    echo 'original, run traced; with the mistakes people make in them and what'
    echo '<code>chanscope check</code> says about each.</p>'
    echo '<table class="index"><tr><th>pattern</th><th>what it shows</th><th>misuse variants</th></tr>'
    for n in "${patterns[@]}"; do
        pj="$src/patterns/$n/pattern.json"
        printf '<tr><td><a href="%s.html">%s</a></td><td>%s</td><td>' "$n" \
            "$(j "$pj" '$.title' | esc)" "$(j "$pj" '$.summary' | esc)"
        sqlite3 :memory: "select json_extract(value,'\$.name') from json_each(readfile('$pj'),
            '\$.variants') where json_extract(value,'\$.name') <> 'main'" |
            while read -r v; do printf '<a href="%s.html#%s">%s</a> ' "$n" "$v" "$v"; done
        printf '</td></tr>\n'
    done
    echo '</table>'
    printf '<p class="nav">Made by <code>make site</code> from the chanscope source tree.</p>\n'
    echo '</body></html>'
} >"$OUT/index.html"

if [ -s "$traces/errors.txt" ]; then
    echo "make site: some variants could not be rendered:" >&2
    cat "$traces/errors.txt" >&2
    exit 1
fi
echo "make site: $OUT/index.html (${#patterns[@]} patterns, ${#specs[@]} variants)" >&2
