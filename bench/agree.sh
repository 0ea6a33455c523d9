#!/usr/bin/env bash
# Multi-step agreement of kdml with PyTorch, with garbage collections forced inside every step.
#
# For every configuration of compare.sh (on a batch of 4): `kdml bench --export-steps STEPS
# --churn` trains STEPS steps on fixed random batches with a collection and memory reuse between
# each forward pass and backward, and `pytorch_reference.py --check --floor-threads 1` replays the
# same steps in PyTorch (2 threads, then 1 thread for the noise floor). Prints a Markdown table.
# Needs Debian's python3-torch python3-torchvision. Not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${STEPS:-20}"
configs=(
  "--variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 32"
  "--variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 96"
  "--variant alone --count 1 --students resnet18 --size 32"
  "--variant alone --count 1 --students resnet18 --size 96"
  "--task segmentation --variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 128"
)
if [ -n "${CONFIGS:-}" ]; then
  mapfile -t configs < "$CONFIGS"
fi
out="$(mktemp -d)"
./kdml validate examples/quickstart.yaml >/dev/null
echo "| configuration (batch 4, $steps steps, collections inside every kdml step) | step 1: largest loss-term difference | step $steps: kdml vs PyTorch | step $steps: PyTorch 1 vs 2 threads | weights: kdml vs PyTorch | weights: PyTorch vs PyTorch | same |"
echo "|---|---:|---:|---:|---|---|---|"
for cfg in "${configs[@]}"; do
  rm -rf "$out/x"
  ./kdml bench $cfg --batch 4 --threads 2 --export "$out/x" --export-steps "$steps" --churn >/dev/null 2>&1
  set +e
  /usr/bin/python3 bench/pytorch_reference.py --check "$out/x" --threads 2 --floor-threads 1 \
    --summary "$out/s.json" > "$out/check.txt"
  set -e
  /usr/bin/python3 - "$cfg" "$out/s.json" <<'PY'
import json, sys
cfg, s = sys.argv[1], json.load(open(sys.argv[2]))
w = lambda d: ", ".join(f"{k} {v:.2e}" for k, v in d.items())
print(f"| `{cfg}` | {s['first_step']:.1e} | {s['last_step']:.1e} | {s.get('floor_last_step', float('nan')):.1e} "
      f"| {w(s['weights'])} | {w(s.get('floor_weights', {}))} | {'yes' if s['ok'] else 'NO'} |")
PY
done
