# tests/e2e/lib/scratch.bash — a test's scratch folder and failure count
# (sourced, not a test itself).
#
#   scratch NAME   make /tmp/cs-e2e-NAME-XXXXXX, cd into it, and on exit
#                  kill -9 the script's own background jobs a failure left
#                  running (and anything scratch_extra_cleanup, if the
#                  script defines it, kills), then remove the folder
#   fail TEXT...   print "FAIL: TEXT" and count it in $fails

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

scratch_cleanup() {
    local p
    for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done
    if declare -F scratch_extra_cleanup >/dev/null; then scratch_extra_cleanup; fi
    rm -rf "$tmp"
}

scratch() {
    tmp=$(mktemp -d "/tmp/cs-e2e-$1-XXXXXX") || exit 2
    trap scratch_cleanup EXIT
    cd "$tmp" || exit 1
}
