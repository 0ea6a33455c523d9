#!/usr/bin/env bash
# kdml against PyTorch on the same training step, same machine, same thread count.
#
# For every configuration: first checks that both sides compute the same thing (parameter
# counts and every loss term on kdml's initial weights and batch, `kdml bench --export` then
# `pytorch_reference.py --check`), then runs `kdml bench` and the PyTorch reference
# alternately ROUNDS times and prints a Markdown table: images/s of each (median over rounds),
# the ratio kdml / PyTorch, and where a step's time goes on each side.
#
# Needs Debian's python3-torch and python3-torchvision (apt-get install python3-torch
# python3-torchvision). Not part of the tests. Environment: ROUNDS (3), THREADS (2), WARMUP (2),
# STEPS (5), CONFIGS (a file with one configuration per line, to replace the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
threads="${THREADS:-2}"
warmup="${WARMUP:-2}"
steps="${STEPS:-5}"
configs=(
  "--variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 32 --batch 32"
  "--variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 96 --batch 32"
  "--variant alone --count 1 --students resnet18 --size 32 --batch 32"
  "--variant alone --count 1 --students resnet18 --size 96 --batch 32"
  "--task segmentation --variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 128 --batch 8"
)
if [ -n "${CONFIGS:-}" ]; then
  mapfile -t configs < "$CONFIGS"
fi
py=/usr/bin/python3
out="$(mktemp -d)"
./kdml validate examples/quickstart.yaml >/dev/null   # builds once, outside the timings

for cfg in "${configs[@]}"; do
  echo "== $cfg" >&2
  # Same computation? On a small batch of the same configuration.
  small="$(echo "$cfg" | sed -E 's/--batch [0-9]+/--batch 4/')"
  rm -rf "$out/check"
  ./kdml bench $small --export "$out/check" >/dev/null 2>&1
  if ! $py bench/pytorch_reference.py --check "$out/check" > "$out/check.txt"; then
    cat "$out/check.txt" >&2
    echo "kdml and PyTorch compute different steps for: $cfg" >&2
    exit 1
  fi
  grep -E "same computation|share within" "$out/check.txt" >&2
  for r in $(seq "$rounds"); do
    k=$(./kdml bench $cfg --threads "$threads" --warmup "$warmup" --steps "$steps" --json 2>/dev/null | tail -1)
    p=$($py bench/pytorch_reference.py $cfg --threads "$threads" --warmup "$warmup" --steps "$steps" --json | tail -1)
    echo "$cfg	$k	$p" >> "$out/results.tsv"
    $py - "$k" "$p" <<'PY' >&2
import json, sys
k, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"  kdml {k['images_per_second']:.2f} img/s, pytorch {p['images_per_second']:.2f} img/s, "
      f"ratio {k['images_per_second'] / p['images_per_second']:.2f}")
PY
  done
done

$py - "$out/results.tsv" "$threads" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    cfg, k, p = line.rstrip("\n").split("\t")
    rows.setdefault(cfg, []).append((json.loads(k), json.loads(p)))
print(f"\n{sys.argv[2]} threads; median over rounds; phases are mean seconds per step (kdml / PyTorch)\n")
print("| configuration | kdml img/s | PyTorch img/s | kdml / PyTorch | forward | backward | optimizer | kdml only: finite check + BN copy | kdml peak RSS MB | PyTorch peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for cfg, runs in rows.items():
    ki = statistics.median(k["images_per_second"] for k, _ in runs)
    pi = statistics.median(p["images_per_second"] for _, p in runs)
    ratio = statistics.median(k["images_per_second"] / p["images_per_second"] for k, p in runs)
    def phase(name):
        kp = statistics.median(k["phase_seconds_mean"].get(name, 0) for k, _ in runs)
        pp = statistics.median(p["phase_seconds_mean"].get(name, 0) for _, p in runs)
        return f"{kp:.3f} / {pp:.3f}"
    extra = statistics.median(k["phase_seconds_mean"].get("check", 0) + k["phase_seconds_mean"].get("statistics", 0)
                              for k, _ in runs)
    kr = max(k["peak_rss_mb"] for k, _ in runs)
    pr = max(p["peak_rss_mb"] for _, p in runs)
    print(f"| `{cfg}` | {ki:.1f} | {pi:.1f} | {ratio:.2f} | {phase('forward')} | {phase('backward')} | "
          f"{phase('optimizer')} | {extra:.3f} | {kr:.0f} | {pr:.0f} |")
k0 = rows[next(iter(rows))][0]
print(f"\nkdml: {k0['engine']} via DJL; PyTorch: {rows[next(iter(rows))][0][1]['torch']}")
PY
