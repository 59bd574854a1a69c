#!/bin/bash
# tests/e2e/graceful_shutdown.sh — the graceful-shutdown pattern is a real
# server: real HTTP requests on loopback, a real signal mid-request.
#
#   1. `main --serve --port=0` prints "listening on 127.0.0.1:PORT".
#   2. GET /health answers 200.
#   3. A GET /slow (1.5 s) is sent and seen in flight in the server's log.
#   4. SIGTERM: the server logs "listener closed"; from then on a new
#      connection is refused, while the slow request is still running.
#   5. The in-flight request completes with 200 and its body.
#   6. The server exits 0 by itself, having drained.
#   7. The same with SIGINT and nothing in flight: a prompt exit 0.
#
# HTTP is spoken with bash's /dev/tcp (curl may not be installed).  Every
# wait is bounded; the trap kills whatever is left.
set -u
BUILD=${BUILD:-build}
PROG=${PROG:-$BUILD/patterns/graceful-shutdown/main}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

fail=0
failed() {
    echo "FAIL: $*"
    [ -f "$work/server.log" ] && sed 's/^/       | /' "$work/server.log" | tail -n 15
    fail=1
}

if [ ! -x "$PROG" ]; then
    echo "FAIL: $PROG is not built (make patterns)"
    exit 1
fi

# wait_for FILE PATTERN SECONDS: until a line of FILE matches, or time is up.
wait_for() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# http_get PORT PATH OUTFILE: one request, the whole response in OUTFILE.
# Fails (status 1) when the connection cannot be made.
http_get() {
    timeout 10 bash -c '
        exec 3<>/dev/tcp/127.0.0.1/"$1" || exit 1
        printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$2" "$1" >&3
        cat <&3' _ "$1" "$2" >"$3" 2>/dev/null
}

# can_connect PORT: a TCP connection to 127.0.0.1:PORT is accepted.
can_connect() {
    timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/"$1"' _ "$1" 2>/dev/null
}

# wait_exit PID SECONDS: the process ended in time; its status in $exit_status.
wait_exit() {
    local deadline=$((SECONDS + $2))
    while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    if kill -0 "$1" 2>/dev/null; then return 1; fi
    wait "$1"
    exit_status=$?
    return 0
}

start_server() {
    : >"$work/server.log"
    "$PROG" --serve --port=0 --slow-ms=1500 >"$work/server.log" 2>&1 &
    server=$!
    pids+=("$server")
    if ! wait_for "$work/server.log" "listening on 127.0.0.1:" 5; then
        failed "the server did not report its port"
        return 1
    fi
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
    [ -n "$port" ] || { failed "no port in the server's first line"; return 1; }
}

# ---- SIGTERM with a request in flight ---------------------------------------
if start_server; then
    if http_get "$port" /health "$work/health" && grep -q "^HTTP/1.1 200" "$work/health"; then
        echo "ok   GET /health -> 200"
    else
        failed "GET /health did not answer 200: $(head -n 1 "$work/health" 2>/dev/null)"
    fi

    http_get "$port" /slow "$work/slow" &
    slow_client=$!
    pids+=("$slow_client")
    if ! wait_for "$work/server.log" "request GET /slow" 5; then
        failed "the slow request never reached the handler"
    fi

    kill -TERM "$server"
    if wait_for "$work/server.log" "listener closed" 5; then
        echo "ok   SIGTERM: the server stopped listening"
    else
        failed "no 'listener closed' after SIGTERM"
    fi

    # Mid-drain: the slow request is still running, new connections refused.
    if ! kill -0 "$slow_client" 2>/dev/null; then
        failed "the slow request finished before the drain could be observed"
    elif ! kill -0 "$server" 2>/dev/null; then
        failed "the server exited with a request still in flight"
    elif can_connect "$port"; then
        failed "a new connection was accepted during the drain"
    else
        echo "ok   during the drain: new connection refused, slow request still running"
    fi

    if wait_exit "$slow_client" 10 && [ "$exit_status" = 0 ] &&
        grep -q "^HTTP/1.1 200" "$work/slow" && grep -q "slow done" "$work/slow"; then
        echo "ok   the in-flight request completed: 200 slow done"
    else
        failed "the in-flight request did not complete with 200:" \
            "$(head -n 1 "$work/slow" 2>/dev/null)"
    fi

    if wait_exit "$server" 10; then
        if [ "$exit_status" = 0 ] && grep -q "drained in" "$work/server.log"; then
            echo "ok   the server drained and exited 0"
        else
            failed "the server exited $exit_status without reporting a drain"
        fi
    else
        failed "the server did not exit within 10 s of SIGTERM"
    fi
    if can_connect "$port"; then failed "port $port still accepts after exit"; fi
fi

# ---- SIGINT, nothing in flight ------------------------------------------------
if start_server; then
    kill -INT "$server"
    if wait_exit "$server" 5 && [ "$exit_status" = 0 ] &&
        grep -q "got SIGINT" "$work/server.log"; then
        echo "ok   SIGINT with nothing in flight: prompt exit 0"
    else
        failed "SIGINT: the server did not exit 0 promptly"
    fi
fi

exit $fail
