#!/usr/bin/env bash
# Deployment latency and export fidelity at the paper's sizes: trains two short runs (classification:
# ResNet-50 teacher, a ResNet-18 and a MobileNet student, 96 px, 600 test images; segmentation: U-Nets
# of the same encoders, 128 px; one epoch each: the weights only need to be trained enough for int8
# calibration), exports every network (each full-size architecture) with --int8 (u8s7, the default)
# and the ResNet-18 students again with --int8-format u8s8, then
#  1. prints each export's FP32 check (max |ONNX Runtime - kdml| against its derived tolerance) and
#     int8 agreement with its statistics, for both formats, with the CPU it ran on;
#  2. times each model at batch 1 with kdml bench-infer on ONNX Runtime (FP32, INT8) and DJL (eager),
#     on 1 and 2 threads: one table (p50 ms, images/s) and the file sizes.
#   bench/export_latency.sh [ITERATIONS]   (default 100; about 25 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-100}"
work="$(mktemp -d)"
cat > "$work/cls.yaml" <<YAML
name: latency-cls
dataset: {kind: synthetic-patches, imageSize: 96, samples: 1000, trainFraction: 0.3, valFraction: 0.1}
teacher: resnet50
students: [resnet18, mobilenet]
modes: [kd-off]
versions: [v1]
seeds: [1]
training: {epochs: 1, teacherEpochs: 1, batchSize: 32, learningRate: 0.001}
YAML
cat > "$work/seg.yaml" <<YAML
name: latency-seg
task: segmentation
dataset: {kind: synthetic-scans, root: '$work/scans', samples: 120, imageSize: 128, trainFraction: 0.5, valFraction: 0.1}
teacher: resnet50
students: [resnet18, mobilenet]
modes: [kd-off]
versions: [v1]
seeds: [1]
training: {epochs: 1, teacherEpochs: 1, batchSize: 8, learningRate: 0.001}
YAML
for t in cls seg; do
  ./kdml train "$work/$t.yaml" --out "$work/runs" > "$work/$t-train.log"
  run="$(ls -d "$work"/runs/latency-$t/*/ | head -1)"
  for node in s1 s2 teacher; do
    ./kdml export "$run" --network "$node" --int8 --out "$work/$t-$node" --latency-runs 10 > "$work/$t-$node.log"
  done
  ./kdml export "$run" --network s1 --int8 --int8-format u8s8 --out "$work/$t-s1-u8s8" --latency-runs 10 \
    > "$work/$t-s1-u8s8.log"
done
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); features: $(grep -o -E 'avx512f|avx512_vnni|avx_vnni|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')${ATEN_CPU_CAPABILITY:+; ATEN_CPU_CAPABILITY=$ATEN_CPU_CAPABILITY}"
echo
echo "| model | architecture | FP32 max diff | tolerance (layers, max fan-in, max logit) | int8 format | test images | int8 change (95 % interval) | agreement | goal met | consistent at 0.001 |"
echo "|---|---|---:|---|---|---:|---|---:|---|---|"
for d in cls-s1 cls-s2 cls-teacher cls-s1-u8s8 seg-s1 seg-s2 seg-teacher seg-s1-u8s8; do
  python3 - "$work/$d/model-card.json" "$d" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); f = c["fidelity"]; t = f["tolerance"]; i = c["int8"]; k = i["check"]
lo, hi = k["changeInterval95"]
print(f"| {sys.argv[2]} | {c['model']['architecture']} | {f['maxAbsDifferenceOnnxVsKdml']:.2e} | {t['value']:.2e} ({t['layers']}, {t['maxFanIn']}, {t['logitScale']:.1f}) "
      f"| {i['format']} | {k['images']} | {k['primaryMetricChange']:+.4f} ({lo:+.4f} to {hi:+.4f}) | {k['agreement']:.4f} | {'yes' if k['meetsGoal'] else 'no'} | {'yes' if k['consistentWithGoal'] else 'no'} |")
PY
done
echo
echo "| model | file | MB | threads | ONNX Runtime p50 ms | images/s | DJL p50 ms | DJL images/s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for t in cls seg; do
  for node in s1 s2 teacher; do
    for f in model.onnx model-int8.onnx; do
      for threads in 1 2; do
        ./kdml --threads "$threads" bench-infer "$work/$t-$node/$f" --runs "$work/runs" --iterations "$iterations" \
          --json 2>/dev/null | grep '^{' | python3 -c "
import json, os, sys
r = json.load(sys.stdin)
o = r['onnxruntime']; d = r['djl'] if isinstance(r['djl'], dict) else None
djl = '–' if d is None or '$f' != 'model.onnx' else f\"{d['p50Ms']:.2f}\"
djl_ips = '–' if d is None or '$f' != 'model.onnx' else f\"{d['imagesPerSecond']:.1f}\"
print(f\"| $t $node | $f | {os.path.getsize('$work/$t-$node/$f') / 1e6:.1f} | $threads | {o['p50Ms']:.2f} | {o['imagesPerSecond']:.1f} | {djl} | {djl_ips} |\")"
      done
    done
  done
done
