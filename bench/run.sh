#!/usr/bin/env bash
# bench/run.sh — run the C and Go workloads side by side, several times each
# (every run a fresh process), take min and median, fold in the figures that
# the tracer/analyzer/viewer bench targets left in $BUILD/bench-*.json, print
# one table and write the same as $BUILD/bench.json.
#
#   bench/run.sh [BUILD]            (`make bench` builds and calls this)
#
# Needs $BUILD/bench/bench-c; $BUILD/bench/bench-go is optional (without it
# the Go column says n/a).  bash, awk (mawk is enough), sort, timeout, date;
# sqlite3 only to count the events of the traced run.
#
# Environment knobs (for tuning sessions; defaults are what `make bench` does):
#   BENCH_RUNS=5          runs per workload and language
#   BENCH_TRACE_RUNS=5    runs of the pool with tracing off and on (alternated;
#                         the Go pool with and without runtime/trace beside)
#   BENCH_WORKLOADS="pingpong spsc ..."   a subset (default: all; the rows
#                         under load are named pingpong/loaded, pool/loaded)
#   BENCH_NO_TRACE=1      skip the tracing on/off runs
#   BENCH_NO_ABLATION=1   skip the runs with CHANSCOPE_DEBUG=nospin/norunnext
#   BENCH_TIMEOUT=120     seconds before one run counts as failed
#   BENCH_LOAD=2          busy processes running beside the */loaded rows
#
# Rows beyond the workloads of bench-c list:
#   parked               also gives a peak-RSS row (each BENCH line carries
#                        rss_kb); it runs without warm-up
#   pingpong/loaded, pool/loaded   the same workloads while BENCH_LOAD busy
#                        processes (shell loops, started and killed here) keep
#                        the cores busy: a loaded machine is where a 1:1
#                        runtime collapses
# A workload whose C or Go run fails (a crash, a timeout, the runtime's own
# fatal error) is not run again in that language; the row says "fail" and
# the reason (the last line of its stderr) is printed under the table and
# kept in the JSON's "failures".
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
cbin=$build/bench/bench-c
gobin=$build/bench/bench-go
runs=${BENCH_RUNS:-5}
trace_runs=${BENCH_TRACE_RUNS:-5}
limit=${BENCH_TIMEOUT:-120}
out_json=$build/bench.json

if [ ! -x "$cbin" ]; then
    echo "bench: $cbin is missing (run: make bench)" >&2
    exit 2
fi
case $runs$trace_runs in *[!0-9]*)
    echo "bench: BENCH_RUNS and BENCH_TRACE_RUNS must be positive integers" >&2
    exit 2;;
esac
if [ "$runs" -lt 1 ] || [ "$trace_runs" -lt 1 ]; then
    echo "bench: BENCH_RUNS and BENCH_TRACE_RUNS must be at least 1" >&2
    exit 2
fi
have_go=0
[ -x "$gobin" ] && have_go=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chanscope-bench.XXXXXX") || exit 2
tracedb=$build/bench/pool-trace.db
gotrace=$build/bench/pool-trace-go.out
load_pids=()
stop_load() {
    local p
    for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${load_pids[@]}"; do wait "$p" 2>/dev/null; done
    load_pids=()
}
# start_load N: N busy processes, each one spinning a core until stop_load.
start_load() {
    local i
    for ((i = 0; i < $1; i++)); do
        bash -c 'while :; do :; done' &
        load_pids+=($!)
    done
}
cleanup() {
    stop_load
    rm -rf "$tmp"
    rm -f "$tracedb" "$tracedb-wal" "$tracedb-shm" "$tracedb-journal"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
samples=$tmp/samples   # lines: "<key> <value>", key = c.<wl> | go.<wl> | trace.off | trace.on
                       #   | gotrace.off | gotrace.on (Go's runtime/trace on the same pool)
: >"$samples"            #   and c.<wl>.rss | go.<wl>.rss (peak RSS, kB)
failures=$tmp/failures  # lines: "<lang>.<wl><TAB><reason>"
: >"$failures"
load=${BENCH_LOAD:-2}
case $load in '' | *[!0-9]*) echo "bench: BENCH_LOAD must be a number" >&2; exit 2 ;; esac

# Ratio goals (C/Go; "trace" is traced/untraced): issue 11's for the M:N
# runtime, issue 13's for tracing.
goal_of() {
    case $1 in
    pingpong | spsc | pool) echo 1.0 ;;
    mpmc | select | spawn | mutex) echo 1.5 ;;
    parked | parked.rss | pingpong/loaded | pool/loaded) echo 2 ;;
    trace) echo 1.3 ;;
    *) echo "" ;;
    esac
}

# Workloads and op counts: the C binary is the reference list.
if ! wl_list=$("$cbin" list); then
    echo "bench: $cbin list failed" >&2
    exit 2
fi
# The rows under load: the same workloads, run with busy processes beside.
wl_list=$(printf '%s\n' "$wl_list" | awk '{print} $1 == "pingpong" || $1 == "pool" {l[++n] = $1 "/loaded " $2}
    END {for (i = 1; i <= n; i++) print l[i]}')
if [ -n "${BENCH_WORKLOADS:-}" ]; then
    for w in $BENCH_WORKLOADS; do
        printf '%s\n' "$wl_list" | awk -v w="$w" '$1 == w {f = 1} END {exit !f}' || {
            echo "bench: unknown workload '$w' (known: $(printf '%s\n' "$wl_list" | awk '{printf "%s ", $1}'))" >&2
            exit 2
        }
    done
    wl_list=$(printf '%s\n' "$wl_list" | awk -v sel=" $BENCH_WORKLOADS " 'index(sel, " " $1 " ")')
fi

now_ns() { date +%s%N; }

# run_one LANG BIN WORKLOAD OPS [KEY]: one fresh process; appends its ns/op
# as sample KEY (default LANG.WORKLOAD).
run_one() {
    local lang=$1 bin=$2 wl=$3 ops=$4 key=${5:-$1.$3} line ns rss rc
    line=$(timeout "$limit" "$bin" "$wl" "$ops" 2>"$tmp/err")
    rc=$?
    if [ $rc != 0 ]; then
        local why
        why=$(tail -n 1 "$tmp/err")
        [ $rc = 124 ] && why="timed out after ${limit}s"
        [ -n "$why" ] || why="exit status $rc"
        echo "bench: $lang $wl failed: $why" >&2
        printf '%s\t%s\n' "$key" "$why" >>"$failures"
        return 1
    fi
    ns=$(printf '%s\n' "$line" | awk '/^BENCH /{for (i = 2; i <= NF; i++) if ($i ~ /^ns_op=/) print substr($i, 7)}')
    if [ -z "$ns" ]; then
        echo "bench: $lang $wl printed no BENCH line" >&2
        printf '%s\t%s\n' "$key" "printed no BENCH line" >>"$failures"
        return 1
    fi
    echo "$key $ns" >>"$samples"
    rss=$(printf '%s\n' "$line" | awk '/^BENCH /{for (i = 2; i <= NF; i++) if ($i ~ /^rss_kb=/) print substr($i, 8)}')
    [ -z "$rss" ] || echo "$key.rss $rss" >>"$samples"
}
failed() { grep -q "^$1	" "$failures"; }

nwl=$(printf '%s\n' "$wl_list" | awk 'NF' | wc -l)
echo "bench: $nwl workloads x $runs runs, C$([ $have_go = 1 ] && echo ' and Go' || echo ' only (Go not available)')" >&2
while read -r wl ops; do
    [ -n "$wl" ] || continue
    printf 'bench: %-9s' "$wl" >&2
    base=${wl%/loaded}
    [ "$base" = "$wl" ] || start_load "$load"
    # parked measures n goroutines' peak RSS: no warm-up batch before them
    warm=""
    [ "$wl" = parked ] && warm=0
    # C and Go alternate so that both see the same machine noise.
    for ((r = 1; r <= runs; r++)); do
        failed "c.$wl" || { BENCH_WARMUP=${warm:-${BENCH_WARMUP:-}} run_one c "$cbin" "$base" "$ops" "c.$wl" && printf ' c' >&2; }
        # os-*: the kernel's floor, switch: the context switch; C only
        if [ $have_go = 1 ] && [ "${wl#os-}" = "$wl" ] && [ "$wl" != switch ] && ! failed "go.$wl"; then
            BENCH_WARMUP=${warm:-${BENCH_WARMUP:-}} run_one go "$gobin" "$base" "$ops" "go.$wl" && printf ' go' >&2
        fi
    done
    stop_load
    echo >&2
done <<<"$wl_list"

# Design choices switched off (CHANSCOPE_DEBUG, runtime/scheduler.h), C
# only: what spinning Ms and the runnext slot buy.  BENCH_NO_ABLATION=1 skips.
ablations="pingpong:nospin pool:nospin pingpong:norunnext"
if [ "${BENCH_NO_ABLATION:-0}" != 1 ]; then
    for ab in $ablations; do
        wl=${ab%%:*} flag=${ab#*:}
        ops=$(printf '%s\n' "$wl_list" | awk -v w="$wl" '$1 == w {print $2}')
        [ -n "$ops" ] || continue
        printf 'bench: %-9s' "$wl/$flag" >&2
        for ((r = 1; r <= runs; r++)); do
            CHANSCOPE_DEBUG=$flag run_one c "$cbin" "$wl" "$ops" "c.$wl/$flag" && printf ' c' >&2
        done
        echo >&2
    done
fi

# Tracing off vs on: the pool, whole-process wall time (start-up, the run,
# and for "on" the final flush of the trace), no warm-up, so n jobs exactly.
# time_pool KEY WHAT BIN [ENV-ARGS...]: one such run of BIN pool, under
# `env ENV-ARGS...`; appends its ns per job as sample KEY, or says that
# WHAT failed (status 1).
time_pool() {
    local key=$1 what=$2 bin=$3 t0 t1 rc
    shift 3
    t0=$(now_ns)
    env "$@" BENCH_WARMUP=0 timeout "$limit" "$bin" pool "$trace_ops" >/dev/null 2>"$tmp/err"
    rc=$?
    t1=$(now_ns)
    if [ $rc != 0 ]; then
        echo >&2
        echo "bench: $what failed: $(tail -n 1 "$tmp/err")" >&2
        return 1
    fi
    awk -v k="$key" -v a="$t0" -v b="$t1" -v n="$trace_ops" \
        'BEGIN {printf "%s %.2f\n", k, (b - a) / n}' >>"$samples"
}
trace_ops=$(printf '%s\n' "$("$cbin" list)" | awk '$1 == "pool" {print $2}')
trace_events=""
if [ "${BENCH_NO_TRACE:-0}" != 1 ]; then
    mkdir -p "$build/bench"
    printf 'bench: %-9s' "trace" >&2
    for ((r = 1; r <= trace_runs; r++)); do
        for mode in off on; do
            rm -f "$tracedb" "$tracedb-wal" "$tracedb-shm" "$tracedb.cslog"
            # what the program pays: recording into the binary log (the
            # conversion to SQLite runs after it; bench-trace times it)
            if [ $mode = on ]; then tenv=(CHANSCOPE_TRACE="$tracedb" CHANSCOPE_TRACE_NOCONVERT=1)
            else tenv=(-u CHANSCOPE_TRACE); fi
            if time_pool trace.$mode "pool with tracing $mode" "$cbin" "${tenv[@]}"; then
                printf ' %s' $mode >&2
                if [ $mode = on ] && [ -z "$trace_events" ] && command -v sqlite3 >/dev/null 2>&1 &&
                    "$build/bin/chanscope" import --quiet "$tracedb.cslog" -o "$tracedb" 2>/dev/null; then
                    trace_events=$(sqlite3 "$tracedb" "SELECT value FROM meta WHERE key='events'" 2>/dev/null)
                fi
            fi
            rm -f "$tracedb.cslog"
            # Go's own execution tracer on the same pool, for comparison
            # (it records what blocks and wakes, not every operation)
            [ $have_go = 1 ] || continue
            rm -f "$gotrace"
            if [ $mode = on ]; then tenv=(BENCH_GO_TRACE="$gotrace"); else tenv=(); fi
            time_pool gotrace.$mode "Go pool with tracing $mode" "$gobin" "${tenv[@]}" &&
                printf ' go-%s' $mode >&2
        done
    done
    rm -f "$tracedb" "$tracedb-wal" "$tracedb-shm" "$tracedb.cslog" "$gotrace"
    echo >&2
fi

# stats KEY → "min median count" (empty when there is no sample)
stats() {
    awk -v k="$1" '$1 == k {print $2}' "$samples" | sort -g |
        awk '{v[NR] = $1} END {
            if (NR == 0) exit
            med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%s %s %d\n", v[1], med, NR
        }'
}
runs_of() { awk -v k="$1" '$1 == k {printf "%s%s", sep, $2; sep = ", "}' "$samples"; }

# Figures from the other bench targets, one "source<TAB>name<TAB>value<TAB>unit<TAB>goal"
# per line.  Preferred shape: {"figures": [{"name", "value", "unit", "goal"}]};
# any other JSON contributes each numeric leaf, named by its path.
figures=$tmp/figures
: >"$figures"
for src in trace analyzer viewer explore race; do
    f=$build/bench-$src.json
    [ -f "$f" ] || continue
    if ! awk -f "$here/json-flat.awk" "$f" >"$tmp/flat" 2>"$tmp/err"; then
        echo "bench: $f: not valid JSON ($(head -n 1 "$tmp/err")); skipped" >&2
        continue
    fi
    awk -F'\t' -v src="$src" '
        function isnum(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ }
        $1 ~ /^figures\.[0-9]+\.[a-z_]+$/ {
            split($1, p, "."); i = p[2] + 0; f = p[3]
            if (f == "name") name[i] = $2
            else if (f == "value") value[i] = $2
            else if (f == "unit") unit[i] = $2
            else if (f == "goal") goal[i] = $2
            if (i + 1 > nfig) nfig = i + 1
            next
        }
        isnum($2) { other[++nother] = $1; oval[nother] = $2 }
        END {
            for (i = 0; i < nfig; i++)
                if (isnum(value[i]))
                    printf "%s\t%s\t%s\t%s\t%s\n", src, name[i], value[i], unit[i], goal[i]
            if (nfig == 0)
                for (i = 1; i <= nother; i++)
                    printf "%s\t%s\t%s\t\t\n", src, other[i], oval[i]
        }' "$tmp/flat" >>"$figures"
done

# ---- the table -------------------------------------------------------------
cpus=$(nproc 2>/dev/null || echo "?")
gover=n/a
[ $have_go = 1 ] && gover=$(cat "$build/bench/go-version" 2>/dev/null || echo go)
ccver=$(cat "$build/bench/cc-version" 2>/dev/null || echo cc)
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# The table's name for a workload's row.
row_name() {
    case $1 in
    */loaded) echo "${1%/loaded}, $load busy processes beside" ;;
    parked) echo "parked (per goroutine)" ;;
    *) echo "$1" ;;
    esac
}
rows=$tmp/rows   # name unit cmin cmed gomin gomed ratio goal ok  (TAB-separated, "-" for none)
: >"$rows"
while read -r wl ops; do
    [ -n "$wl" ] || continue
    c=$(stats "c.$wl")
    g=$(stats "go.$wl")
    awk -v wl="$wl" -v name="$(row_name "$wl")" -v c="$c" -v g="$g" -v goal="$(goal_of "$wl")" -v have_go=$have_go 'BEGIN {
        nc = split(c, C, " "); ng = split(g, G, " ")
        cmin = nc ? C[1] : "fail"; cmed = nc ? C[2] : "fail"
        if (!have_go) { gmin = "n/a"; gmed = "n/a" } else { gmin = ng ? G[1] : "fail"; gmed = ng ? G[2] : "fail" }
        if (wl ~ /^os-/ || wl == "switch") { gmin = "-"; gmed = "-" }   # C only
        ratio = (nc && ng && G[2] > 0) ? sprintf("%.2f", C[2] / G[2]) : "-"
        ok = "-"
        if (goal != "" && ratio != "-") ok = (ratio + 0 <= goal + 0) ? "ok" : "MISS"
        printf "%s\tns/op\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, cmin, cmed, gmin, gmed, ratio, goal == "" ? "-" : "<=" goal, ok
    }' >>"$rows"
    if [ "$wl" = parked ]; then # peak RSS of the same runs, in MB
        c=$(stats "c.$wl.rss")
        g=$(stats "go.$wl.rss")
        awk -v c="$c" -v g="$g" -v goal="$(goal_of parked.rss)" -v have_go=$have_go -v n="$ops" 'BEGIN {
            nc = split(c, C, " "); ng = split(g, G, " ")
            cmin = nc ? sprintf("%.1f", C[1] / 1024) : "fail"; cmed = nc ? sprintf("%.1f", C[2] / 1024) : "fail"
            if (!have_go) { gmin = "n/a"; gmed = "n/a" }
            else { gmin = ng ? sprintf("%.1f", G[1] / 1024) : "fail"; gmed = ng ? sprintf("%.1f", G[2] / 1024) : "fail" }
            ratio = (nc && ng && G[2] > 0) ? sprintf("%.2f", C[2] / G[2]) : "-"
            ok = "-"
            if (ratio != "-") ok = (ratio + 0 <= goal + 0) ? "ok" : "MISS"
            printf "parked, peak RSS of %d goroutines\tMB\t%s\t%s\t%s\t%s\t%s\t<=%s\t%s\n", n, cmin, cmed, gmin, gmed, ratio, goal, ok
        }' >>"$rows"
    fi
done <<<"$wl_list"

for ab in $ablations; do
    wl=${ab%%:*} flag=${ab#*:}
    c=$(stats "c.$wl/$flag")
    [ -n "$c" ] || continue
    case $flag in nospin) what="never spinning" ;; norunnext) what="no runnext" ;; *) what=$flag ;; esac
    awk -v name="$wl, $what" -v c="$c" 'BEGIN { split(c, C, " ")
        printf "%s\tns/op\t%s\t%s\t-\t-\t-\t-\t-\n", name, C[1], C[2] }' >>"$rows"
done

# Go columns: the same pool under Go's execution tracer (runtime/trace), a
# reference with no goal: it records what blocks and wakes, not every
# channel operation as chanscope does.
toff=$(stats trace.off)
ton=$(stats trace.on)
goff=$(stats gotrace.off)
gon=$(stats gotrace.on)
if [ -n "$toff$ton" ]; then
    awk -v off="$toff" -v on="$ton" -v goff="$goff" -v gon="$gon" -v have_go=$have_go \
        -v goal="$(goal_of trace)" 'BEGIN {
        no = split(off, O, " "); nn = split(on, N, " "); ngo = split(goff, GO, " "); ngn = split(gon, GN, " ")
        na = have_go ? "fail" : "n/a"
        printf "pool, tracing off (process)\tns/job\t%s\t%s\t%s\t%s\t-\t-\t-\n", no ? O[1] : "fail", no ? O[2] : "fail", ngo ? GO[1] : na, ngo ? GO[2] : na
        printf "pool, tracing on (process)\tns/job\t%s\t%s\t%s\t%s\t-\t-\t-\n", nn ? N[1] : "fail", nn ? N[2] : "fail", ngn ? GN[1] : na, ngn ? GN[2] : na
        if (no && nn) {
            r = N[2] / O[2]
            gr = (ngo && ngn) ? sprintf("%.2f", GN[2] / GO[2]) : na
            printf "tracing on/off (medians)\tratio\t-\t%.2f\t-\t%s\t-\t<=%s\t%s\n", r, gr, goal, (r <= goal + 0) ? "ok" : "MISS"
        }
    }' >>"$rows"
fi
if [ -n "$trace_events" ]; then
    printf 'pool, events in the trace\tevents\t-\t%s\t-\t-\t-\t-\t-\n' "$trace_events" >>"$rows"
fi
while IFS=$'\t' read -r src name value unit goal; do
    printf '%s: %s\t%s\t-\t%s\t-\t-\t-\t%s\t-\n' "$src" "$name" "${unit:--}" "$value" "${goal:--}" >>"$rows"
done <"$figures"

echo
echo "chanscope bench — $when — $cpus CPUs, $ccver, Go: $gover"
tracing_note="; tracing: $trace_runs runs each of pool with $trace_ops jobs, off and on"
[ "${BENCH_NO_TRACE:-0}" = 1 ] && tracing_note="; tracing: skipped"
echo "each workload: $runs run(s), a fresh process each$tracing_note"
awk -F'\t' '
    function num(s) {
        if (s !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) return s
        s += 0
        if (s >= 1e9) return sprintf("%.2fG", s / 1e9)
        if (s >= 1e6) return sprintf("%.2fM", s / 1e6)
        if (s >= 1000) return sprintf("%.0f", s)
        if (s == int(s)) return sprintf("%d", s)
        return sprintf("%.1f", s)
    }
    { n++; for (i = 1; i <= 9; i++) { cell[n, i] = (i >= 3 && i <= 6 && $2 != "ratio") ? num($i) : $i
                                       if (length(cell[n, i]) > w[i]) w[i] = length(cell[n, i]) } }
    END {
        split("workload|unit|C min|C median|Go min|Go median|C/Go|goal|", h, "|")
        for (i = 1; i <= 9; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
        fmt = "%-" w[1] "s  %-" w[2] "s  %" w[3] "s  %" w[4] "s  %" w[5] "s  %" w[6] "s  %" w[7] "s  %-" w[8] "s  %s\n"
        line = sprintf(fmt, h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], ""); sub(/ +\n$/, "\n", line); printf "%s", line
        for (r = 1; r <= n; r++) {
            line = sprintf(fmt, cell[r, 1], cell[r, 2], cell[r, 3], cell[r, 4], cell[r, 5], cell[r, 6], cell[r, 7], cell[r, 8], (cell[r, 9] == "-" ? "" : cell[r, 9]))
            sub(/ +\n$/, "\n", line)
            printf "%s", line
        }
    }' "$rows"
if [ -s "$failures" ]; then
    echo "failed runs (not repeated; the row says fail):"
    awk -F'\t' '{printf "  %s: %s\n", $1, $2}' "$failures"
fi

# ---- the JSON --------------------------------------------------------------
jstr() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
jnum() { case $1 in '' | - | fail | n/a) printf null ;; *) printf '%s' "$1" ;; esac; }
jstats() { # KEY → {"min":..,"median":..,"runs":[..]} or null
    local s
    s=$(stats "$1")
    if [ -z "$s" ]; then printf null; return; fi
    # shellcheck disable=SC2086 # s is "min median count": split on purpose
    set -- $s "$1"
    printf '{"min": %s, "median": %s, "runs": [%s]}' "$1" "$2" "$(runs_of "$4")"
}
{
    printf '{\n  "schema": 1,\n  "date": %s,\n  "cpus": %s,\n  "cc": %s,\n  "go": %s,\n' \
        "$(jstr "$when")" "$(jnum "$cpus")" "$(jstr "$ccver")" "$([ $have_go = 1 ] && jstr "$gover" || printf null)"
    printf '  "runs": %s,\n  "unit": "ns/op",\n  "workloads": [' "$runs"
    sep=""
    while read -r wl ops; do
        [ -n "$wl" ] || continue
        ratio=$(awk -F'\t' -v w="$(row_name "$wl")" '$1 == w {print $7}' "$rows")
        goal=$(goal_of "$wl")
        load_note=""
        [ "${wl%/loaded}" = "$wl" ] || load_note=", \"busy_processes\": $load"
        [ "$wl" = parked ] && load_note=", \"c_peak_rss_kb\": $(jstats "c.$wl.rss"), \"go_peak_rss_kb\": $(jstats "go.$wl.rss")"
        printf '%s\n    {"name": %s, "ops": %s, "c": %s, "go": %s, "ratio_c_go": %s, "goal_ratio": %s%s}' \
            "$sep" "$(jstr "$wl")" "$ops" "$(jstats "c.$wl")" "$(jstats "go.$wl")" "$(jnum "$ratio")" "$(jnum "$goal")" "$load_note"
        sep=","
    done <<<"$wl_list"
    printf '\n  ],\n  "failures": ['
    sep=""
    while IFS=$'\t' read -r key why; do
        printf '%s\n    {"run": %s, "reason": %s}' "$sep" "$(jstr "$key")" "$(jstr "$why")"
        sep=","
    done <"$failures"
    printf '\n  ],\n  "ablations": ['
    sep=""
    for ab in $ablations; do
        wl=${ab%%:*} flag=${ab#*:}
        [ -n "$(stats "c.$wl/$flag")" ] || continue
        printf '%s\n    {"workload": %s, "CHANSCOPE_DEBUG": %s, "c": %s}' "$sep" "$(jstr "$wl")" \
            "$(jstr "$flag")" "$(jstats "c.$wl/$flag")"
        sep=","
    done
    printf '\n  ],\n'
    if [ -n "$toff$ton" ]; then
        tr=$(awk -F'\t' '$1 ~ /^tracing on\/off/ {print $4}' "$rows")
        printf '  "tracing": {"workload": "pool", "ops": %s, "unit": "ns/job, whole process", "runs": %s,\n' "$trace_ops" "$trace_runs"
        printf '              "off": %s,\n              "on": %s,\n' "$(jstats trace.off)" "$(jstats trace.on)"
        gtr=$(awk -F'\t' '$1 ~ /^tracing on\/off/ {print $6}' "$rows")
        printf '              "ratio_on_off": %s, "goal_ratio": %s, "events_in_trace": %s,\n' \
            "$(jnum "$tr")" "$(goal_of trace)" "$(jnum "$trace_events")"
        printf '              "go_runtime_trace": {"off": %s, "on": %s, "ratio_on_off": %s}},\n' \
            "$(jstats gotrace.off)" "$(jstats gotrace.on)" "$(jnum "$gtr")"
    else
        printf '  "tracing": null,\n'
    fi
    printf '  "figures": ['
    sep=""
    while IFS=$'\t' read -r src name value unit goal; do
        printf '%s\n    {"source": %s, "name": %s, "value": %s, "unit": %s, "goal": %s}' "$sep" \
            "$(jstr "$src")" "$(jstr "$name")" "$value" "$(jstr "$unit")" "$(jstr "$goal")"
        sep=","
    done <"$figures"
    printf '\n  ]\n}\n'
} >"$out_json.tmp" && mv "$out_json.tmp" "$out_json"
echo "bench: wrote $out_json" >&2
