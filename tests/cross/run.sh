#!/bin/bash
# tests/cross/run.sh — run the aarch64 build under qemu-user and compare it
# with the native one (`make cross-aarch64`, tests/cross.mk).
#
#   RUN="qemu-aarch64 -L /usr/aarch64-linux-gnu" BUILD=build \
#       bash tests/cross/run.sh [PATTERN/VARIANT ...]
#
# 1. every check of switch_check (tests/cross/switch_check.c), each in its own
#    process under timeout(1), on the aarch64 build and on the native one;
# 2. "overflow": Go's stack-overflow message and exit status 2;
# 3. "det": CHANSCOPE_SEED=1 twice gives the same output, seed 2 another one,
#    and the native build gives the same output for seed 1 (the scheduler's
#    choices do not depend on the architecture);
# 4. each PATTERN/VARIANT given, aarch64 beside native, both with
#    CHANSCOPE_SEED=7 (deterministic mode: output and status must match).
# Prints one line per check; exits 1 if any failed.
set -u
RUN=${RUN:?RUN=the emulator command}
BUILD=${BUILD:-build}
A64=$BUILD/aarch64
T=${CROSS_TIMEOUT:-300}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failed=1; }

# [VAR=value...] run OUT ERR PROG ARGS...: the program under the emulator
# with a timeout (the assignments are in its environment);
# status in $rc.
run() {
    local out=$1 err=$2
    shift 2
    timeout -k 5 "$T" $RUN "$@" >"$out" 2>"$err"
    rc=$?
}

$RUN "$A64/tests/switch_check" 2>/dev/null # (usage; proves the emulator runs)
if [ $? -ne 2 ]; then
    echo "FAIL the emulator does not run $A64/tests/switch_check ($RUN)"
    exit 1
fi
echo "aarch64 under: $RUN ($($RUN --version | head -n 1))"

# 1. the checks that exit 0 with "ok NAME": aarch64, then native (the
#    checks themselves are right where the switch is known to work)
for arch in aarch64 native; do
    for check in pingpong many select timers mutex deep regs; do
        if [ "$arch" = aarch64 ]; then
            CHANSCOPE_MAXPROCS=4 CHANSCOPE_STACK=256k run "$tmp/out" "$tmp/err" "$A64/tests/switch_check" "$check"
        else
            CHANSCOPE_MAXPROCS=4 CHANSCOPE_STACK=256k timeout -k 5 "$T" \
                "$BUILD/tests/switch_check" "$check" >"$tmp/out" 2>"$tmp/err"
            rc=$?
        fi
        if [ "$rc" -eq 0 ] && grep -q "^ok $check:" "$tmp/out"; then
            pass "$arch $(grep "^ok $check:" "$tmp/out" | sed 's/^ok //')"
        else
            fail "$arch $check: status $rc"
            sed 's/^/    /' "$tmp/out" "$tmp/err" | head -n 20
        fi
    done
done

# 2. stack overflow in a goroutine
CHANSCOPE_STACK=256k run "$tmp/out" "$tmp/err" "$A64/tests/switch_check" overflow
if [ "$rc" -eq 2 ] && grep -q '^fatal error: stack overflow$' "$tmp/err" &&
    grep -q '^runtime: goroutine stack exceeds 262144-byte limit$' "$tmp/err" &&
    grep -A1 '^goroutine 2 \[running\]:$' "$tmp/err" | grep -q '^deep()$'; then
    pass "overflow: Go's fatal error: stack overflow, exit 2"
else
    fail "overflow: status $rc (want 2 and Go's message)"
    sed 's/^/    /' "$tmp/out" "$tmp/err" | head -n 20
fi

# 3. deterministic mode
det() { # det SEED BINARY OUT
    if [ "$2" = native ]; then
        CHANSCOPE_SEED=$1 timeout -k 5 "$T" "$BUILD/tests/switch_check" det >"$3" 2>&1
    else
        CHANSCOPE_SEED=$1 timeout -k 5 "$T" $RUN "$A64/tests/switch_check" det >"$3" 2>&1
    fi
}
det 1 a64 "$tmp/d1" && det 1 a64 "$tmp/d1b" && det 2 a64 "$tmp/d2" && det 1 native "$tmp/n1"
if ! grep -q '^ok det:' "$tmp/d1"; then
    fail "det: the run failed"
    sed 's/^/    /' "$tmp/d1" | head -n 20
elif ! cmp -s "$tmp/d1" "$tmp/d1b"; then
    fail "det: CHANSCOPE_SEED=1 gave two different outputs"
    diff "$tmp/d1" "$tmp/d1b" | head -n 20
elif cmp -s "$tmp/d1" "$tmp/d2"; then
    fail "det: seeds 1 and 2 gave the same interleaving (is the schedule seeded?)"
elif ! cmp -s "$tmp/d1" "$tmp/n1"; then
    fail "det: CHANSCOPE_SEED=1 differs between aarch64 and native"
    diff "$tmp/n1" "$tmp/d1" | head -n 20
else
    pass "det: CHANSCOPE_SEED=1 twice identical, = native, seed 2 differs"
fi

# 4. catalog variants, aarch64 beside native
for p in "$@"; do
    CHANSCOPE_SEED=7 run "$tmp/a.out" "$tmp/a.err" "$A64/patterns/$p"
    arc=$rc
    CHANSCOPE_SEED=7 timeout -k 5 "$T" "$BUILD/patterns/$p" >"$tmp/n.out" 2>"$tmp/n.err"
    nrc=$?
    if [ "$arc" -ne "$nrc" ]; then
        fail "pattern $p: status $arc on aarch64, $nrc native"
        sed 's/^/    /' "$tmp/a.out" "$tmp/a.err" | head -n 20
    elif ! cmp -s "$tmp/a.out" "$tmp/n.out" || ! cmp -s "$tmp/a.err" "$tmp/n.err"; then
        fail "pattern $p: output differs (CHANSCOPE_SEED=7)"
        diff "$tmp/n.out" "$tmp/a.out" | head -n 10
        diff "$tmp/n.err" "$tmp/a.err" | head -n 10
    else
        pass "pattern $p: status $arc, $(wc -l <"$tmp/a.out") lines of output, = native (seed 7)"
    fi
done

[ "$failed" -eq 0 ] && echo "cross-aarch64: all passed" || echo "cross-aarch64: FAILED"
exit "$failed"
