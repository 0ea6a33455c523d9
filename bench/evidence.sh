#!/usr/bin/env bash
# Evidence on real images: trains examples/evidence.yaml on Fashion-MNIST (Debian's
# dataset-fashion-mnist, installed when absent) and writes its report, whose Claims section tests
# the paper's claims on the test images (McNemar, paired bootstrap, Holm).
#
#   bench/evidence.sh                 # about 75 minutes on 2 cores
#   PER_CLASS=6000 bench/evidence.sh  # every official training image (longer)
#
# Environment: FMNIST (the IDX files, default /usr/share/datasets/fashion-mnist), DATA (where the
# imagefolder layout goes, default data/fashion-mnist, the spec's dataset.root), OUT (run folders,
# default runs), PER_CLASS (training images per class, default 600), SPEC (default
# examples/evidence.yaml).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
FMNIST="${FMNIST:-/usr/share/datasets/fashion-mnist}"
DATA="${DATA:-data/fashion-mnist}"
OUT="${OUT:-runs}"
PER_CLASS="${PER_CLASS:-600}"
SPEC="${SPEC:-examples/evidence.yaml}"
CLASSES="0 T-shirt top,1 Trouser,2 Pullover,3 Dress,4 Coat,5 Sandal,6 Shirt,7 Sneaker,8 Bag,9 Ankle boot"

if [ ! -f "$FMNIST/train-images-idx3-ubyte.gz" ]; then
  echo "evidence: installing Debian's dataset-fashion-mnist" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq dataset-fashion-mnist
  fi
fi
if [ ! -d "$DATA/test" ] || [ "$(cat "$DATA/.per-class" 2>/dev/null)" != "$PER_CLASS" ]; then
  rm -rf "$DATA"
  ./kdml import-idx --images "$FMNIST/train-images-idx3-ubyte.gz" --labels "$FMNIST/train-labels-idx1-ubyte.gz" \
    --classes "$CLASSES" --per-class "$PER_CLASS" --out "$DATA/train"
  ./kdml import-idx --images "$FMNIST/t10k-images-idx3-ubyte.gz" --labels "$FMNIST/t10k-labels-idx1-ubyte.gz" \
    --classes "$CLASSES" --out "$DATA/test"
  echo "$PER_CLASS" > "$DATA/.per-class"
fi

echo "evidence: CPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores," \
  "flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|avx512f|avx512_vnni|avx_vnni' | sort -u | xargs)"
./kdml validate "$SPEC"
name="$(grep -m1 '^name:' "$SPEC" | awk '{print $2}')"
start=$(date +%s)
./kdml train "$SPEC" --out "$OUT"
echo "evidence: trained in $(( $(date +%s) - start )) s"
./kdml report "$name" --out "$OUT" --format csv > /dev/null
./kdml report "$name" --out "$OUT" --format md
echo "evidence: report, claims.csv and methods.csv in $OUT/$name/report/"
