#!/usr/bin/env bash
# Runs `kdml bench` and the PyTorch reference alternately, ROUNDS times per configuration, and
# prints images/s of each and the ratio kdml / PyTorch. Needs Debian's python3-torch and
# python3-torchvision (apt-get install python3-torch python3-torchvision). Not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
threads="${THREADS:-2}"
configs=(
  "--variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 32 --batch 32"
  "--variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 96 --batch 32"
)
for cfg in "${configs[@]}"; do
  for r in $(seq "$rounds"); do
    k=$(./kdml bench $cfg --threads "$threads" --warmup 2 --steps 5 --json 2>/dev/null | tail -1)
    p=$(/usr/bin/python3 bench/pytorch_reference.py $cfg --threads "$threads" --warmup 2 --steps 5 --json | tail -1)
    python3 - "$cfg" "$r" "$k" "$p" <<'PY'
import json, sys
cfg, r, k, p = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
print(f"{cfg} | round {r} | kdml {k['images_per_second']:.2f} img/s | pytorch {p['images_per_second']:.2f} img/s "
      f"(torch {p['torch']}) | ratio {k['images_per_second'] / p['images_per_second']:.2f}")
PY
  done
done
