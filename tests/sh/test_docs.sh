#!/usr/bin/env bash
# test_docs.sh: the documentation's examples work.  Every code block of
# docs/*.md marked runnable (```lua runnable, ```sh runnable; docs/README.md
# says how to mark one) is run through this glassvm, page by page
# (doc_blocks.sh; the python blocks are test_pandas.sh's), and so are the
# scripts in examples/.
#   bash tests/sh/test_docs.sh /path/to/glassvm
set -u
G=${1:?usage: test_docs.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$(cd "$(dirname "$0")" && pwd)
if ! "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  echo "SKIP: MNIST is not available (bash data/fetch.sh); the examples load it"; exit 77
fi
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

out=$(bash "$HERE/doc_blocks.sh" "$G" "$SRC"/docs/*.md 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "some runnable documentation blocks failed (above)"
# The marked blocks are found (a marker typo would make this test pass on nothing).
n=$(grep -c '^```[a-z]* runnable' "$SRC"/docs/*.md | awk -F: '{s += $2} END {print s}')
[ "$n" -ge 5 ] || fail "only $n runnable blocks in docs/*.md (expected at least 5)"
grep -q "^doc_blocks.sh: $((n - $(grep -c '^```python runnable' "$SRC"/docs/*.md | awk -F: '{s += $2} END {print s}'))) block(s) run, 0 failed" <<<"$out" \
  || fail "doc_blocks.sh did not run every lua/sh block"

# examples/*.lua run from the source tree.
for ex in "$SRC"/examples/*.lua; do
  if ! (cd "$SRC" && timeout 300 "$G" "$ex" >/dev/null 2>"/tmp/test_docs.$$" </dev/null); then
    fail "$ex: $(tail -3 /tmp/test_docs.$$)"
  fi
done
rm -f "/tmp/test_docs.$$"
# Every example is linked from the docs.
for ex in "$SRC"/examples/*.lua; do
  grep -q "examples/$(basename "$ex")" "$SRC"/docs/*.md || fail "examples/$(basename "$ex") is not linked from docs/"
done

if [ "$fails" -ne 0 ]; then echo "test_docs.sh: $fails failure(s)"; exit 1; fi
echo "test_docs.sh: all passed"
