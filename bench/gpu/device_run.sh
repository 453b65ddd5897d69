#!/usr/bin/env bash
# device_run.sh: the GPU checks and the GPU benchmark in one call of the
# device machine (docs/performance.md, "GPU").  NOT YET RUN ON A GPU.
#
# Here, first:   bash bench/gpu/pack.sh       (builds .gpu/, about 28 MB)
# Then, on the device machine, from the repository root, carrying .gpu:
#                bash bench/gpu/device_run.sh
# (device tool: command "bash bench/gpu/device_run.sh", carry [".gpu"],
#  timeout_s 590).
#
# Steps, each with its own time limit, each logged (under $OUT, which comes
# back; ./gpu-out when OUT is unset):
#   1. env.txt          the GPU, driver, nvcc and PyTorch seen there;
#   2. test_gv_cuda.log the GPU checks (tests/test_gv_cuda.c): GPU vs ref bit
#                       identity, GPU vs CPU after 100 Langevin steps, run to
#                       run identity, flat/harmonic vs theory, checkpoint
#                       resume, interrupt, lost replica, out of memory;
#      (then, on a GPU, the kernels under compute-sanitizer memcheck and
#      racecheck at a small size, printed in device_run.log);
#   3. bench_gpu.csv    replica-steps/s and GFLOP/s of glassvm, w = 30, 72,
#                       P = 60000, R = 1, 8, 64, 256;
#   4. torch_gpu.csv    the same in PyTorch (loop, bmm, bmm + CUDA graph) and
#                       the measured fp32 matmul peak;
#   5. demo.log, demo.tar.gz  the paper-scale demonstration (the regularised
#                       phase of Fig. 3 at P = 60000 on the GPU), if MNIST was
#                       carried and time is left;
#   6. summary.md       the table for docs/performance.md, with the targets.
# device_run.log has everything printed.  Exit status: 0 when the GPU checks
# passed, 1 otherwise (the benchmark runs either way).
#
# Checking this script without a GPU: GPU_DEVICE=ref GPU_QUICK=1 runs every
# step with the CPU reference in place of the GPU, at small sizes (P = 2000,
# w = 30, R = 1, 2; no PyTorch timing without a CUDA device).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/gpu-out}
mkdir -p "$out"
exec > >(tee -a "$out/device_run.log") 2>&1
budget=${GPU_RUN_SECONDS:-560} # leave the device tool's 600 s some room
left() { echo $((budget - SECONDS)); }
say() { printf '== [%4ds] %s\n' "$SECONDS" "$*"; }
PY=${PYTHON:-python3}
dev=${GPU_DEVICE:-cuda}
sizes=(--P 60000 --widths "30,72" --replicas "1,8,64,256" --seconds 1 --reps 3)
[ "${GPU_QUICK:-0}" = 1 ] && sizes=(--P 2000 --widths 30 --replicas "1,2" --seconds 0.2 --reps 1)
export PYTHONUNBUFFERED=1

# ---- 0. unpack -----------------------------------------------------------------
pack=$root/.gpu/glassvm-gpu.tar.gz
gv=${GV_GPU_DIR:-/tmp/glassvm-gpu}
if [ ! -f "$pack" ]; then
    say "no $pack: run 'bash bench/gpu/pack.sh' on the build machine and carry .gpu"
    exit 2
fi
rm -rf "$gv"
if ! { mkdir -p "$gv" && tar -C "$gv" -xzf "$pack"; }; then
    say "cannot unpack $pack"
    exit 2
fi
# The carried libraries for glassvm's programs only (not for python3: PyTorch
# brings its own, newer libgomp and zlib).
gvlibs=$gv/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
gvrun() { LD_LIBRARY_PATH=$gvlibs "$@"; }
export GLASSVM_PATH=$gv/glass-lua # the Lua library packed with the binary
export LUA_PATH="$gv/lua/?.lua;;"
export OMP_WAIT_POLICY=passive

# ---- 1. environment ------------------------------------------------------------
say "environment"
{
    cat "$gv/BUILD"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm,power.limit \
        --format=csv 2>&1
    (nvcc --version 2>&1 | tail -1) || true
    "$PY" -c 'import torch; print("torch", torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))' 2>&1
    nproc; uname -r; ldd --version 2>&1 | head -1
    gvrun ldd "$gv/bin/glassvm" | grep -i "not found" || echo "all shared libraries found"
} | tee "$out/env.txt"

# ---- 2. GPU checks ---------------------------------------------------------------
status=1
if gvrun "$gv/bin/glassvm" -e "glass.device('$dev')" >/dev/null 2>&1; then
    say "GPU checks (tests/test_gv_cuda.c) on device $dev"
    GV_TEST_DEVICE=$dev gvrun timeout 240 "$gv/bin/test_gv_cuda" 2>&1 | tee "$out/test_gv_cuda.log"
    rc=${PIPESTATUS[0]}
    say "test_gv_cuda exit status $rc (0 passed, 1 a check failed, 77 no device, 124 timed out)"
    [ "$rc" = 0 ] && status=0
else
    say "glassvm cannot use the GPU here:"
    gvrun "$gv/bin/glassvm" -e "glass.device('$dev')" 2>&1 | tee "$out/test_gv_cuda.log"
fi

# ---- 2b. the kernels under compute-sanitizer (memcheck, racecheck) --------------
# A few steps at a small size: out-of-bounds accesses, and shared-memory races
# between the kernel's phases, would show here before any timing is trusted.
if [ "$dev" = cuda ] && command -v compute-sanitizer >/dev/null && [ "$(left)" -gt 300 ]; then
    # racecheck is the slow one: w = 30 only.
    for run in "memcheck 30,72" "racecheck 30"; do
        read -r tool widths <<<"$run"
        say "compute-sanitizer --tool $tool (bench_gpu, P = 1000, w = $widths, R = 2, 4 steps)"
        gvrun timeout 45 compute-sanitizer --tool "$tool" --error-exitcode 9 "$gv/bin/bench_gpu" \
            --device cuda --P 1000 --widths "$widths" --replicas 2 --seconds 0.001 --reps 1 2>&1 | tail -15
        say "compute-sanitizer $tool exit status ${PIPESTATUS[0]} (0 clean, 9 errors found, 124 timed out)"
    done
fi

# ---- 3. glassvm benchmark ------------------------------------------------------
if [ "$(left)" -gt 200 ]; then
    say "benchmark: glassvm"
    gvrun timeout 150 "$gv/bin/bench_gpu" --device "$dev" "${sizes[@]}" | tee "$out/bench_gpu.csv"
fi

# The gradient kernel's plain loops (GV_CUDA_BLOCK=1) against its register
# blocks of 4 (the default): the same bits, the speed compared here.
if [ "$dev" = cuda ] && [ "$(left)" -gt 250 ]; then
    say "benchmark: glassvm with GV_CUDA_BLOCK=1 (plain loops), w = 30, R = 1, 64"
    GV_CUDA_BLOCK=1 gvrun timeout 40 "$gv/bin/bench_gpu" --device cuda --P 60000 --widths 30 \
        --replicas "1,64" --seconds 1 --reps 3
fi

# ---- 4. PyTorch ------------------------------------------------------------------
if [ "$(left)" -gt 120 ]; then
    say "benchmark: PyTorch"
    t=$(( $(left) - 60 )); [ "$t" -gt 200 ] && t=200
    timeout "$t" "$PY" "$root/bench/gpu/torch_gpu.py" "${sizes[@]}" | tee "$out/torch_gpu.csv"
fi

# ---- 5. paper-scale demonstration ------------------------------------------------
if [ -d "$root/.gpu/data/mnist" ] && [ "$(left)" -gt 100 ]; then
    t=$(( $(left) - 30 )); [ "$t" -gt 180 ] && t=180
    demo=/tmp/gv-demo
    rm -rf "$demo"
    # The paper's temperatures from 1e-2 to 0; lr = 1e-3 (the paper's mu);
    # a short quench and few replicas so that it fits: see docs/performance.md.
    demo_args=(--width=30 --lambda=0.01 --P=0 --lr=0.001 --replicas=8 --quench_epochs=2
               "--T=0.01,0.001,0.0001,1e-05,1e-06,1e-08,0" --tw=1000 --tmax=3000)
    [ "${GPU_QUICK:-0}" = 1 ] && demo_args=(--width=30 --lambda=0.01 --P=1000 --lr=0.001
        --replicas=2 --quench_epochs=1 "--T=0.01,0" --tw=20 --tmax=50)
    say "demonstration: regularised phase of Fig. 3 on device $dev (at most $t s): ${demo_args[*]}"
    GLASSVM_DATA=$root/.gpu/data gvrun timeout "$t" "$gv/bin/glassvm" "$gv/protocols/quench_anneal.lua" \
        "${demo_args[@]}" --device="$dev" --plots=false --out="$demo" 2>&1 | tail -40 | tee "$out/demo.log"
    say "demonstration exit status ${PIPESTATUS[0]} (124: stopped at its time limit)"
    [ -d "$demo" ] && tar -C /tmp -czf "$out/demo.tar.gz" gv-demo
fi

# ---- 6. summary ------------------------------------------------------------------
if [ -f "$out/bench_gpu.csv" ]; then
    awk -F, -v impl="glassvm-$dev" -f "$root/bench/gpu/summary.awk" "$out/bench_gpu.csv" \
        "$( [ -f "$out/torch_gpu.csv" ] && echo "$out/torch_gpu.csv" || echo /dev/null)" \
        | tee "$out/summary.md"
fi
say "done (GPU checks: $([ $status = 0 ] && echo passed || echo NOT passed))"
exit $status
