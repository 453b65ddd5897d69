# Sourced by the MPI shell tests (test_mpi_protocols.sh, test_mpi_tutorial.sh)
# after G and SRC are set: skip (77) without MPI or MNIST, fail without
# mpirun; then a fresh temporary directory as the working directory, fail()
# counting into $fails, and MPIRUN, the mpirun command line they share.
if ! "$G" -e 'os.exit(glass.mpi.built and 0 or 1)'; then
  echo "SKIP: glassvm was built without MPI (cmake -DGV_MPI=ON; docs/cluster.md)"; exit 77
fi
if ! command -v mpirun >/dev/null; then
  echo "FAIL: glassvm is built with MPI but mpirun is missing (apt-get install openmpi-bin)"; exit 1
fi
if ! "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  echo "SKIP: MNIST is not available (bash data/fetch.sh)"; exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export OMP_NUM_THREADS=1 # three ranks share two cores: one thread each
# timeout --foreground signals mpirun alone: a SIGTERM to its whole process
# group (plain timeout's) made mpirun exit at once in half the tries,
# leaving its ranks running on unaware (docs/cluster.md, "Signals").
MPIRUN=(timeout --foreground 120 mpirun --allow-run-as-root --oversubscribe --bind-to none
        -x OMP_NUM_THREADS --mca mpi_yield_when_idle 1)
