#!/usr/bin/env bash
# The int8 formats side by side on the quick-start student: trains the quick start's kd-ml-v3 run of
# seed 1 (examples/quickstart.yaml narrowed to that run: same data, networks and training), exports
# its S1 and its ensemble with --int8-format u8s7 and u8s8, and prints each export's int8 agreement
# with FP32 and accuracy change with their statistics, and the CPU it ran on. Not a test.
#   bench/int8_formats.sh        (about 2 minutes on 2 cores)
#   STUDENTS=resnet18 SAMPLES=2000 TRAIN_FRACTION=0.5 bench/int8_formats.sh
#                                (full-size ResNet-18 students on the same kind of patches, 800 test
#                                 images; about 7 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
sed -e 's/^modes: .*/modes: [kd-ml]/' -e 's/^versions: .*/versions: [v3]/' -e 's/^seeds: .*/seeds: [1]/' \
  -e 's/^name: .*/name: int8-formats/' \
  -e "s/^students: .*/students: [${STUDENTS:-resnet18-tiny}, ${STUDENTS:-resnet18-tiny}]/" \
  -e "s/^  samples: .*/  samples: ${SAMPLES:-1000}/" -e "s/^  trainFraction: .*/  trainFraction: ${TRAIN_FRACTION:-0.75}/" \
  examples/quickstart.yaml > "$work/spec.yaml"
./kdml train "$work/spec.yaml" --out "$work/runs" > "$work/train.log"
run="$(ls -d "$work"/runs/int8-formats/*/ | head -1)"
for node in s1 ensemble; do
  for f in u8s7 u8s8; do
    ./kdml export "$run" --network "$node" --int8 --int8-format "$f" --out "$work/$node-$f" --latency-runs 5 \
      > "$work/$node-$f.log"
  done
done
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); features: $(grep -o -w -E 'avx2|fma|avx512f|avx512_vnni|avx_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')${ATEN_CPU_CAPABILITY:+; ATEN_CPU_CAPABILITY=$ATEN_CPU_CAPABILITY}"
echo
echo "| network | format | test images | FP32 accuracy | int8 accuracy | change (95 % interval) | disagreements (95 % upper bound of the rate) | goal met | consistent at 0.001 | int8 exact on this CPU |"
echo "|---|---|---:|---:|---:|---|---|---|---|---|"
for node in s1 ensemble; do
  for f in u8s7 u8s8; do
    python3 - "$work/$node-$f/model-card.json" "$node" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); i = c["int8"]; k = i["check"]
lo, hi = k["changeInterval95"]
print(f"| {sys.argv[2]} | {i['format']} | {k['images']} | {c['metrics']['onnxRuntime']['accuracy']:.4f} | {i['metrics']['accuracy']:.4f} "
      f"| {k['primaryMetricChange']:+.4f} ({lo:+.4f} to {hi:+.4f}) | {k['disagreements']} ({k['disagreementUpper95']:.3f}) "
      f"| {'yes' if k['meetsGoal'] else 'no'} | {'yes' if k['consistentWithGoal'] else 'no'} | {'yes' if i['measuredOn']['int8ProductsExactHere'] else 'no'} |")
PY
  done
done
