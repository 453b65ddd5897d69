#!/usr/bin/env bash
# pack.sh: build, here, everything bench/gpu/device_run.sh needs on the GPU
# machine (docs/performance.md, "GPU"), into .gpu/ at the repository root.
#
#   bash bench/gpu/pack.sh [--no-data]
#
# The device machine has a CUDA driver, nvcc 13, PyTorch and no Debian
# packages, and reaches no package registry.  So the CUDA build is made here
# with Debian's nvcc 11.8 (package nvidia-cuda-toolkit, Debian's non-free
# component; host compiler clang-14, as nvcc 11.8 refuses gcc 12), for sm_90,
# cudart linked statically, without -march=native (the device's CPU is not
# this one), and carried with the shared libraries it links (OpenBLAS, Lua,
# libcsv, libedit, zlib, libgomp, ...; not glibc or libstdc++, which the
# device has in newer versions), its Lua library, lua-argparse, and MNIST gzipped (for the
# paper-scale demonstration; --no-data leaves it out).  Everything goes into
# .gpu/glassvm-gpu.tar.gz (about 17 MB) and .gpu/data/ (about 11 MB), which
# travel with `carry: [".gpu"]`; .gpu/ is git-ignored.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=1
[ "${1:-}" = "--no-data" ] && data=0
say() { printf '[pack] %s\n' "$*" >&2; }

nvcc=/usr/bin/nvcc
[ -x "$nvcc" ] || { say "Debian's nvcc is missing: add 'contrib non-free' to the apt sources, apt-get update, apt-get install nvidia-cuda-toolkit"; exit 1; }
command -v clang-14 >/dev/null || { say "clang-14 is missing (apt-get install clang-14): nvcc 11.8 needs it as host compiler"; exit 1; }

# Debian's nvcc must find Debian's ptxas and headers, not another toolkit's
# that may stand earlier on PATH (/usr/local/cuda).
clean_env=(env -u CUDA_HOME -u CUDA_PATH -u LIBRARY_PATH -u CPATH PATH=/usr/sbin:/usr/bin:/sbin:/bin)
build=$root/build-gpu
say "configuring $build (GV_CUDA=ON, sm_90, GV_NATIVE=OFF)"
"${clean_env[@]}" cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGV_CUDA=ON \
    -DGV_NATIVE=OFF -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_CUDA_HOST_COMPILER=clang-14 \
    -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
say "building glassvm, test_gv_cuda, test_gv_device, bench_gpu"
# Recompile the kernels every time, so that their resource report (registers,
# shared memory, spills) lands in the log and in .gpu's BUILD file.
rm -f "$build/CMakeFiles/glassvm_core.dir/src/gv_cuda.cu.o"
"${clean_env[@]}" cmake --build "$build" -j2 --target glassvm test_gv_cuda test_gv_device bench_gpu \
    > "$build/pack-build.log" 2>&1 || { tail -20 "$build/pack-build.log" >&2; exit 1; }
grep -E 'ptxas info +: (Used|Compiling)' "$build/pack-build.log" | sed 's/^/[pack] /' >&2 || true

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/lua"
for b in glassvm tests/test_gv_cuda tests/test_gv_device bench/bench_gpu; do
    strip -o "$stage/bin/$(basename "$b")" "$build/$b"
done
# The shared libraries, resolved through symlinks (OpenBLAS's alternatives).
skip='^(linux-vdso|libc\.so|libm\.so|ld-linux|libpthread|libdl\.so|librt\.so|libstdc\+\+|libgcc_s)'
for b in "$stage"/bin/*; do
    ldd "$b" | awk '$3 ~ /^\// {print $1, $3}'
done | sort -u | while read -r name path; do
    if [[ ! $name =~ $skip ]]; then cp -L "$path" "$stage/lib/$name"; fi
done
cp /usr/share/lua/5.4/argparse.lua "$stage/lua/" 2>/dev/null || say "lua-argparse not found: the demo will not run"
# The Lua library and protocols of the same commit as the binary.
cp -r "$root/lua" "$stage/glass-lua"
cp -r "$root/protocols" "$stage/protocols"
# Which compiler made the kernels, for the log.
{
    "$nvcc" --version | tail -1
    echo "built $(date -u +%FT%TZ) from $(git -C "$root" rev-parse --short HEAD)"
    grep -E 'ptxas info +: (Used|Compiling)' "$build/pack-build.log" || true
} > "$stage/BUILD"
mkdir -p "$root/.gpu"
tar -C "$stage" -czf "$root/.gpu/glassvm-gpu.tar.gz" .
if [ $data = 1 ]; then
    src=$root/data/mnist
    [ -f "$src/train-images-idx3-ubyte" ] || src=$(cd "$root" && bash data/fetch.sh >/dev/null && echo "$root/data/mnist")
    mkdir -p "$root/.gpu/data/mnist"
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        [ -f "$root/.gpu/data/mnist/$f.gz" ] || gzip -9 -c "$src/$f" > "$root/.gpu/data/mnist/$f.gz"
    done
fi
du -sh "$root/.gpu" | sed 's/^/[pack] carried: /' >&2
say "now: device run with carry [\".gpu\"] and command 'bash bench/gpu/device_run.sh'"
