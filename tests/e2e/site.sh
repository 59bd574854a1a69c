#!/bin/bash
# tests/e2e/site.sh — `make site` (site/make-site.sh) builds the catalog
# site into a scratch folder, then:
#   - every pattern has a page, linked from the index, with the Go original,
#     the C, the program's output and one timeline SVG per variant
#   - no broken link: every href/src of every page names a file of the site
#     (and its #fragment an id in it); nothing outside the site is referred to
#   - every variant has its full report, and every report found its sources
#   - headless Chromium loads every page of the site (one screenshot of all
#     of them in iframes: each cell shows the site's top bar); the DOM of the
#     index and of one pattern page holds every SVG timeline of the file
# Needs chromium, Xvfb and wish (scripts/install-deps).
set -u
BIN=${BIN:-build/bin/chanscope}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
# shellcheck source=tests/e2e/lib/browser.bash
. "$(dirname "$0")/lib/browser.bash"
trap 'browser_cleanup; rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

site="$work/site"
BIN=$BIN OUT=$site JOBS=2 bash "$src/site/make-site.sh" 2>"$work/make-site.err" ||
    fail "make-site: $(tail -5 "$work/make-site.err")"
[ -f "$site/index.html" ] || { fail "no index.html"; exit 1; }

# every pattern: a page, in the index, with its parts
npat=0
for pj in "$src"/patterns/*/pattern.json; do
    n=$(basename "$(dirname "$pj")")
    npat=$((npat + 1))
    p="$site/$n.html"
    [ -f "$p" ] || { fail "$n: no page"; continue; }
    grep -q "href=\"$n.html\"" "$site/index.html" || fail "$n: not in the index"
    grep -q '<pre class="code go">' "$p" || fail "$n: no Go original"
    grep -q '<pre class="code c">' "$p" || fail "$n: no C"
    grep -q '<pre class="out">' "$p" || fail "$n: no output"
    nv=$(sqlite3 :memory: "select json_array_length(readfile('$pj'), '\$.variants')")
    ns=$(grep -c '^<svg ' "$p")
    [ "$ns" = "$nv" ] || fail "$n: $ns timelines for $nv variants"
done
[ "$npat" -ge 1 ] || fail "no pattern found"
missing=$(grep -l "source file not found" "$site"/*/*.report.html)
[ -z "$missing" ] || fail "reports without their sources: $missing"
[ "$(find "$site" -name "*.report.html" | wc -l)" -ge "$npat" ] || fail "too few full reports"

# links: every href/src names a file of the site (and an id for #frag)
nlinks=0
while IFS= read -r page; do
    dir=$(dirname "$page")
    while IFS= read -r ref; do
        nlinks=$((nlinks + 1))
        case $ref in
        *://* | //* | mailto:*) fail "${page#"$site"/} refers outside the site: $ref"; continue ;;
        esac
        file=${ref%%#*}
        frag=""
        [[ $ref == *#* ]] && frag=${ref#*#}
        target=$page
        [ -n "$file" ] && target="$dir/$file"
        if [ ! -f "$target" ]; then
            fail "${page#"$site"/}: broken link $ref"
        elif [ -n "$frag" ] && ! grep -q "id=\"$frag\"" "$target"; then
            fail "${page#"$site"/}: $ref: no id \"$frag\" there"
        fi
    done < <(grep -oE '(href|src)="[^"]*"' "$page" | sed -E 's/^(href|src)="(.*)"$/\2/')
done < <(find "$site" -name '*.html')
[ "$nlinks" -ge "$npat" ] || fail "only $nlinks links in the whole site"

# Chromium loads every page of the site at once (the pattern pages, the
# index and every variant's full report): one screenshot of a grid
# of iframes, one per page; every cell must show the site's blue top bar
# (style.css loaded, the page rendered; an error page has no such bar)
pages=()
while IFS= read -r p; do pages+=("$p"); done < <(cd "$site" && find . -name "*.html" | sort)
cols=6
rows=$(((${#pages[@]} + cols - 1) / cols))
{
    echo '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
    echo 'body{margin:0;background:#fff}iframe{position:absolute;width:300px;height:240px;border:0}'
    echo '</style></head><body>'
    for i in "${!pages[@]}"; do
        printf '<iframe src="file://%s/%s" style="left:%dpx;top:%dpx"></iframe>\n' "$site" \
            "${pages[$i]#./}" $((i % cols * 320)) $((i / cols * 260))
    done
    echo '</body></html>'
} >"$work/all.html"
browser_xvfb_start || fail "no Xvfb for reading screenshots"
if browser_shot "$work/all.html" "$work/all.png" "$((cols * 320))x$((rows * 260))"; then
    read -r -a cells <<<"$(png_stats "$work/all.png" "${cols}x$rows" '#2a6fb0')"
    for i in "${!pages[@]}"; do
        [ "${cells[$i]:-0}" -ge 5 ] || fail "${pages[$i]#./}: not rendered (no top bar in its cell)"
    done
else
    fail "chromium made no screenshot of the site's pages"
fi
[ -n "${KEEP_SHOTS:-}" ] && cp "$work/all.png" "$KEEP_SHOTS/site-all.png"

# and the DOM Chromium builds for the index and one pattern page holds
# every SVG timeline of the file
for page in "$site/index.html" "$site/pipeline.html"; do
    dom=$(browser_dom "$page") || { fail "chromium could not load ${page##*/}"; continue; }
    want=$(grep -c '<svg ' "$page")
    got=$(grep -o '<svg ' <<<"$dom" | wc -l)
    [ "$got" = "$want" ] || fail "${page##*/}: $got SVGs rendered, $want in the file"
    grep -q '</html>' <<<"$dom" || fail "${page##*/}: no complete DOM"
done

[ "$fails" = 0 ] && echo "site: ok ($npat pattern pages, $nlinks links)" && exit 0
exit 1
