#!/usr/bin/env bash
# End-to-end benchmark of the Lambda clients against a loopback canned Lambda server.
#
# Usage: scripts/bench.sh [--quick] [--build] [--no-valgrind]
#
#   (default)      release build of lambda-bench, then every scenario for CPU time; where
#                  valgrind is on PATH, every scenario under callgrind twice (n1 and n2
#                  calls) for instructions per call = (Ir(n2) - Ir(n1)) / (n2 - n1), which
#                  cancels process start-up and warm-up; where strace is on PATH, syscalls
#                  per GetFunction the same way. Prints one markdown table.
#   --quick        a tenth of the iterations for CPU time (a smoke run; noisier).
#   --build        also: crates in lambda-blocking's normal dependency tree, the stripped
#                  size of a release binary doing one GetFunction with the blocking client,
#                  and the CPU time (user + sys) of a clean release build of lambda-blocking
#                  in a fresh target directory (minutes).
#   --no-valgrind  skip the callgrind and strace runs even where the tools are installed.
#
# CPU times vary a lot between runs on shared machines; instruction counts are the stable
# figure. Logs and callgrind files go to a temporary directory, printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0 build=0 use_valgrind=1
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --build) build=1 ;;
        --no-valgrind) use_valgrind=0 ;;
        *) echo "usage: scripts/bench.sh [--quick] [--build] [--no-valgrind]" >&2; exit 2 ;;
    esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lambda-bench.XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

echo "building (release) ..." >&2
cargo build -q --release -p lambda-bench
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target_dir/release"
client="$bin/bench-client"

"$bin/bench-server" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do
    [ -s "$work/server.out" ] && break
    sleep 0.05
done
endpoint=$(head -n 1 "$work/server.out")
case "$endpoint" in http://127.0.0.1:*) ;; *) echo "bench-server did not start" >&2; exit 1 ;; esac
echo "server: $endpoint" >&2

scenarios="raw-get raw-list raw-invoke-1k raw-invoke-1m
blocking-get blocking-list blocking-invoke-1k blocking-invoke-1m
async-get async-list async-invoke-1k async-invoke-1m
sign sign-floor sha256-1m startup async-startup startup-first async-startup-first"

# Iterations for CPU time: about a second of work each.
cpu_iterations() {
    case "$1" in
        *-list) echo 3000 ;;
        raw-invoke-1m | sha256-1m) echo 1500 ;;
        *-invoke-1m) echo 600 ;;
        sign) echo 300000 ;;
        sign-floor) echo 1000000 ;;
        startup | async-startup) echo 200000 ;;
        startup-first | async-startup-first | noop) echo 1 ;;
        *) echo 20000 ;;
    esac
}

# The two iteration counts of the callgrind and strace runs.
counts() {
    case "$1" in
        *-1m) echo "10 110" ;;
        sign | sign-floor | startup | async-startup) echo "100 1100" ;;
        *) echo "20 120" ;;
    esac
}

declare -A cpu_us ir syscalls

for s in $scenarios; do
    n=$(cpu_iterations "$s")
    [ "$quick" = 1 ] && n=$(( (n + 9) / 10 ))
    line=$("$client" "$s" "$n" --endpoint "$endpoint")
    echo "$line" >&2
    # The calling thread's CPU time (nanosecond resolution); every scenario runs on one
    # thread (the tokio runtime is current_thread). The line also has the process's
    # user + sys time (10 ms ticks).
    cpu_us[$s]=$(sed -n 's/.* thread_cpu_us=\([^ ]*\).*/\1/p' <<<"$line")
done

have_valgrind=0
if [ "$use_valgrind" = 1 ] && command -v valgrind >/dev/null; then have_valgrind=1; fi

callgrind_ir() { # scenario iterations -> total Ir of the run
    local out="$work/callgrind.$1.$2"
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$client" "$1" "$2" --endpoint "$endpoint" >"$out.stdout" 2>"$out.log"
    sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | head -n 1
}

if [ "$have_valgrind" = 1 ]; then
    for s in $scenarios; do
        if [ "$s" = startup-first ] || [ "$s" = async-startup-first ]; then
            # One client in a fresh process, less a process that builds none.
            a=$(callgrind_ir noop 1)
            b=$(callgrind_ir "$s" 1)
            ir[$s]=$(( b - a ))
            echo "callgrind $s: ${ir[$s]} instructions" >&2
            continue
        fi
        read -r n1 n2 <<<"$(counts "$s")"
        a=$(callgrind_ir "$s" "$n1")
        b=$(callgrind_ir "$s" "$n2")
        ir[$s]=$(( (b - a) / (n2 - n1) ))
        echo "callgrind $s: ${ir[$s]} instructions/call" >&2
    done
else
    echo "valgrind not found (Debian package: valgrind): no instruction counts" >&2
fi

have_strace=0
if [ "$use_valgrind" = 1 ] && command -v strace >/dev/null; then have_strace=1; fi
strace_calls() { # scenario iterations -> syscalls of the run (all threads)
    local out="$work/strace.$1.$2"
    strace -f -c -o "$out" "$client" "$1" "$2" --endpoint "$endpoint" >/dev/null
    awk '$NF == "total" { print $4 }' "$out"
}
if [ "$have_strace" = 1 ]; then
    for s in raw-get blocking-get async-get; do
        a=$(strace_calls "$s" 100)
        b=$(strace_calls "$s" 1100)
        syscalls[$s]=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
    done
fi

floor_of() {
    case "$1" in
        *-get) echo raw-get ;;
        *-list) echo raw-list ;;
        *-invoke-1k) echo raw-invoke-1k ;;
        *-invoke-1m*) echo raw-invoke-1m ;;
        sign) echo sign-floor ;;
        *) echo "" ;;
    esac
}

goal_of() {
    case "$1" in
        blocking-get | async-get) echo 100000 ;;
        blocking-list | async-list) echo 830000 ;;
        "blocking-invoke-1m - sha256" | "async-invoke-1m - sha256") echo 1500000 ;;
        sign) echo 30000 ;;
        startup-first) echo 300000 ;;
        *) echo "" ;;
    esac
}

group() { # 1234567 -> 1,234,567
    sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"
}

row() { # name instructions cpu
    local name=$1 n=$2 cpu=$3 floor goal ratio="" mark=""
    floor=$(floor_of "$name")
    goal=$(goal_of "$name")
    if [ -n "$n" ] && [ -n "$floor" ] && [ -n "${ir[$floor]:-}" ] && [ "$floor" != "$name" ]; then
        ratio=$(awk -v a="$n" -v b="${ir[$floor]}" 'BEGIN { printf "%.1f", a / b }')
    fi
    if [ -n "$goal" ] && [ -n "$n" ]; then
        if [ "$n" -le "$goal" ]; then mark="pass"; else mark="FAIL"; fi
    fi
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" \
        "$( [ -n "$n" ] && group "$n" || echo -)" \
        "$( [ -n "$ratio" ] && echo "$ratio x $floor" || echo -)" \
        "${cpu:--}" \
        "$( [ -n "$goal" ] && echo "<= $(group "$goal")" || echo -)" \
        "${mark:--}"
}

echo
echo "| scenario | instructions/call | ratio to floor | CPU µs/call | goal | |"
echo "|---|---:|---|---:|---:|---|"
for s in $scenarios; do
    row "$s" "${ir[$s]:-}" "${cpu_us[$s]}"
    case "$s" in
        blocking-invoke-1m | async-invoke-1m)
            if [ -n "${ir[$s]:-}" ] && [ -n "${ir[sha256-1m]:-}" ]; then
                row "$s - sha256" "$(( ${ir[$s]} - ${ir[sha256-1m]} ))" ""
            fi
            ;;
    esac
done
if [ "$have_strace" = 1 ]; then
    echo
    echo "Syscalls per GetFunction (strace -f -c): raw ${syscalls[raw-get]}, blocking ${syscalls[blocking-get]}, async ${syscalls[async-get]}."
fi

if [ "$build" = 1 ]; then
    echo >&2
    echo "dependency tree, binary size, clean build (minutes) ..." >&2
    crates=$(cargo tree -q -p lambda-blocking -e normal --prefix none \
        | sed 's/ (\*)$//; s/ (proc-macro)//' | sort -u | wc -l)
    strip -o "$work/size-probe" "$bin/size-probe"
    size=$(wc -c <"$work/size-probe")
    fresh="$work/target"
    TIMEFORMAT='%U %S %R'
    { time CARGO_TARGET_DIR="$fresh" cargo build -q --release -p lambda-blocking \
        >"$work/clean-build.log" 2>&1; } 2>"$work/clean-build.time"
    read -r user sys real <"$work/clean-build.time"
    rm -rf "$fresh"
    echo
    echo "| build figure | measured | goal | |"
    echo "|---|---:|---:|---|"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", u + s }')
    printf '| clean release build of lambda-blocking, CPU (user + sys) | %s s (wall %.0f s) | <= 95 s | %s |\n' \
        "$cpu" "$real" "$( [ "$cpu" -le 95 ] && echo pass || echo FAIL )"
    printf '| crates in the normal dependency tree of lambda-blocking (itself included) | %s | <= 40 | %s |\n' \
        "$crates" "$( [ "$crates" -le 40 ] && echo pass || echo FAIL )"
    printf '| stripped release binary doing one GetFunction (size-probe) | %s bytes (%.1f MB) | <= 3 MB | %s |\n' \
        "$size" "$(awk -v s="$size" 'BEGIN { print s / 1e6 }')" \
        "$( [ "$size" -le 3000000 ] && echo pass || echo FAIL )"
fi

echo >&2
echo "logs and callgrind files: $work" >&2
