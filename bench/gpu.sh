#!/usr/bin/env bash
# The kdml / PyTorch comparison on a GPU: builds kdml with the cuda profile (DJL's
# pytorch-native-cu121, fetched by Maven: run this where Maven Central is reachable, or with a
# local repository that already holds it) and runs bench/compare.sh's configurations on the
# GPU with a few rounds. Needs an NVIDIA driver, and a CUDA build of torch for the PyTorch side
# (PY=/path/to/python with torch+torchvision built for CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PY:-/usr/bin/python3}"
rounds="${ROUNDS:-2}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$py -c "import torch; assert torch.cuda.is_available(), 'this torch has no CUDA'; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
mvn -B -q -Pcuda -DskipTests package
configs=(
  "--variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 96 --batch 32"
  "--variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 224 --batch 64"
  "--variant alone --count 1 --students resnet18 --size 224 --batch 64"
  "--task segmentation --variant kd-ml-v3 --teacher resnet50 --students resnet18 --size 256 --batch 16"
)
for cfg in "${configs[@]}"; do
  for r in $(seq "$rounds"); do
    k=$(./kdml bench $cfg --warmup 5 --steps 20 --json 2>/dev/null | tail -1)
    p=$($py bench/pytorch_reference.py $cfg --device cuda --warmup 5 --steps 20 --json | tail -1)
    $py - "$cfg" "$k" "$p" <<'PY'
import json, sys
cfg, k, p = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
assert k["device"].startswith("gpu"), f"kdml ran on {k['device']}: not the cuda build?"
print(f"{cfg} | kdml {k['images_per_second']:.1f} img/s on {k['device']} | pytorch {p['images_per_second']:.1f} img/s "
      f"(torch {p['torch']}) | ratio {k['images_per_second'] / p['images_per_second']:.2f}")
PY
  done
done
