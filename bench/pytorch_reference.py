#!/usr/bin/python3
"""The PyTorch side of `kdml bench`: the same training step, timed the same way.

One step = forward of the teacher and every student, the variant's losses with the same
detach points, one backward over the summed losses, and one Adam step per network, as
kdml's DistillationSession does. Architectures are torchvision's ResNet-50/ResNet-18 (the
teacher gets the same 1x1 conv-BN-ReLU adapter before its classifier when channels differ).
Prints one JSON object with the same keys as `kdml bench --json`.

Run with Debian's torch: /usr/bin/python3 bench/pytorch_reference.py --variant kd-ml-v3 \
    --teacher resnet50 --students resnet18 --size 96 --batch 32 --threads 2 --json
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class Net(nn.Module):
    """torchvision backbone returning (logits, shared feature) like kdml's KdNetwork."""

    def __init__(self, arch, classes, adapter=0):
        super().__init__()
        m = getattr(torchvision.models, arch)(num_classes=classes)
        self.body = nn.Sequential(m.conv1, m.bn1, m.relu, m.maxpool, m.layer1, m.layer2, m.layer3, m.layer4)
        channels = m.fc.in_features
        self.adapter = None
        if adapter and adapter != channels:
            self.adapter = nn.Sequential(nn.Conv2d(channels, adapter, 1, bias=False), nn.BatchNorm2d(adapter),
                                         nn.ReLU())
            channels = adapter
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        f = self.body(x)
        if self.adapter is not None:
            f = self.adapter(f)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(f, 1), 1)), f


def preset(variant, n):
    """Edges (src, dst, kind) of kdml's presets, for n students (the DESIGN.md table)."""
    mode, version = variant.rsplit("-", 1)
    edges, teacher = [], mode != "ml"
    for i in range(1, n + 1):
        style = "p" if i % 2 == 1 else "f"
        other = "f" if style == "p" else "p"
        if mode in ("kd-off", "kd-on", "kd-ml"):
            k = {"v1": "p", "v2": "f", "v3": other if mode == "kd-ml" else style}[version]
            edges.append(("teacher", f"s{i}", k))
        if mode in ("ml", "kd-ml"):
            for j in range(1, n + 1):
                if j != i:
                    edges.append((f"s{j}", f"s{i}", {"v1": "p", "v2": "f", "v3": style}[version]))
    return edges, teacher, mode == "kd-off"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", default="kd-ml-v3")
    ap.add_argument("--teacher", default="resnet50")
    ap.add_argument("--students", default="resnet18")
    ap.add_argument("--count", type=int, default=2)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    edges, has_teacher, frozen = preset(a.variant, a.count)
    student_channels = 512 if a.students == "resnet18" else 2048
    nets = {}
    if has_teacher:
        nets["teacher"] = Net(a.teacher, 2, adapter=student_channels)
    for i in range(1, a.count + 1):
        nets[f"s{i}"] = Net(a.students, 2)
    opts = {k: torch.optim.Adam(v.parameters(), lr=1e-3) for k, v in nets.items()}
    trainable = [k for k in nets if not (k == "teacher" and frozen)]
    if frozen:
        nets["teacher"].eval()
        for p in nets["teacher"].parameters():
            p.requires_grad_(False)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.randint(0, 2, (a.batch,))
    alpha, T = 0.5, 2.0

    def step():
        out = {k: nets[k](x) for k in nets}
        total = 0
        for k in trainable:
            logits, feat = out[k]
            task = F.cross_entropy(logits, y)
            incoming = [e for e in edges if e[1] == k]
            if not incoming:
                total = total + task
                continue
            distill = 0
            for src, _, kind in incoming:
                if kind == "p":
                    ps = F.log_softmax(out[src][0].detach() / T, 1)
                    pt = F.log_softmax(logits / T, 1)
                    distill = distill + T * T * (ps.exp() * (ps - pt)).sum(1).mean()
                else:
                    distill = distill + F.mse_loss(feat, out[src][1].detach())
            total = total + (1 - alpha) * task + alpha * distill
        for k in trainable:
            opts[k].zero_grad(set_to_none=False)
        total.backward()
        for k in trainable:
            opts[k].step()

    for k in trainable:
        nets[k].train()
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    mean = statistics.mean(times)
    r = {
        "impl": "pytorch", "torch": torch.__version__, "variant": a.variant, "teacher": a.teacher if has_teacher else None,
        "students": [a.students] * a.count, "size": a.size, "batch": a.batch, "threads": a.threads,
        "steps": a.steps, "step_seconds_mean": mean, "step_seconds_median": statistics.median(times),
        "step_seconds_min": min(times), "images_per_second": a.batch / mean,
        "images_per_second_median": a.batch / statistics.median(times),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "parameters": {k: sum(p.numel() for p in v.parameters()) for k, v in nets.items()},
    }
    print(json.dumps(r) if a.json else "\n".join(f"{k:26} {v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
