#!/usr/bin/env python3
"""PyTorch reference for `cone bench`: the same networks, step and timing, printed as the same JSON.

The networks mirror src/model/networks/ (NCHW here, NHWC there; 'same' padding = padding 1 for 3x3):
bias-free convs each followed by BatchNorm (eps 1e-5, momentum 0.1 = tfjs's 0.9) and ReLU, a plain
linear feature layer, then a linear head with softmax cross-entropy, SGD with momentum 0.9 (or Adam).
One training step is zero_grad, forward, backward, optimizer step and reading the loss back; one
inference pass is the feature network in eval mode under torch.inference_mode(). It runs on CUDA
when PyTorch has it (--device auto, the default), else on the CPU; the loss read-back (.item())
waits for the GPU, so a step's time is its whole time there too.

    python3 bench/torch_reference.py --model cnn28 --batch 128 --steps 20 --warmup 3 --threads 2 [--device cpu]
"""
import argparse
import json
import os
import platform
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_SHAPES = {"cnn28": (1, 28, 28), "resnet8": (3, 32, 32), "resnet20": (3, 32, 32), "mlp": (784,)}
CLASSES = 10  # as BENCH_CLASSES in src/bench/step.ts
OPTIMIZERS = {  # as src/bench/step.ts: the rates only keep a few steps finite
    "sgd": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
    "adam": lambda params: torch.optim.Adam(params, lr=1e-3),
}


def conv_bn_relu(cin, cout, stride=1):
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


def cnn28(in_shape, feature_dim, width):
    c = [max(1, round(b * width)) for b in (32, 32, 64, 64)]
    h = in_shape[1] // 4
    w = in_shape[2] // 4
    return nn.Sequential(
        *conv_bn_relu(in_shape[0], c[0]), *conv_bn_relu(c[0], c[1]), nn.MaxPool2d(2),
        *conv_bn_relu(c[1], c[2]), *conv_bn_relu(c[2], c[3]), nn.MaxPool2d(2),
        nn.Flatten(), nn.BatchNorm1d(c[3] * h * w), nn.Linear(c[3] * h * w, feature_dim),
    )


class BasicBlock(nn.Module):
    """conv3x3(stride)-BN-ReLU-conv3x3-BN + shortcut (strided 1x1 conv + BN where the shape changes), ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn_relu(cin, cout, stride), nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = (
            nn.Identity() if stride == 1 and cin == cout
            else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        )

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


def resnet(blocks_per_stage):
    def build(in_shape, feature_dim, width):
        chans = [max(1, round(b * width)) for b in (16, 32, 64)]
        layers = conv_bn_relu(in_shape[0], chans[0])
        cin = chans[0]
        for stage, cout in enumerate(chans):
            for block in range(blocks_per_stage):
                layers.append(BasicBlock(cin, cout, 2 if stage > 0 and block == 0 else 1))
                cin = cout
        return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, feature_dim))
    return build


def mlp(in_shape, feature_dim, width, hidden=(256, 256)):
    layers, cin = [], in_shape[0]
    for units in hidden:
        layers += [nn.Linear(cin, units, bias=False), nn.BatchNorm1d(units), nn.ReLU(inplace=True)]
        cin = units
    return nn.Sequential(*layers, nn.Linear(cin, feature_dim))


NETWORKS = {"cnn28": cnn28, "resnet8": resnet(1), "resnet20": resnet(3), "mlp": mlp}


def step_times(ms):
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms)}


def time_each(count, work):
    ms = []
    for _ in range(count):
        start = time.perf_counter()
        work()
        ms.append((time.perf_counter() - start) * 1000)
    return ms


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(NETWORKS), default="cnn28")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    p.add_argument("--feature-dim", type=int, default=128)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    a = p.parse_args()
    if a.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: this PyTorch has no CUDA device (torch.cuda.is_available() is False)")
    device = torch.device("cuda" if a.device == "cuda" or (a.device == "auto" and torch.cuda.is_available()) else "cpu")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    shape = INPUT_SHAPES[a.model]
    net = NETWORKS[a.model](shape, a.feature_dim, a.width).to(device)
    head = nn.Linear(a.feature_dim, CLASSES).to(device)
    params = list(net.parameters()) + list(head.parameters())
    opt = OPTIMIZERS[a.optimizer](params)
    x = torch.randn(a.batch, *shape).to(device)
    y = torch.randint(0, CLASSES, (a.batch,)).to(device)
    loss_value = [float("nan")]

    def train():
        net.train()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(head(net(x)), y)
        loss.backward()
        opt.step()
        loss_value[0] = loss.item()

    def infer():
        net.eval()
        with torch.inference_mode():
            net(x).sum().item()

    for _ in range(a.warmup):
        train()
    infer()
    train_ms = time_each(a.steps, train)
    infer_ms = time_each(a.steps, infer)
    train_t, infer_t = step_times(train_ms), step_times(infer_ms)
    print(json.dumps({
        "backend": f"torch-{device.type}",
        "threads": torch.get_num_threads(),
        "backend_detail": (
            f"PyTorch {torch.__version__} CUDA {torch.version.cuda}, {torch.cuda.get_device_name(device)}, "
            f"cuDNN {torch.backends.cudnn.version()}"
            if device.type == "cuda"
            else f"PyTorch {torch.__version__} CPU, oneDNN {torch.backends.mkldnn.is_available()}, "
            f"MKL {torch.backends.mkl.is_available()}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}"
        ),
        "model": a.model,
        "input_shape": list(shape),
        "batch": a.batch,
        "steps": a.steps,
        "warmup": a.warmup,
        "optimizer": a.optimizer,
        "parameters": sum(t.numel() for t in net.parameters()) + sum(b.numel() for b in net.buffers() if b.is_floating_point()),
        "train_step_ms": train_t,
        "infer_step_ms": infer_t,
        "train_images_per_s": a.batch * 1000 / train_t["median_ms"],
        "infer_images_per_s": a.batch * 1000 / infer_t["median_ms"],
        "final_loss": loss_value[0],
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__},
    }))


if __name__ == "__main__":
    main()
