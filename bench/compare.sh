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
# python3-torchvision). Not part of the tests. Environment: ROUNDS (3), THREADS (2), WARMUP (10:
# the JVM keeps compiling hot code for the first seconds, and training runs thousands of steps),
# STEPS (6), CONFIGS (a file with one configuration per line, to replace the defaults),
# KDML_BEFORE (the ./kdml launcher of another checkout, e.g. an older commit: run in the same
# rounds and shown as extra columns, for before/after comparisons).
# Each round also runs the PyTorch script with the glibc malloc settings that the kdml launcher
# sets (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_ARENA_MAX): PyTorch gains from them too.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
threads="${THREADS:-2}"
warmup="${WARMUP:-10}"
steps="${STEPS:-6}"
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
  ./kdml bench $small --export "$out/check" --export-steps 1 >/dev/null 2>&1
  if ! $py bench/pytorch_reference.py --check "$out/check" > "$out/check.txt"; then
    cat "$out/check.txt" >&2
    echo "kdml and PyTorch compute different steps for: $cfg" >&2
    exit 1
  fi
  grep -E "same computation|share within" "$out/check.txt" >&2
  for r in $(seq "$rounds"); do
    k=$(./kdml bench $cfg --threads "$threads" --warmup "$warmup" --steps "$steps" --json 2>/dev/null | tail -1)
    p=$(env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_ARENA_MAX \
      $py bench/pytorch_reference.py $cfg --threads "$threads" --warmup "$warmup" --steps "$steps" --json | tail -1)
    # The same script with the glibc malloc settings the kdml launcher uses.
    t=$(MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_ARENA_MAX=1 \
      $py bench/pytorch_reference.py $cfg --threads "$threads" --warmup "$warmup" --steps "$steps" --json | tail -1)
    b='{}'
    if [ -n "${KDML_BEFORE:-}" ]; then
      b=$("$KDML_BEFORE" bench $cfg --threads "$threads" --warmup "$warmup" --steps "$steps" --json 2>/dev/null | tail -1)
    fi
    echo "$cfg	$k	$p	$b	$t" >> "$out/results.tsv"
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
rows, befores, tuned = {}, {}, {}
for line in open(sys.argv[1]):
    cfg, k, p, b, t = line.rstrip("\n").split("\t")
    rows.setdefault(cfg, []).append((json.loads(k), json.loads(p)))
    tuned.setdefault(cfg, []).append(json.loads(t))
    befores.setdefault(cfg, []).append(json.loads(b))
before = all(b for bs in befores.values() for b in bs)
med = statistics.median
n = len(next(iter(rows.values())))
print(f"\n{sys.argv[2]} threads; median of {n} alternating rounds (min–max in brackets); the ratios are medians"
      " of the per-round ratios; phases are mean seconds per step (kdml / PyTorch with kdml's malloc settings)\n")
head = ("| configuration | kdml img/s | PyTorch, same malloc settings: img/s | **kdml / that** |"
        " PyTorch, default malloc: img/s | kdml / that |")
rule = "|---|---:|---:|---:|---:|---:|"
if before:
    head += " before: img/s | before / same-malloc PyTorch |"
    rule += "---:|---:|"
head += (" forward | backward | optimizer | kdml only: finite check + BN copy | kdml tensors per step |"
         " kdml peak RSS MB | PyTorch (same malloc) peak RSS MB |")
rule += "---:|---:|---:|---:|---:|---:|---:|"
print(head)
print(rule)
def spread(values, digits=1):
    v = list(values)
    return f"{med(v):.{digits}f} ({min(v):.{digits}f}–{max(v):.{digits}f})"
for cfg, runs in rows.items():
    ts = tuned[cfg]
    ks = [k for k, _ in runs]
    ps = [p for _, p in runs]
    def phase(name):
        kp = med(k["phase_seconds_mean"].get(name, 0) for k in ks)
        tp = med(t["phase_seconds_mean"].get(name, 0) for t in ts)
        return f"{kp:.3f} / {tp:.3f}"
    extra = med(k["phase_seconds_mean"].get("check", 0) + k["phase_seconds_mean"].get("statistics", 0) for k in ks)
    line = (f"| `{cfg}` | {spread(k['images_per_second'] for k in ks)} | {spread(t['images_per_second'] for t in ts)} |"
            f" **{spread((k['images_per_second'] / t['images_per_second'] for k, t in zip(ks, ts)), 2)}** |"
            f" {spread(p['images_per_second'] for p in ps)} |"
            f" {spread((k['images_per_second'] / p['images_per_second'] for k, p in zip(ks, ps)), 2)} |")
    if before:
        bs = befores[cfg]
        line += (f" {spread(b['images_per_second'] for b in bs)} |"
                 f" {spread((b['images_per_second'] / t['images_per_second'] for b, t in zip(bs, ts)), 2)} |")
    kr = max(k["peak_rss_mb"] for k in ks)
    tr = max(t["peak_rss_mb"] for t in ts)
    tensors = med(k.get("tensors_per_step", 0) for k in ks)
    line += (f" {phase('forward')} | {phase('backward')} | {phase('optimizer')} | {extra:.3f} | {tensors:.0f} |"
             f" {kr:.0f} | {tr:.0f} |")
    print(line)
first = rows[next(iter(rows))][0]
print(f"\nkdml: {first[0]['engine']} through DJL; PyTorch: torch {first[1]['torch']}")
PY
