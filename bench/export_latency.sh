#!/usr/bin/env bash
# Deployment latency: trains two short runs at the paper's sizes (classification: ResNet-50 teacher,
# ResNet-18 students, 96 px; segmentation: U-Nets, 128 px; one epoch each: the weights only need to be
# trained enough for int8 calibration), exports the ResNet-18 student, the U-Net student and the
# teachers with --int8, then times each model at batch 1 with kdml bench-infer on ONNX Runtime (FP32,
# INT8) and DJL (eager), on 1 and 2 threads. Prints one table (p50 ms, images/s) and the file sizes.
#   bench/export_latency.sh [ITERATIONS]   (default 100; about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-100}"
work="$(mktemp -d)"
cat > "$work/cls.yaml" <<YAML
name: latency-cls
dataset: {kind: synthetic-patches, imageSize: 96, samples: 400}
teacher: resnet50
students: [resnet18, resnet18]
modes: [kd-off]
versions: [v1]
seeds: [1]
training: {epochs: 1, teacherEpochs: 1, batchSize: 32, learningRate: 0.001}
YAML
cat > "$work/seg.yaml" <<YAML
name: latency-seg
task: segmentation
dataset: {kind: synthetic-scans, root: '$work/scans', samples: 80, imageSize: 128}
teacher: resnet50
students: [resnet18, resnet18]
modes: [kd-off]
versions: [v1]
seeds: [1]
training: {epochs: 1, teacherEpochs: 1, batchSize: 8, learningRate: 0.001}
YAML
for t in cls seg; do
  ./kdml train "$work/$t.yaml" --out "$work/runs" > "$work/$t-train.log"
  run="$(ls -d "$work"/runs/latency-$t/*/ | head -1)"
  for node in s1 teacher; do
    ./kdml export "$run" --network "$node" --int8 --out "$work/$t-$node" --latency-runs 10 > "$work/$t-$node.log"
  done
done
echo "| model | file | MB | threads | ONNX Runtime p50 ms | images/s | DJL p50 ms | DJL images/s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for t in cls seg; do
  for node in s1 teacher; do
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
