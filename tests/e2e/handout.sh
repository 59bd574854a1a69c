#!/bin/bash
# tests/e2e/handout.sh — `make handout` (docs/build.mk), cheaply: one exercise
# sheet and the course guide as HTML, and one PDF.  pandoc is optional (not in
# scripts/deps.txt: only teachers need it), so without it this test says SKIP;
# without chromium the PDF part says SKIP.
#   - the sheet is standalone: its picture embedded (data: URI), no link to a
#     Markdown file left, and no "What it teaches" (it names the fix);
#   - the course guide has its table of contents;
#   - the PDF starts with %PDF and is not tiny.
set -u
cd "$(dirname "$0")/../.."
if ! command -v pandoc >/dev/null; then
    echo "handout.sh: SKIP (pandoc not installed: apt-get install pandoc)"
    exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
say_fail() { echo "FAIL: $*"; fail=1; }
sheet=$out/handout/exercises/01-leaked-goroutine.html
make -s BUILD="$out" "$sheet" "$out/handout/course.html" >"$out/log" 2>&1 ||
    { say_fail "make handout pages: $(tail -5 "$out/log")"; }
if [ -f "$sheet" ]; then
    grep -q 'src="data:image/png' "$sheet" || say_fail "sheet: viewer.png not embedded"
    grep -q 'href="[^"]*\.md"' "$sheet" && say_fail "sheet: a link to a .md file is left"
    grep -q 'What it teaches' "$sheet" && say_fail "sheet: shows 'What it teaches' (the fix)"
    grep -q 'Your task' "$sheet" || say_fail "sheet: no 'Your task'"
fi
grep -q 'id="TOC"' "$out/handout/course.html" 2>/dev/null || say_fail "course.html: no table of contents"
chromium=$(command -v chromium || command -v chromium-browser)
if [ -n "$chromium" ] && [ -f "$sheet" ]; then
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
        --print-to-pdf="$out/sheet.pdf" "file://$sheet" >/dev/null 2>&1
    [ "$(head -c 4 "$out/sheet.pdf" 2>/dev/null)" = "%PDF" ] && [ "$(stat -c %s "$out/sheet.pdf")" -gt 20000 ] ||
        say_fail "sheet PDF missing or tiny"
else
    echo "handout.sh: PDF part SKIP (no chromium)"
fi
[ $fail -eq 0 ] || { echo "handout.sh: FAILED"; exit 1; }
echo "handout.sh: ok"
