#!/usr/bin/env bash
# How the training step's cost grows with the work (not a test): kdml and the PyTorch reference
# (given kdml's malloc settings) on KD on V3 (the teacher, trained with them, teaches every student),
# ResNet-50 -> ResNet-18 students, alternating, ROUNDS
# times: time per image at batch 16, 32 and 64 (2 students), and time per step with 1, 2 and 4
# students (batch 32). Prints a Markdown table (median over rounds, min-max spread) and draws
# OUT (default docs/scaling.png) with bench/ScalingPlot.java.
# Environment: ROUNDS (2), THREADS (2), SIZE (64), WARMUP (6), STEPS (4), OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-2}"
threads="${THREADS:-2}"
size="${SIZE:-64}"
warmup="${WARMUP:-6}"
steps="${STEPS:-4}"
png="${OUT:-docs/scaling.png}"
py=/usr/bin/python3
tmp="$(mktemp -d)"
./kdml validate examples/quickstart.yaml >/dev/null   # builds once, outside the timings
configs=("batch 16 2" "batch 32 2" "batch 64 2" "students 32 1" "students 32 4")
for r in $(seq "$rounds"); do
  for c in "${configs[@]}"; do
    read -r panel batch count <<< "$c"
    cfg="--variant kd-on-v3 --teacher resnet50 --students resnet18 --count $count --size $size --batch $batch"
    k=$(./kdml bench $cfg --threads "$threads" --warmup "$warmup" --steps "$steps" --json 2>/dev/null | tail -1)
    p=$(MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_ARENA_MAX=1 \
      $py bench/pytorch_reference.py $cfg --threads "$threads" --warmup "$warmup" --steps "$steps" --json | tail -1)
    for side in kdml pytorch; do
      json=$k; [ "$side" = pytorch ] && json=$p
      echo "$json" | $py -c "import json,sys; j=json.load(sys.stdin); print('$batch\t$count\t$side\t%.6f\t%s' % (j['step_seconds_median'], j.get('tensors_per_step', '')))" >> "$tmp/raw.tsv"
    done
    echo "round $r: $cfg done" >&2
  done
done
$py - "$tmp/raw.tsv" "$tmp/plot.tsv" <<'PY'
import statistics, sys
rows = {}
tensors = {}
for line in open(sys.argv[1]):
    batch, count, side, sec, t = line.rstrip("\n").split("\t")
    rows.setdefault((int(batch), int(count), side), []).append(float(sec))
    if t:
        tensors[(int(batch), int(count))] = float(t)
def stat(key):
    v = rows[key]
    return statistics.median(v), min(v), max(v)
plot = open(sys.argv[2], "w")
print("| batch | students | kdml ms/step | kdml ms/image | PyTorch (kdml's malloc) ms/step | PyTorch ms/image | kdml / PyTorch | kdml tensors per step |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for batch, count in sorted({(b, c) for b, c, _ in rows}, key=lambda k: (k[1], k[0])):
    km, kl, kh = stat((batch, count, "kdml"))
    pm, pl, ph = stat((batch, count, "pytorch"))
    print(f"| {batch} | {count} | {km*1e3:.0f} ({kl*1e3:.0f}–{kh*1e3:.0f}) | {km/batch*1e3:.1f} | {pm*1e3:.0f} ({pl*1e3:.0f}–{ph*1e3:.0f}) | {pm/batch*1e3:.1f} | {pm/km:.2f} | {tensors.get((batch, count), 0):.0f} |")
    for side, (m, l, h) in (("kdml", (km, kl, kh)), ("pytorch", (pm, pl, ph))):
        if count == 2:
            plot.write(f"batch\t{side}\t{batch}\t{m/batch*1e3}\t{l/batch*1e3}\t{h/batch*1e3}\n")
        if batch == 32:
            plot.write(f"students\t{side}\t{count}\t{m*1e3}\t{l*1e3}\t{h*1e3}\n")
plot.close()
PY
sort -t$'\t' -k1,1r -k2,2 -k3,3n "$tmp/plot.tsv" > "$tmp/plot-sorted.tsv"
java bench/ScalingPlot.java "$tmp/plot-sorted.tsv" "$png"
echo "" ; echo "$threads threads, ${size} px, median of $rounds rounds (min–max); plot: $png"
