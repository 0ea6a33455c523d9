#!/usr/bin/python3
"""The PyTorch side of `kdml bench`: the same training step, timed the same way.

One step = forward of the teacher and every student, the variant's losses with the same
detach points, one backward over the summed losses, and one Adam step per network, as
kdml's DistillationSession does. Architectures are torchvision's ResNet-50/ResNet-18 (the
teacher gets the same 1x1 conv-BN-ReLU adapter before its classifier when channels differ),
or, with --task segmentation, the same U-Net on those encoders (five decoder blocks of
nearest 2x upsampling, skip concatenation and two 3x3 conv-BN-ReLU; a 3x3 head) with
focal + Dice task loss and per-pixel T^2 KL. `--variant alone` trains the students alone.
Prints one JSON object with the same keys as `kdml bench --json`, phase times included.

Run with Debian's torch: /usr/bin/python3 bench/pytorch_reference.py --variant kd-ml-v3 \
    --teacher resnet50 --students resnet18 --size 96 --batch 32 --threads 2 --json

Check mode: `kdml bench ... --export DIR [--export-steps N] [--churn]` writes kdml's initial
weights, N batches, the loss terms of every step and its weights after N steps (with --churn,
collections and memory reuse between every forward pass and backward); `pytorch_reference.py
--check DIR [--floor-threads K]` loads the weights into the PyTorch networks (in order, shape by
shape), makes the same N steps on the same batches, and prints both side by side. Step 1's loss
terms must agree within --tolerance. Later steps drift apart by rounding alone (Adam's first
updates are ±lr wherever a gradient is near 0, whatever its size): with --floor-threads K the
same N steps are replayed in PyTorch with K threads (another summation order), and kdml's
distance to PyTorch must be at most twice PyTorch's distance to itself. Exit status 1 when a
parameter count, step 1 or that comparison fails.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ENCODER_CHANNELS = {"resnet18": [64, 64, 128, 256, 512], "resnet50": [64, 256, 512, 1024, 2048]}
DECODER = [256, 128, 64, 32, 16]


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


def conv_bn_relu(cin, cout, k):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class UNet(nn.Module):
    """kdml's UNet: torchvision encoder, taps at strides 2..32, decoder (256,128,64,32,16), 3x3 head."""

    def __init__(self, arch, outputs=1):
        super().__init__()
        m = getattr(torchvision.models, arch)()
        self.enc = nn.ModuleList([nn.Sequential(m.conv1, m.bn1, m.relu), m.maxpool,
                                  m.layer1, m.layer2, m.layer3, m.layer4])
        self.taps = [0, 2, 3, 4, 5]
        ch = ENCODER_CHANNELS[arch]
        blocks, prev = [], ch[4]
        for i in range(5):
            cin = prev + (ch[3 - i] if i < 4 else 0)
            blocks.append(nn.Sequential(conv_bn_relu(cin, DECODER[i], 3), conv_bn_relu(DECODER[i], DECODER[i], 3)))
            prev = DECODER[i]
        self.dec = nn.ModuleList(blocks)
        self.head = nn.Conv2d(DECODER[4], outputs, 3, padding=1, bias=True)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.enc):
            x = block(x)
            if i in self.taps:
                skips.append(x)
        y, feature = skips[4], None
        for i in range(5):
            y = F.interpolate(y, scale_factor=2, mode="nearest")
            if i < 4:
                y = torch.cat([y, skips[3 - i]], 1)
            y = self.dec[i](y)
            if i == 0:
                feature = y
        return self.head(y), feature


def preset(variant, n):
    """Edges (src, dst, kind) of kdml's presets, for n students (the DESIGN.md table)."""
    if variant == "alone":
        return [], False, False
    mode, version = variant.rsplit("-", 1)
    edges, teacher = [], mode != "ml"
    for i in range(1, n + 1):
        style = "predictions" if i % 2 == 1 else "features"
        other = "features" if style == "predictions" else "predictions"
        if mode in ("kd-off", "kd-on", "kd-ml"):
            k = {"v1": "predictions", "v2": "features", "v3": other if mode == "kd-ml" else style}[version]
            edges.append(("teacher", f"s{i}", k))
        if mode in ("ml", "kd-ml"):
            for j in range(1, n + 1):
                if j != i:
                    k = {"v1": "predictions", "v2": "features", "v3": style}[version]
                    edges.append((f"s{j}", f"s{i}", k))
    return edges, teacher, mode == "kd-off"


def log_probs(z):
    """Per-pixel (background, foreground) log-probabilities of binary logits, as kdml's SegTerms."""
    return torch.cat([F.logsigmoid(-z), F.logsigmoid(z)], 1)


class Losses:
    """kdml's NodeLoss terms, by name: task, <kind><-<source>, total."""

    def __init__(self, seg, alpha=0.5, temperature=2.0, gamma=2.0):
        self.seg, self.alpha, self.t, self.gamma = seg, alpha, temperature, gamma

    def task(self, z, y):
        if not self.seg:
            return F.cross_entropy(z, y)
        log_pt = (log_probs(z) * torch.cat([1 - y, y], 1)).sum(1)
        focal = -((1 - log_pt.exp()) ** self.gamma * log_pt).mean()
        p = torch.sigmoid(z)
        inter = (p * y).sum((2, 3))
        dice = (1 - (2 * inter + 1) / (p.sum((2, 3)) + y.sum((2, 3)) + 1)).mean()
        return focal + dice

    def predictions(self, src, dst):
        t = self.t
        if self.seg:
            ps, pt = log_probs(src.detach() / t), log_probs(dst / t)
        else:
            ps, pt = F.log_softmax(src.detach() / t, 1), F.log_softmax(dst / t, 1)
        return t * t * (ps.exp() * (ps - pt)).sum(1).mean()

    def node(self, node, out, y, edges):
        logits, feat = out[node]
        terms = {"task": self.task(logits, y)}
        incoming = [e for e in edges if e[1] == node]
        if not incoming:
            terms["total"] = terms["task"]
            return terms
        distill = 0
        for src, _, kind in incoming:
            term = self.predictions(out[src][0], logits) if kind == "predictions" \
                else F.mse_loss(feat, out[src][1].detach())
            terms[f"{kind}<-{src}"] = term
            distill = distill + term
        terms["total"] = (1 - self.alpha) * terms["task"] + self.alpha * distill
        return terms


def build(task, teacher_arch, student_arch, count, classes, has_teacher):
    seg = task == "segmentation"
    nets = {}
    if has_teacher:
        if seg:
            nets["teacher"] = UNet(teacher_arch)
        else:
            nets["teacher"] = Net(teacher_arch, classes, adapter=ENCODER_CHANNELS[student_arch][4])
    for i in range(1, count + 1):
        nets[f"s{i}"] = UNet(student_arch) if seg else Net(student_arch, classes)
    return nets


class Step:
    """One training step of every trainable network; `phases` accumulates seconds per phase."""

    def __init__(self, nets, edges, frozen, losses, lr=1e-3):
        self.nets, self.edges, self.losses = nets, edges, losses
        self.trainable = [k for k in nets if not (k == "teacher" and frozen)]
        self.opts = {k: torch.optim.Adam(nets[k].parameters(), lr=lr) for k in self.trainable}
        self.phases = {}
        if frozen:
            nets["teacher"].eval()
            for p in nets["teacher"].parameters():
                p.requires_grad_(False)
        for k in self.trainable:
            nets[k].train()

    def _mark(self, name, since):
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - since
        return now

    def __call__(self, x, y):
        t = time.perf_counter()
        sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)
        out = {k: self.nets[k](x) for k in self.nets}
        sync()
        t = self._mark("forward", t)
        terms = {k: self.losses.node(k, out, y, self.edges) for k in self.trainable}
        total = sum(terms[k]["total"] for k in self.trainable)
        values = {f"{k}/{name}": v.item() for k in self.trainable for name, v in terms[k].items()}
        t = self._mark("loss", t)
        for k in self.trainable:
            self.opts[k].zero_grad(set_to_none=False)
        total.backward()
        sync()
        t = self._mark("backward", t)
        for k in self.trainable:
            self.opts[k].step()
        sync()
        self._mark("optimizer", t)
        return values


def batch(task, n, size, classes):
    x = torch.randn(n, 3, size, size)
    if task == "segmentation":
        return x, (torch.rand(n, 1, size, size) > 0.9).float()
    return x, torch.randint(0, classes, (n,))


def bench(a):
    edges, has_teacher, frozen = preset(a.variant, a.count)
    nets = {k: v.to(a.device) for k, v in build(a.task, a.teacher, a.students, a.count, a.classes,
                                                  has_teacher).items()}
    step = Step(nets, edges, frozen, Losses(a.task == "segmentation"))
    x, y = (t.to(a.device) for t in batch(a.task, a.batch, a.size, a.classes))
    times = []
    for i in range(a.warmup + a.steps):
        if i == a.warmup:
            step.phases = {}
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        step(x, y)
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    mean = statistics.mean(times)
    return {
        "impl": "pytorch", "torch": torch.__version__, "task": a.task, "variant": a.variant,
        "teacher": a.teacher if has_teacher else None, "students": [a.students] * a.count, "size": a.size,
        "batch": a.batch, "threads": a.threads, "device": a.device, "steps": a.steps, "step_seconds_mean": mean,
        "step_seconds_median": statistics.median(times), "step_seconds_min": min(times),
        "images_per_second": a.batch / mean, "images_per_second_median": a.batch / statistics.median(times),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "phase_seconds_mean": {k: v / a.steps for k, v in step.phases.items()},
        "page_faults_per_step": (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / a.steps,
        "parameters": {k: sum(p.numel() for p in v.parameters()) for k, v in nets.items()},
    }


def read(directory, entry):
    dtype = {"float32": np.float32, "int64": np.int64}[entry["dtype"]]
    return torch.from_numpy(np.fromfile(os.path.join(directory, entry["file"]), dtype=dtype).reshape(entry["shape"]))


def tensors(net):
    """Parameters and BN running statistics in registration order: kdml's parameter order."""
    return [v for k, v in net.state_dict(keep_vars=True).items() if not k.endswith("num_batches_tracked")]


def load(net, flat, shapes, node):
    targets = tensors(net)
    if len(targets) != len(shapes):
        raise SystemExit(f"{node}: kdml has {len(shapes)} arrays, PyTorch {len(targets)}")
    offset = 0
    with torch.no_grad():
        for i, (t, shape) in enumerate(zip(targets, shapes)):
            if list(t.shape) != list(shape):
                raise SystemExit(f"{node}: array {i} has shape {shape} in kdml, {list(t.shape)} in PyTorch")
            n = int(np.prod(shape)) if shape else 1
            t.copy_(flat[offset:offset + n].reshape(shape))
            offset += n


def replay(directory, m, threads):
    """PyTorch's run of an export: every step's loss terms, and every trainable network's arrays after them."""
    torch.set_num_threads(threads)
    edges = [tuple(e) for e in m["edges"]]
    nets = build(m["task"], m["teacher"], m["students"][0], len(m["students"]), m["classes"], "teacher" in m["nodes"])
    for node, net in nets.items():
        entry = m["nodes"][node]
        load(net, read(directory, entry["before"]), entry["shapes"], node)
    step = Step(nets, edges, m["frozen"], Losses(m["task"] == "segmentation", m["alpha"], m["temperature"]), m["lr"])
    xs, ys = read(directory, m["x"]), read(directory, m["y"])
    if not isinstance(m["losses"], list):  # one step (older exports): the batch itself and one map of terms
        xs, ys = xs.unsqueeze(0), ys.unsqueeze(0)
    values = [step(xs[k], ys[k]) for k in range(xs.shape[0])]
    weights = {node: torch.cat([t.detach().reshape(-1) for t in tensors(nets[node])]) for node in step.trainable}
    return nets, values, weights


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-6) if a is not None and b is not None else float("inf")


def compare(m, directory, label, values, weights, reference, reference_weights, show):
    """Prints how far `values`/`weights` are from `reference`; @return (worst loss term per step, weight ratios)."""
    worst = []
    for k, (mine, theirs) in enumerate(zip(values, reference)):
        rels = {name: relative(mine.get(name), v) for name, v in theirs.items()}
        if set(mine) != set(theirs):
            rels["(terms differ)"] = float("inf")
        if show and (k == 0 or k == len(reference) - 1):
            print(f"\nstep {k + 1}: {'loss term':28} {'reference':>12} {label:>12} {'rel. diff':>10}")
            for name, v in theirs.items():
                print(f"{'':8}{name:28} {v:12.6f} {mine.get(name, float('nan')):12.6f} {rels[name]:10.2e}")
        worst.append(max(rels.values()))
    print(f"\n{label}: largest relative loss-term difference per step (1..{len(reference)}): "
          + " ".join(f"{w:.1e}" for w in worst))
    print(f"{label}: after {len(reference)} step(s) (lr {m['lr']}), per network")
    print(f"{'network':10} {'max |dw|':>10} {'mean |dw|':>10} {'|dw| / |w_ref - w0|':>20}")
    ratios = {}
    for node, ref in reference_weights.items():
        before = read(directory, m["nodes"][node]["before"])
        d = (weights[node] - ref).abs()
        ratios[node] = (weights[node] - ref).norm().item() / max((ref - before).norm().item(), 1e-12)
        print(f"{node:10} {d.max().item():10.2e} {d.mean().item():10.2e} {ratios[node]:20.2e}")
    return worst, ratios


def check(directory, tolerance, weight_tolerance, threads, floor_threads, summary=None):
    with open(os.path.join(directory, "manifest.json")) as f:
        m = json.load(f)
    ok = True
    nets, values, weights = replay(directory, m, threads)
    print(f"{'network':10} {'kdml parameters':>16} {'pytorch parameters':>19}")
    for node, net in nets.items():
        mine = sum(p.numel() for p in net.parameters())
        print(f"{node:10} {m['parameters'][node]:>16} {mine:>19}")
        ok &= mine == m["parameters"][node]
    if m.get("skippedUpdates"):
        print(f"kdml skipped updates: {m['skippedUpdates']}")
        ok = False
    kdml_steps = m["losses"] if isinstance(m["losses"], list) else [m["losses"]]
    kdml_weights = {node: read(directory, m["nodes"][node]["after"]) for node in weights}
    print("\nkdml" + (" (collections between forward and backward)" if m.get("churn") else "")
          + f" against PyTorch {torch.__version__}, {threads} thread(s)")
    worst, ratios = compare(m, directory, "kdml", kdml_steps, kdml_weights, values, weights, True)
    first_ok = worst[0] <= tolerance
    result = {"steps": len(worst), "churn": bool(m.get("churn")), "first_step": worst[0], "last_step": worst[-1],
              "weights": ratios}
    if len(worst) == 1:
        ok &= first_ok
    else:
        ok &= first_ok
        if floor_threads:
            # The noise floor: PyTorch against itself with another thread count (another summation order).
            # Rounding differences grow over steps the same way in both comparisons.
            _, floor_values, floor_weights = replay(directory, m, floor_threads)
            print(f"\nnoise floor: PyTorch with {floor_threads} thread(s) against PyTorch with {threads}")
            floor_worst, floor_ratios = compare(m, directory, "floor", floor_values, floor_weights, values, weights,
                                                False)
            result.update({"floor_threads": floor_threads, "floor_last_step": floor_worst[-1],
                           "floor_weights": floor_ratios})
            for node in ratios:
                within = ratios[node] <= max(weight_tolerance, 2 * floor_ratios[node])
                print(f"{node:10} kdml {ratios[node]:.2e} vs floor {floor_ratios[node]:.2e}: "
                      + ("within" if within else "OUTSIDE") + f" max({weight_tolerance:g}, 2 x floor)")
                ok &= within
        else:
            ok &= all(r <= weight_tolerance for r in ratios.values())
    print("\nsame computation: " + ("yes" if ok else "NO") + f" (step 1's loss terms within relative {tolerance:g}"
          + ("" if len(worst) == 1 else f"; after {len(worst)} steps the weights' distance within "
             + (f"max({weight_tolerance:g}, 2 x PyTorch's own thread-count noise floor)" if floor_threads
                else f"{weight_tolerance:g}") + " of the distance they moved") + ")")
    result["ok"] = bool(ok)
    if summary:
        with open(summary, "w") as f:
            json.dump(result, f)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="classification", choices=["classification", "segmentation"])
    ap.add_argument("--variant", default="kd-ml-v3")
    ap.add_argument("--teacher", default="resnet50")
    ap.add_argument("--students", default="resnet18")
    ap.add_argument("--count", type=int, default=2)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda on a machine with a GPU")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", metavar="DIR", help="compare with a `kdml bench --export DIR`")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="relative, every loss term of every step")
    ap.add_argument("--summary", metavar="FILE", help="with --check: write the figures of the check as JSON")
    ap.add_argument("--floor-threads", type=int, default=0,
                    help="also replay with this many threads: the noise floor multi-step agreement is judged against")
    ap.add_argument("--weight-tolerance", type=float, default=1e-2,
                    help="|w_kdml - w_torch| / |w_torch - w_initial| after the last step, per network")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    if a.check:
        sys.exit(check(a.check, a.tolerance, a.weight_tolerance, a.threads, a.floor_threads, a.summary))
    r = bench(a)
    print(json.dumps(r) if a.json else "\n".join(f"{k:26} {v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
