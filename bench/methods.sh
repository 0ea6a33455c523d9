#!/usr/bin/env bash
# Step throughput of every existing method's variant against kd-ml-v3, classification (the bench
# configuration: ResNet-50 -> ResNet-18, 96 px, batch 32) and segmentation (U-Nets, 96 px, batch 8):
# ROUNDS alternating rounds in one run, then a table per task with the median over rounds of each
# round's median step and the spread (min-max). README's "Existing methods" tables come from it.
#   bench/methods.sh [ROUNDS]    (default 3; about 6 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
out="$(mktemp -d)"
for round in $(seq 1 "$rounds"); do
  for v in kd-ml-v3 baseline-fitnet baseline-at baseline-sp baseline-vid baseline-srrl baseline-semckd baseline-simkd; do
    ./kdml bench --variant "$v" --teacher resnet50 --students resnet18 --size 96 --batch 32 --steps 5 --warmup 2 \
      --json 2>/dev/null | grep '^{' >> "$out/classification.jsonl"
  done
  for v in kd-ml-v3 baseline-skd baseline-ifvd baseline-cwd baseline-dsd baseline-emkd; do
    ./kdml bench --task segmentation --variant "$v" --teacher resnet50 --students resnet18 --size 96 --batch 8 \
      --steps 5 --warmup 2 --json 2>/dev/null | grep '^{' >> "$out/segmentation.jsonl"
  done
done
for task in classification segmentation; do
  echo "$task:"
  python3 - "$out/$task.jsonl" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows.setdefault(r["variant"], []).append(r)
print("| variant | deployed student | training-only | img/s median (min–max of rounds) | s / step median | peak RSS max |")
print("|---|---:|---:|---:|---:|---:|")
for v, rs in rows.items():
    ips = [r["images_per_second_median"] for r in rs]
    sps = [r["step_seconds_median"] for r in rs]
    p = rs[0]["parameters"]
    extra = sum(val for k, val in p.items() if k.startswith("s1."))
    print(f"| `{v}` | {p.get('s1', 0) / 1e6:.2f} M | {extra / 1e6:.2f} M | {statistics.median(ips):.1f} "
          f"({min(ips):.1f}–{max(ips):.1f}) | {statistics.median(sps):.2f} | {max(r['peak_rss_mb'] for r in rs) / 1024:.2f} GB |")
PY
done
