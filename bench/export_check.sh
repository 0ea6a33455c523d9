#!/usr/bin/env bash
# weights.npz in PyTorch: trains a small run with full-size ResNet-18 students (kdml train), exports
# S1 (kdml export), predicts a few images on ONNX Runtime (kdml predict), then loads weights.npz into
# torchvision's resnet18 with load_state_dict(strict=True) and compares its probabilities on the same
# images with ONNX Runtime's. Needs python3-torch and python3-torchvision (Debian). Not a test: a check
# to run by hand; prints the largest difference.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
# Debian's python3-torch lives under /usr/bin/python3 (a pyenv shim may come first on the PATH).
python="${PYTHON:-/usr/bin/python3}"
cat > "$work/spec.yaml" <<YAML
name: export-check
dataset: {kind: synthetic-patches, imageSize: 32, samples: 200}
teacher: resnet50-tiny
students: [resnet18, resnet18]
modes: [kd-off]
versions: [v1]
seeds: [1]
training: {epochs: 1, teacherEpochs: 1, batchSize: 32, learningRate: 0.002}
YAML
./kdml train "$work/spec.yaml" --out "$work/runs" > "$work/train.log"
run="$(ls -d "$work"/runs/export-check/*/ | head -1)"
./kdml export "$run" --network s1 --out "$work/export" --latency-runs 5 > "$work/export.log"
"$python" - "$work/images" <<'PY'
import os, sys
import torch, torchvision
os.makedirs(sys.argv[1], exist_ok=True)
g = torch.Generator().manual_seed(7)
for i in range(8):
    # Near the patches' mean colour with mild noise: in range for the network, so its probabilities
    # are not saturated at 0 and 1 (where any two implementations agree trivially).
    base = torch.tensor([180, 120, 170]).view(3, 1, 1)
    img = (base + torch.randint(-40, 41, (3, 32, 32), generator=g)).clamp(0, 255).to(torch.uint8)
    torchvision.io.write_png(img, f"{sys.argv[1]}/img{i}.png")
PY
./kdml predict "$work/export/model.onnx" "$work/images" --out "$work/pred" > "$work/predict.log"
"$python" - "$work" <<'PY'
import csv, json, sys
import numpy as np
import torch, torchvision
work = sys.argv[1]
card = json.load(open(f"{work}/export/model-card.json"))
norm = card["model"]["input"]["normalizationInsideGraph"]
weights = np.load(f"{work}/export/weights.npz")
model = torchvision.models.resnet18(num_classes=len(card["model"]["classes"]))
model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in weights.items()}, strict=True)
model.eval()
rows = list(csv.DictReader(open(f"{work}/pred/predictions.csv")))
worst = 0.0
lowest = 1.0
for r in rows:
    x = torchvision.io.read_image(f"{work}/images/{r['file']}").float().div(255).unsqueeze(0)
    x = (x - torch.tensor(norm["mean"]).view(1, 3, 1, 1).float()) / torch.tensor(norm["std"]).view(1, 3, 1, 1).float()
    with torch.no_grad():
        p = torch.softmax(model(x), 1)[0].numpy()
    onnx = np.array([float(r[k]) for k in r if k.startswith("p_")])
    worst = max(worst, float(np.abs(p - onnx).max()))
    lowest = min(lowest, float(p.max()))
print(f"torchvision resnet18 from weights.npz (strict load) vs ONNX Runtime on {len(rows)} images: "
      f"max |difference of probabilities| = {worst:.2e} (top-class probabilities down to {lowest:.3f})")
PY
