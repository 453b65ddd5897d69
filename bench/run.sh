#!/usr/bin/env bash
# run.sh: the benchmark of issues 6 and 16 in one command (docs/performance.md).
#
#   bash bench/run.sh [--quick] [--reps n] [--env set|unset|both] [--no-torch] [--no-e2e]
#
# Builds bench_glassvm in build-bench/ (the project's default build type),
# then measures, in this one run and on this machine: the OpenBLAS sgemm
# peak (again between groups of rows), glassvm's Langevin step from the
# initial weights and in a trained basin (an SGD quench cached in
# build-bench/), SGD epoch, SGD of an 8-replica ensemble, ensemble
# throughput, scaling with P and N, peak memory, the main job end to end
# (protocols/ageing.lua at its defaults vs bench/torch_ageing.py), and the
# same work in PyTorch (bench/torch_ref.py) in its default and best thread
# settings.  Everything is measured in each OpenBLAS environment: the
# variables as set in the caller's environment, and with OPENBLAS_CORETYPE
# and OPENBLAS_L2_SIZE unset (OpenBLAS then picks its kernel from the CPU);
# --env picks one.  Writes bench/results/<date>_<time>.csv (every
# measurement, one line each) and prints one table plus the issues' targets.
#
# --quick: 5 repetitions, one memory process.  --no-e2e: skip the end-to-end
# row (the main job twice: minutes).
# PYTHON=/path/to/python3 selects the interpreter that has torch (default:
# the first of /usr/bin/python3 and python3 that can import it).
set -euo pipefail
# Idle OpenMP threads sleep, as in the glassvm command (docs/performance.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$root/build-bench}
reps=11
envs=both
torch=1
quick=0
e2e=1
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1; reps=5 ;;
        --reps) reps=$2; shift ;;
        --env) envs=$2; shift ;;
        --no-torch) torch=0 ;;
        --no-e2e) e2e=0 ;;
        -h|--help) sed -n '2,24p' "$0" | grep '^#'; exit 0 ;;
        *) echo "run.sh: unknown option '$1' (see bash bench/run.sh --help)" >&2; exit 2 ;;
    esac
    shift
done
case $envs in set|unset|both) ;; *) echo "run.sh: --env must be set, unset or both" >&2; exit 2 ;; esac

echo "== building bench_glassvm in $build" >&2
cmake -S "$root" -B "$build" >/dev/null
cmake --build "$build" --target bench_glassvm -j2 >/dev/null
bench=$build/bench/bench_glassvm
# The glassvm command, for the memory row as a user's script would run it.
glassvm=$build/glassvm
cmake --build "$build" --target glassvm -j2 >/dev/null 2>&1 || glassvm=

datadir=${GLASSVM_DATA:-$root/data}/mnist
stamp=$(date +%Y-%m-%d_%H%M)
mkdir -p "$root/bench/results"
out=$root/bench/results/$stamp.csv
raw=$(mktemp "${TMPDIR:-/tmp}/glassvm-bench.XXXXXX")
dump=$build/bench_data.bin
trap 'rm -f "$raw"' EXIT

# PyTorch: Debian's python3-torch lives in the system interpreter.
py=
if [ $torch = 1 ]; then
    for c in ${PYTHON:-} /usr/bin/python3 python3; do
        if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import torch' 2>/dev/null; then py=$c; break; fi
    done
fi
torch_note="PyTorch not installed (apt-get install python3-torch)"
[ $torch = 0 ] && torch_note="PyTorch skipped (--no-torch)"
[ -n "$py" ] && torch_note="PyTorch $("$py" -c 'import torch; print(torch.__version__)') ($py)"

load() { cut -d' ' -f1-3 /proc/loadavg; }
# How busy the machine is besides us: busy CPU ticks of the whole machine
# (/proc/stat) minus those of this script and its waited-for children.
tck=$(getconf CLK_TCK)
ticks() { # prints "machine_busy own wall_ns"
    echo "$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat) $(awk '{print $14+$15+$16+$17}' /proc/$$/stat) $(date +%s%N)"
}
others() { # ticks-before -> average cores used by other processes since then
    local b0 o0 t0 b1 o1 t1
    read -r b0 o0 t0 <<<"$1"; read -r b1 o1 t1 <<<"$(ticks)"
    awk -v b=$((b1 - b0)) -v o=$((o1 - o0)) -v t=$((t1 - t0)) -v hz="$tck" \
        'BEGIN { v = (b - o) / hz / (t * 1e-9); printf "%.2f", v < 0 ? 0 : v }'
}
model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
l2=$(lscpu | sed -n 's/^L2 cache: *//p' | head -1)
cores=$(nproc)
load_start=$(load)
t_start=$(date +%s)
ticks_start=$(ticks)

# Wall time of one whole command as a CSV line (impl given), its output as notes.
e2e() { # impl command...
    local impl=$1 t0 t1 rc=0; shift
    t0=$(date +%s%N)
    "$@" >"$raw.e2e" 2>&1 || rc=$?
    t1=$(date +%s%N)
    sed 's/^#* */# e2e '"$impl"': /' "$raw.e2e" | grep -Ei 'tau|total|took|error|fail' || true
    rm -f "$raw.e2e"
    if [ $rc = 0 ]; then
        awk -v i="$impl" -v s=$(( (t1 - t0) / 1000000 )) \
            'BEGIN { printf "e2e_s,%s,30,5000,2,s,%.1f,%.1f,%.1f,1\n", i, s / 1000, s / 1000, s / 1000 }'
    else
        echo "# e2e $impl failed (exit $rc)"
    fi
}

# One measurement block in one environment: tag its CSV lines with the env.
collect() { # env_label command...
    local label=$1 t0; shift
    t0=$(ticks)
    "$@" | while IFS= read -r line; do
        case $line in
            '#'*) echo "# [$label] ${line#\# }" ;;
            *) echo "$label,$line" ;;
        esac
    done >>"$raw"
    echo "# [$label] other processes used $(others "$t0") cores on average during: ${*##*/}" >>"$raw"
}

echo "== data for PyTorch" >&2
"$bench" --data "$datadir" --dump "$dump" dump | grep '^# data' | sed 's/^# /# /' >>"$raw"

for e in set unset; do
    [ $envs = both ] || [ $envs = $e ] || continue
    if [ $e = set ]; then run=(env); else run=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE); fi
    echo "== [$e] glassvm (load $(load))" >&2
    echo "# [$e] load average before: $(load)" >>"$raw"
    collect $e "${run[@]}" "$bench" --reps "$reps" --data "$datadir" --fixtures "$build" all
    # Peak memory needs a process of its own: the C scenario, then the same
    # as a Lua script (bench/mem_run.lua); repeated to show the spread.
    nmem=2; [ $quick = 1 ] && nmem=1
    for i in $(seq $nmem); do
        collect $e "${run[@]}" "$bench" --data "$datadir" mem
        if [ -n "$glassvm" ]; then
            collect $e "${run[@]}" GLASSVM_DATA="${GLASSVM_DATA:-$root/data}" "$glassvm" \
                "$root/bench/mem_run.lua"
        fi
    done
    [ -n "$glassvm" ] || echo "# [$e] the glassvm command did not build: no Lua memory row" >>"$raw"
    if [ -n "$py" ]; then
        echo "== [$e] PyTorch default (load $(load))" >&2
        collect $e "${run[@]}" "$py" "$root/bench/torch_ref.py" --data "$dump" --setting default \
            --reps "$reps" --fixtures "$build" || echo "# [$e] PyTorch default run failed" >>"$raw"
        # Best setting: one OpenBLAS thread (its pool otherwise oversubscribes
        # the cores), two torch threads, and malloc keeping large temporaries
        # on the heap instead of mmap/munmap (page faults) on every step.
        echo "== [$e] PyTorch best (load $(load))" >&2
        collect $e "${run[@]}" OPENBLAS_NUM_THREADS=1 \
            GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \
            "$py" "$root/bench/torch_ref.py" --data "$dump" --setting best --threads 2 --reps "$reps" \
            --fixtures "$build" || echo "# [$e] PyTorch best run failed" >>"$raw"
    else
        echo "# [$e] $torch_note" >>"$raw"
    fi
    # End to end: the main job (./run.sh main = protocols/ageing.lua at its
    # defaults) and the same protocol in PyTorch (best setting), wall time of
    # each whole process; both tau90 tables are kept with the results.
    if [ $e2e = 1 ] && [ -n "$glassvm" ]; then
        echo "== [$e] end to end: the main job (load $(load))" >&2
        edir=$root/bench/results/${stamp}_e2e_$e
        collect $e e2e glassvm "${run[@]}" GLASSVM_DATA="${GLASSVM_DATA:-$root/data}" "$glassvm" \
            "$root/protocols/ageing.lua" --out="$edir/glassvm"
        if [ -n "$py" ]; then
            echo "== [$e] end to end: PyTorch (load $(load))" >&2
            collect $e e2e torch_best "${run[@]}" OPENBLAS_NUM_THREADS=1 \
                GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \
                "$py" "$root/bench/torch_ageing.py" --data "$dump" --threads 2 --out "$edir/torch"
        fi
    fi
    echo "# [$e] load average after: $(load)" >>"$raw"
done
load_end=$(load)
secs=$(( $(date +%s) - t_start ))
busy=$(others "$ticks_start")

# The CSV: machine and environment first, then every measurement.
{
    echo "# glassvm benchmark $stamp: $model, $cores cores, L2 $l2"
    echo "# OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-(unset)} as set; 'unset' rows run with both removed"
    echo "# $torch_note; reps $reps; load average at start $load_start, at end $load_end; $secs s; other processes used $busy of $cores cores on average"
    grep '^#' "$raw"
    echo "env,metric,impl,w,P,threads,unit,median,min,max,n"
    grep -v '^#' "$raw"
} >"$out"

# ---- the table -------------------------------------------------------------
table=${out%.csv}.md
{
    echo "glassvm benchmark $stamp — $model, $cores cores, L2 $l2; $(sed -n 's/^# data: //p' "$raw" | head -1)"
    echo "$torch_note; medians [min–max] over $reps repetitions (memory: over separate processes);"
    echo "load average at start $load_start, at end $load_end; other processes used $busy of $cores cores"
    echo "on average during the run (quiet machine: below 0.05); took $secs s."
    echo
    grep -v '^#' "$out" | tail -n +2 | awk -F, -f "$root/bench/table.awk"
} >"$table"
cat "$table"
echo
echo "wrote $out and $table" >&2
