# tests/e2e/lib/poll.bash — waiting for a state (sourced, not a test itself).
#
#   wait_for SECONDS COMMAND...   run COMMAND every 20 ms until it succeeds;
#                                 1 if it never did within SECONDS
#   i64 FILE OFFSET               the little-endian int64 at byte OFFSET of
#                                 FILE (empty if it cannot be read): what a
#                                 test program publishes in a MAP_SHARED file
# A test waits for a state with an upper bound, never for a bare sleep.

wait_for() {
    local n=$(($1 * 50))
    shift
    for _ in $(seq "$n"); do "$@" && return 0; sleep 0.02; done
    return 1
}

i64() { od -An -t d8 -j "$2" -N 8 "$1" 2>/dev/null | tr -d ' '; }
