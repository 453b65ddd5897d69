#!/usr/bin/env bash
# Build the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang in build-fuzz/
# and run each for SECONDS, one after the other.
#
#   bash tests/fuzz/run.sh 30                  # short run (CI): ~3.5 min
#   bash tests/fuzz/run.sh 1800                # the documented long run
#   bash tests/fuzz/run.sh 60 fuzz_csv fuzz_table   # some targets only
#
# Each target starts from its committed seeds (tests/fuzz/corpus/<name>/,
# read-only) plus what earlier runs found (build-fuzz/corpus/<name>/, where
# new inputs go).  A crash, leak, sanitizer report or timeout is saved as
# build-fuzz/artifacts/<name>-crash-<sha1> (replay it with
# `build-fuzz/<name> FILE`) and makes this script exit 1.  Environment:
# FUZZ_JOBS (parallel workers per target, default 1), CC (default clang),
# FUZZ_BUILD_DIR (default build-fuzz; everything above goes there).
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-30}
shift || true
BUILD=${FUZZ_BUILD_DIR:-$PWD/build-fuzz}
SRC=$PWD/tests/fuzz

if ! command -v "${CC:-clang}" >/dev/null; then
  echo "fuzz: ${CC:-clang} not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
CC=${CC:-clang} cmake -S tests/fuzz -B "$BUILD" >/dev/null || exit 2
cmake --build "$BUILD" -j2 >/dev/null || { echo "fuzz: build failed" >&2; exit 2; }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi

# One thread everywhere: the readers are serial, and the machine is shared.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# -jobs=1 would still fork a child per job (and write fuzz-N.log into the
# cwd): pass it only when more than one worker is asked for.
jobs=()
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
  jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
fi

status=0
printf '%-15s %10s %8s %8s  %s\n' target execs exec/s corpus result
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  seeds=$SRC/corpus/$name
  work=$BUILD/corpus/$name
  mkdir -p "$work" "$BUILD/artifacts" "$BUILD/logs"
  case $name in
    cifar) extra=(-max_len=12300) ;;            # rows are 3073 bytes
    csv|table) extra=(-dict=$SRC/csv.dict -max_len=4096) ;;
    *) extra=(-dict=$SRC/binary.dict -max_len=4096) ;;
  esac
  log=$BUILD/logs/$t.log
  # Run from logs/: libFuzzer may drop files (fuzz-N.log) into its cwd.
  (cd "$BUILD/logs" && exec "$BUILD/$t" "$work" "$seeds" "${extra[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    "${jobs[@]}" \
    -artifact_prefix="$BUILD/artifacts/$t-") >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  ncorp=$(find "$work" -type f | wc -l)
  if [ $rc -eq 0 ]; then result=ok; else result="FAILED (rc $rc, see $log)"; status=1; fi
  printf '%-15s %10s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$ncorp" "$result"
done
ls "$BUILD"/artifacts/ 2>/dev/null | sed 's/^/artifact: /'
exit $status
