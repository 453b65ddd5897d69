#!/usr/bin/env bash
# test_pandas.sh: the pandas example of docs/file-formats.md ("A sweep of
# runs in one DataFrame") works: its shell loop makes three runs, its Python
# block reads their run.json and tau.csv into one DataFrame.  Needs python3
# with pandas (Debian: python3-pandas); without them it exits 77 (ctest: Not Run).
#   bash tests/sh/test_pandas.sh /path/to/glassvm
set -u
G=${1:?usage: test_pandas.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$(cd "$(dirname "$0")" && pwd)
# The first Python with pandas: $PYTHON, python3 on the PATH, Debian's.
py=
for cand in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$cand" -c 'import pandas' >/dev/null 2>&1; then py=$cand; break; fi
done
if [ -z "$py" ]; then
  echo "SKIP: python3 with pandas is not installed (apt-get install python3-pandas)"; exit 77
fi
export PYTHON=$py
if ! "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  echo "SKIP: MNIST is not available (bash data/fetch.sh)"; exit 77
fi
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

out=$(bash "$HERE/doc_blocks.sh" "$G" --python "$SRC/docs/file-formats.md" 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "the example failed (above)"
grep -q '^ok    file-formats.md:[0-9]* (sh)$' <<<"$out" || fail "the shell loop did not run"
grep -q '^ok    file-formats.md:[0-9]* (python)$' <<<"$out" || fail "the Python block did not run"
# Three runs (one per T) x two waiting times (the smoke preset's tw = 5, 20),
# with T taken from each run's run.json.
declare -A SHOWN=([3]=0.00100 [4]=0.00010 [5]=0.00001)   # pandas prints T so
for n in 3 4 5; do
  [ "$(grep -cE "^ +T=1e-$n +${SHOWN[$n]} +(5|20) " <<<"$out")" -eq 2 ] \
    || fail "expected two rows (tw = 5, 20) with T = 1e-$n for the run T=1e-$n"
done
# The pivot: a column per T, a row per t_w.
grep -qE '^ +T +[0-9.]+ +[0-9.]+ +[0-9.]+$' <<<"$out" || fail "the pivot lacks a column per T"
for tw in 5 20; do
  grep -qE "^ +$tw( +([0-9.]+|NaN)){3}$" <<<"$out" || fail "the pivot lacks the row tw = $tw"
done

if [ "$fails" -ne 0 ]; then echo "test_pandas.sh: $fails failure(s)"; exit 1; fi
echo "test_pandas.sh: all passed"
