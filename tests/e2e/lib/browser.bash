# tests/e2e/lib/browser.bash — headless Chromium for the report and site
# tests (sourced, not a test itself).  Needs `work` set by the caller.
#
#   browser_shot FILE.html OUT.png WxH   a screenshot of a local page
#   browser_dom FILE.html                the page's DOM after it rendered (stdout)
#   browser_xvfb_start                   a private Xvfb for png_stats; call it in
#                                        the test's own shell (not in $(...)),
#                                        then browser_cleanup stops it
#   png_stats OUT.png [ARGS...]          tests/e2e/lib/png_stats.tcl on it
# Chromium runs with a fresh profile under $work each time (so calls may run
# in parallel), no sandbox (tests may run as root), no GPU; each call has 60 s.

browser_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
browser_xvfb=""
browser_display=""

browser_cmd() {
    command -v chromium >/dev/null || { echo "chromium missing (scripts/install-deps)" >&2; return 1; }
    timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --no-first-run --user-data-dir="$(mktemp -d "$work/chromium.XXXXXX")" "$@" \
        2>>"$work/chromium.log"
}

browser_shot() {
    rm -f "$2"
    browser_cmd --screenshot="$2" --window-size="${3/x/,}" "file://$(realpath "$1")" >/dev/null &&
        [ -s "$2" ]
}

browser_dom() {
    browser_cmd --dump-dom "file://$(realpath "$1")"
}

browser_xvfb_start() {
    [ -n "$browser_xvfb" ] && return 0
    local fifo num
    fifo=$(mktemp -u "$work/xvfb.XXXXXX")
    mkfifo "$fifo"
    Xvfb -displayfd 3 -screen 0 640x480x24 -nolisten tcp 3>"$fifo" >/dev/null 2>&1 &
    browser_xvfb=$!
    if ! read -r -t 15 num <"$fifo"; then
        echo "Xvfb did not start" >&2
        return 1
    fi
    browser_display=":$num"
}

png_stats() {
    [ -n "$browser_display" ] || { echo "png_stats: call browser_xvfb_start first" >&2; return 1; }
    DISPLAY=$browser_display timeout 60 wish "$browser_lib/png_stats.tcl" "$@"
}

browser_cleanup() {
    if [ -n "$browser_xvfb" ]; then
        kill "$browser_xvfb" 2>/dev/null
        wait "$browser_xvfb" 2>/dev/null
    fi
    browser_xvfb=""
}
