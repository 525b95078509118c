#!/usr/bin/env python3
"""Builds the small ONNX test fixtures in Tests/Fixtures/.

For every fixture NAME this writes:
  NAME.onnx          the model as exported by torch.onnx.export(dynamo=False), opset 17,
                     input "x", output "y", dynamic batch axis "N"
  NAME.npz           x: a random float32 input with batch 2; y: ONNX Runtime's output for it
  NAME.golden.json   {"batch": 2, "params": ..., "macs": ..., "values": {name: [dims]}}
                     where "values" holds the shape ONNX Runtime really produces for every
                     graph input and node output at batch 2.

Needs torch, onnx, onnxruntime, numpy. Everything is seeded, so re-running it regenerates
the same files.  Usage: scripts/make-fixtures.py [--out Tests/Fixtures] [--only NAME ...]
"""
import argparse
import copy
import json
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_parameters import parameter_count  # noqa: E402

OPSET = 17
BATCH = 2

warnings.filterwarnings("ignore")  # the TorchScript exporter is chatty about being legacy
torch.set_num_threads(2)


# ----------------------------------------------------------------------------- models

def conv_bn(cin, cout, k=3, stride=1, pad=None, groups=1):
    pad = k // 2 if pad is None else pad
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class PlainCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2)
        self.bn2 = nn.BatchNorm2d(16)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.pool(x)
        x = torch.relu(self.bn2(self.conv2(x)))
        x = torch.flatten(self.gap(x), 1)
        return self.fc(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + identity)


class MiniResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = BasicBlock(8, 8, 1)
        self.layer2 = BasicBlock(8, 16, 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class DenseLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.bn = nn.BatchNorm2d(cin)
        self.conv = nn.Conv2d(cin, growth, 3, 1, 1, bias=False)

    def forward(self, x):
        return torch.cat([x, self.conv(torch.relu(self.bn(x)))], 1)


class MiniDenseNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.block = nn.Sequential(DenseLayer(8, 4), DenseLayer(12, 4), DenseLayer(16, 4))
        self.trans_bn = nn.BatchNorm2d(20)
        self.trans_conv = nn.Conv2d(20, 10, 1, bias=False)
        self.trans_pool = nn.AvgPool2d(2, 2)
        self.head_bn = nn.BatchNorm2d(10)
        self.fc = nn.Linear(10, 10)

    def forward(self, x):
        x = self.block(self.stem(x))
        x = self.trans_pool(self.trans_conv(torch.relu(self.trans_bn(x))))
        x = torch.relu(self.head_bn(x))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class InvertedResidual(nn.Module):
    def __init__(self, c, expand):
        super().__init__()
        h = c * expand
        self.expand = nn.Sequential(conv_bn(c, h, 1), nn.ReLU6())
        self.dw = nn.Sequential(conv_bn(h, h, 3, groups=h), nn.ReLU6())
        self.project = conv_bn(h, c, 1)

    def forward(self, x):
        return x + self.project(self.dw(self.expand(x)))


class MobileNetV2Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 8, 3, stride=2), nn.ReLU6())
        self.block = InvertedResidual(8, 2)
        self.head = nn.Sequential(conv_bn(8, 16, 1), nn.ReLU6())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.head(self.block(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class SEBlockNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1)
        self.se_pool = nn.AdaptiveAvgPool2d(1)
        self.se_reduce = nn.Conv2d(16, 4, 1)
        self.se_expand = nn.Conv2d(4, 16, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        s = torch.sigmoid(self.se_expand(torch.relu(self.se_reduce(self.se_pool(x)))))
        x = x * s
        return self.fc(torch.flatten(self.pool(x), 1))


class FlattenGemm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, 1, 1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(128, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))      # 8x4x4 for an 8x8 input
        x = torch.flatten(x, 1)
        return self.fc2(torch.relu(self.fc1(x)))


class TextCNN(nn.Module):
    """A 1-D CNN over N×4×32 sequences (embedded text or signals): Conv1d+BN+ReLU, a strided
    Conv1d with a residual 1×1 shortcut, MaxPool1d, AvgPool1d, global average over the length
    (ReduceMean), Linear to 5 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(4, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm1d(16)
        self.conv2 = nn.Conv1d(16, 24, 5, stride=2, padding=2)
        self.short = nn.Conv1d(16, 24, 1, stride=2)
        self.pool = nn.MaxPool1d(2)
        self.avg = nn.AvgPool1d(3, stride=1, padding=1, count_include_pad=False)
        self.conv3 = nn.Conv1d(24, 24, 3, padding=2, dilation=2)
        self.fc = nn.Linear(24, 5)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.avg(torch.relu(self.pool(self.conv2(x) + self.short(x))))  # pooled before the ReLU: no ties at 0
        x = torch.relu(self.conv3(x))
        return self.fc(x.mean(dim=2))


class SamePadCNN(nn.Module):
    """TensorFlow "same" padding computed from the input's size in float arithmetic, as timm's
    tf_* models export it (Shape → Cast → Div → Ceil → … → Clip → Div → Cast → Concat → Reshape →
    Slice(step −1) → Transpose → Reshape → Pad): a strided 3×3 Conv on 16×16 needs padding 0
    before and 1 after, which only folds if 1/2 is computed in float and truncated."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2)
        self.fc = nn.Linear(8, 10)

    @staticmethod
    def pad_same(x, k, s):
        ih, iw = x.size()[-2:]
        pad_h = torch.clamp((torch.ceil(torch.tensor(ih) / s) - 1) * s + (k - 1) + 1 - ih, min=0)
        pad_w = torch.clamp((torch.ceil(torch.tensor(iw) / s) - 1) * s + (k - 1) + 1 - iw, min=0)
        return nn.functional.pad(x, [(pad_w / 2).int(), (pad_w - (pad_w / 2).int()).int(), (pad_h / 2).int(), (pad_h - (pad_h / 2).int()).int()])

    def forward(self, x):
        x = torch.relu(self.conv(self.pad_same(x, 3, 2)))
        x = torch.relu(self.conv2(self.pad_same(x, 3, 2)))
        return self.fc(x.mean(dim=(2, 3)))


class ConvSiLU(nn.Module):
    """YOLO-style Conv+BN+SiLU, SiLU written out so it exports as Sigmoid and Mul."""

    def __init__(self, cin, cout, k=1, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = self.bn(self.conv(x))
        return x * torch.sigmoid(x)


class Bottleneck(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cv1 = ConvSiLU(c, c, 3)
        self.cv2 = ConvSiLU(c, c, 3)

    def forward(self, x):
        return x + self.cv2(self.cv1(x))


class C2f(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.c = cout // 2
        self.cv1 = ConvSiLU(cin, 2 * self.c, 1)
        self.m = Bottleneck(self.c)
        self.cv2 = ConvSiLU(3 * self.c, cout, 1)

    def forward(self, x):
        # torch.split with explicit sizes exports as one Split node; x.chunk(2, 1) would
        # export as Shape/Gather/Add/Div/Mul/Slice arithmetic instead.
        y0, y1 = torch.split(self.cv1(x), [self.c, self.c], 1)
        y2 = self.m(y1)
        return self.cv2(torch.cat([y0, y1, y2], 1))


class YoloBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvSiLU(3, 8, 3)              # 8 x 16 x 16 (skip)
        self.down = ConvSiLU(8, 16, 3, stride=2)   # 16 x 8 x 8
        self.c2f = C2f(16, 16)                     # 16 x 8 x 8
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.out = nn.Conv2d(24, 8, 1)             # 8 x 16 x 16

    def forward(self, x):
        skip = self.stem(x)
        y = self.c2f(self.down(skip))
        y = torch.cat([self.up(y), skip], 1)
        return self.out(y)


class MathZoo(nn.Module):
    """Elementwise math beyond ReLU: every activation and binary op the engine runs."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.prelu = nn.PReLU(6)
        self.fc = nn.Linear(6, 10)

    def forward(self, x):
        x = self.conv(x)
        h1 = nn.functional.hardswish(x) + nn.functional.hardsigmoid(x)
        h2 = torch.tanh(x) * nn.functional.elu(x) - nn.functional.selu(x)
        h3 = nn.functional.softplus(x) / (torch.exp(-torch.abs(x)) + 1)
        h4 = torch.erf(x) + torch.log(torch.sigmoid(x) + 0.1) + torch.sqrt(x * x + 1) + torch.reciprocal(x * x + 1)
        h5 = torch.maximum(h1, h2) + torch.minimum(h3, h4)
        h6 = torch.pow(torch.sigmoid(x) + 0.5, h1) + x ** 2
        y = self.prelu(h5 + h6)
        return self.fc(torch.flatten(nn.functional.adaptive_max_pool2d(y, 1), 1))


def with_unexported_ops(proto):
    """math_zoo with ops PyTorch does not export at opset 17: the MaxPool over the whole map
    becomes GlobalMaxPool, the Add feeding PRelu becomes Sum, and a Cast to float feeds PRelu."""
    graph = proto.graph
    pool = next(n for n in graph.node if n.op_type == "MaxPool")
    pool.op_type = "GlobalMaxPool"
    del pool.attribute[:]
    prelu_at, prelu = next((i, n) for i, n in enumerate(graph.node) if n.op_type == "PRelu")
    next(n for n in graph.node if prelu.input[0] in n.output).op_type = "Sum"
    cast = onnx.helper.make_node("Cast", [prelu.input[0]], ["cast_to_float"], to=onnx.TensorProto.FLOAT)
    prelu.input[0] = "cast_to_float"
    graph.node.insert(prelu_at, cast)
    return proto


class LayoutZoo(nn.Module):
    """Ops that move data: Transpose, strided Slice, Pad, Gather, Expand, Split, Resize
    (nearest and two kinds of linear), ConvTranspose, ReduceMean and ReduceSum."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.up = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1)
        self.fc = nn.Linear(4 + 4 + 3 + 3, 10)

    def forward(self, x):
        y = self.conv(x)                                      # 6 x 8 x 8
        s = y.permute(0, 2, 3, 1)[:, 1:7:2, :, 1:5]           # 3 x 8 x 4
        p = nn.functional.pad(s.permute(0, 3, 1, 2), (1, 2, 0, 1))  # 4 x 4 x 11
        g = y[:, [0, 2, 5]] + y[:, 1:2].expand(-1, 3, -1, -1)      # 3 x 8 x 8
        first = torch.split(y, [2, 4], 1)[0]                  # 2 x 8 x 8
        near = nn.functional.interpolate(g, scale_factor=2, mode="nearest")
        half = nn.functional.interpolate(g, scale_factor=1.5, mode="bilinear", align_corners=False)
        corner = nn.functional.interpolate(first, scale_factor=2, mode="bilinear", align_corners=True)
        u = self.up(y)                                        # 4 x 16 x 16
        feats = [p.mean(dim=(2, 3)), u.sum(dim=(2, 3)) / 256 + corner.mean(dim=(1, 2, 3)).unsqueeze(1),
                 near.mean(dim=(2, 3)), half.sum(dim=3).mean(dim=2)]
        return self.fc(torch.cat(feats, 1))


class AttentionBlock(nn.Module):
    """A tiny transformer block over conv features: LayerNorm, MatMul (weights and
    activation × activation), Softmax, Div, Pow, Sqrt, ReduceMean, LogSoftmax."""

    # q·kᵀ and attention·v over 16 tokens of 8 features: products the module hooks cannot see
    functional_macs = 2 * 16 * 16 * 8

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.norm = nn.LayerNorm(8)
        self.q = nn.Linear(8, 8)
        self.k = nn.Linear(8, 8)
        self.v = nn.Linear(8, 8, bias=False)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        tokens = self.conv(x).flatten(2).transpose(1, 2)     # N x 16 x 8
        h = self.norm(tokens)
        attention = torch.softmax(self.q(h) @ self.k(h).transpose(1, 2) / 8 ** 0.5, dim=-1)
        o = tokens + attention @ self.v(h)
        spread = torch.sqrt(((o - o.mean(1, keepdim=True)) ** 2).mean(1) + 1e-3)
        return torch.log_softmax(self.fc(o.mean(1) / spread), dim=-1)


def with_constant_pads(proto):
    """layout_zoo with Pad's pads as one initializer: the exporter computes them from constants
    through a Transpose and a Cast of integers, which Scalpel's shape folding does not evaluate."""
    pad = next(n for n in proto.graph.node if n.op_type == "Pad")
    probe = copy.deepcopy(proto)
    probe.graph.output.append(onnx.ValueInfoProto(name=pad.input[1]))
    pads = ort_session(probe).run([pad.input[1]], {"x": np.zeros((BATCH, 3, 8, 8), np.float32)})[0]
    proto.graph.initializer.append(numpy_helper.from_array(pads.astype(np.int64), "pads"))
    pad.input[1] = "pads"
    while True:  # drop the nodes nothing reads any more
        read = {v for n in proto.graph.node for v in n.input} | {o.name for o in proto.graph.output}
        dead = [n for n in proto.graph.node if not any(o in read for o in n.output)]
        if not dead:
            return proto
        for n in dead:
            proto.graph.node.remove(n)


class SlimMobileNetV2(nn.Module):
    """torchvision's mobilenet_v2 at width 0.25 with 10 classes: every depthwise block of the real
    model; its last 1x1 Conv widens to 160 channels, not 1280, to keep the file small."""
    def __init__(self):
        super().__init__()
        import torchvision
        from torchvision.ops.misc import Conv2dNormActivation
        self.net = torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10)
        self.net.features[-1] = Conv2dNormActivation(80, 160, kernel_size=1, activation_layer=nn.ReLU6)
        self.net.classifier[-1] = nn.Linear(160, 10)

    def forward(self, x):
        return self.net(x)


class SlimMobileNetV3(nn.Module):
    """torchvision's mobilenet_v3_small at width 0.25 with 10 classes: depthwise 3x3 and 5x5,
    SE blocks (Mul broadcast), HardSwish, HardSigmoid."""
    def __init__(self):
        super().__init__()
        import torchvision
        self.net = torchvision.models.mobilenet_v3_small(width_mult=0.25, num_classes=10)

    def forward(self, x):
        return self.net(x)


class SoftmaxCNN(PlainCNN):
    """plain_cnn_bn ending in Softmax: the model outputs probabilities."""
    def forward(self, x):
        return torch.softmax(super().forward(x), dim=1)


class LogSoftmaxCNN(PlainCNN):
    """plain_cnn_bn ending in LogSoftmax: the model outputs log-probabilities."""
    def forward(self, x):
        return torch.log_softmax(super().forward(x), dim=1)


class UntrainedDigitsCNN(nn.Module):
    """A freshly initialised CNN for the 8x8 digits: every BatchNorm has weight = running_var = 1
    and bias = running_mean = 0, so the exporter merges them into one initializer each and
    reads the statistics through Identity nodes."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class GroupedBottleneck(nn.Module):
    """ResNeXt's block: 1x1, grouped 3x3, 1x1, with the residual added."""

    def __init__(self, c, width, groups):
        super().__init__()
        self.reduce = nn.Sequential(conv_bn(c, width, 1), nn.ReLU())
        self.grouped = nn.Sequential(conv_bn(width, width, 3, groups=groups), nn.ReLU())
        self.expand = conv_bn(width, c, 1)

    def forward(self, x):
        return torch.relu(x + self.expand(self.grouped(self.reduce(x))))


class GroupedCNN(nn.Module):
    """Grouped convolutions as ResNeXt and RegNet have them, and one whose groups widen (2 out per in)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 16, 3, stride=2), nn.ReLU())
        self.block1 = GroupedBottleneck(16, 16, 4)
        self.block2 = GroupedBottleneck(16, 24, 3)
        self.widen = nn.Sequential(conv_bn(16, 32, 3, groups=16), nn.ReLU())
        self.head = nn.Sequential(conv_bn(32, 32, 1, groups=2), nn.ReLU())
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.head(self.widen(self.block2(self.block1(self.stem(x)))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class ShuffleUnit(nn.Module):
    """ShuffleNetV2's unit of stride 1: half the channels pass, half run a branch; the two are shuffled."""

    def __init__(self, c):
        super().__init__()
        h = c // 2
        self.branch = nn.Sequential(conv_bn(h, h, 1), nn.ReLU(), conv_bn(h, h, 3, groups=h), conv_bn(h, h, 1), nn.ReLU())

    def forward(self, x):
        a, b = x.chunk(2, dim=1)
        y = torch.cat((a, self.branch(b)), dim=1)
        n, c, hh, ww = y.shape
        return y.view(n, 2, c // 2, hh, ww).transpose(1, 2).reshape(n, c, hh, ww)


class ShuffleBlock(nn.Module):
    """A stem, two ShuffleNetV2 units and a classifier."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 16, 3, stride=2), nn.ReLU())
        self.unit1 = ShuffleUnit(16)
        self.unit2 = ShuffleUnit(16)
        self.head = nn.Sequential(conv_bn(16, 24, 1), nn.ReLU())
        self.fc = nn.Linear(24, 10)

    def forward(self, x):
        x = self.head(self.unit2(self.unit1(self.stem(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class ShapeReadCNN(nn.Module):
    """Reads a tensor's channel count at run time into another's shape, as YOLO11's attention does."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 8, 3, stride=2), nn.ReLU())
        self.v = nn.Conv2d(8, 8, 1)
        self.pe = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.head = nn.Sequential(conv_bn(8, 16, 1), nn.ReLU())
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        n, c, h, w = x.shape
        x = self.pe(self.v(x).reshape(n, c, h, w))
        x = self.head(x)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class StdConvCNN(nn.Module):
    """NF-Net convolutions (timm's ScaledStdConv2d): each weight standardised in the graph by a
    training-mode BatchNormalization over the weight tensor, so the Conv's weights are computed."""

    def __init__(self):
        super().__init__()
        from timm.layers import ScaledStdConv2d
        self.conv1 = ScaledStdConv2d(3, 8, 3, stride=2, padding=1)
        self.conv2 = ScaledStdConv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = nn.functional.gelu(self.conv2(nn.functional.gelu(self.conv1(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class ChannelNormCNN(nn.Module):
    """Reductions across the channels: SSD's L2Norm (x / ||x|| over C, a learned scale per channel)
    and a Global Response Normalization as ConvNeXt-V2's, its spatial L2 norms divided by their sum
    over C rather than their mean, so that a zeroed channel changes nothing (checks stay exact)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 12, 3, stride=2), nn.ReLU())
        self.scale = nn.Parameter(torch.rand(1, 12, 1, 1) + 0.5)
        self.expand = nn.Conv2d(12, 16, 1)
        self.gamma = nn.Parameter(torch.randn(1, 16, 1, 1) * 0.5)
        self.beta = nn.Parameter(torch.randn(1, 16, 1, 1) * 0.1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = self.scale * x / (x.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-6)
        x = self.expand(x)
        g = torch.linalg.vector_norm(x, dim=(2, 3), keepdim=True)
        x = self.gamma * (x * (g / (g.sum(dim=1, keepdim=True) + 1e-6))) + self.beta + x
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def hand_built(name, nodes, initializers, opset):
    """A model from onnx.helper nodes over input "x" (N×3×8×8) to output "y" (N×10), with the
    given (name, array) initializers."""
    from onnx import helper, TensorProto
    inits = []
    for tensor_name, array in initializers:
        tensor = numpy_helper.from_array(array)
        tensor.name = tensor_name
        inits.append(tensor)
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])], inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make-fixtures")
    proto.ir_version = 11 if opset >= 24 else 10 if opset >= 21 else 9 if opset >= 20 else 8
    return proto


def activation_zoo():
    """Activations PyTorch does not export as single ops at opset 17, written with onnx.helper at
    opset 20: Gelu (exact and tanh), Mish, Softsign, Celu, Sin, Cos, Tan, ThresholdedRelu and
    Shrink on a Conv's output, averaged by Mean, then GlobalAveragePool, Flatten, Gemm.
    Returns the model, a seeded input and the per-sample MACs (Conv and Gemm, by hand)."""
    from onnx import helper
    rng = np.random.default_rng(7)
    weight = lambda *shape: rng.standard_normal(shape).astype(np.float32) * 0.5  # noqa: E731
    inits = [("conv.weight", weight(6, 3, 3, 3)), ("conv.bias", weight(6)), ("fc.weight", weight(10, 6)), ("fc.bias", weight(10)),
             ("tan.scale", np.array(0.3, np.float32))]
    nodes = [helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3], name="/conv/Conv")]
    branches = [("Gelu", {}), ("Gelu", {"approximate": "tanh"}), ("Mish", {}), ("Softsign", {}), ("Celu", {"alpha": 0.8}),
                ("Sin", {}), ("Cos", {}), ("ThresholdedRelu", {"alpha": 0.3}), ("Shrink", {"lambd": 0.4, "bias": 0.1})]
    outs = []
    for i, (op, attrs) in enumerate(branches):
        nodes.append(helper.make_node(op, ["c"], [f"a{i}"], name=f"/{op}_{i}", **attrs))
        outs.append(f"a{i}")
    nodes.append(helper.make_node("Mul", ["c", "tan.scale"], ["scaled"], name="/tan/Mul"))
    nodes.append(helper.make_node("Tan", ["scaled"], ["tan"], name="/tan/Tan"))
    nodes.append(helper.make_node("Mean", outs + ["tan"], ["mean"], name="/Mean"))
    nodes.append(helper.make_node("GlobalAveragePool", ["mean"], ["gap"], name="/gap/GlobalAveragePool"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], axis=1, name="/Flatten"))
    nodes.append(helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["y"], transB=1, name="/fc/Gemm"))
    x = rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32)
    return hand_built("activation_zoo", nodes, inits, 20), x, 8 * 8 * 6 * 27 + 6 * 10


def rounding_zoo():
    """Round (half to even) and Sign on a Conv's output (opset 17, written with onnx.helper: PyTorch
    exports neither alone), added, then GlobalAveragePool, Flatten, Gemm. Returns the model, a
    seeded input and the per-sample MACs."""
    from onnx import helper
    rng = np.random.default_rng(11)
    inits = [("conv.weight", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
             ("fc.weight", rng.standard_normal((10, 4)).astype(np.float32) * 0.5), ("scale", np.array(2.5, np.float32))]
    nodes = [helper.make_node("Conv", ["x", "conv.weight"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3], name="/conv/Conv"),
             helper.make_node("Mul", ["c", "scale"], ["scaled"], name="/Mul"),
             helper.make_node("Round", ["scaled"], ["rounded"], name="/Round"),
             helper.make_node("Sign", ["c"], ["sign"], name="/Sign"),
             helper.make_node("Add", ["rounded", "sign"], ["sum"], name="/Add"),
             helper.make_node("GlobalAveragePool", ["sum"], ["gap"], name="/gap/GlobalAveragePool"),
             helper.make_node("Flatten", ["gap"], ["flat"], axis=1, name="/Flatten"),
             helper.make_node("Gemm", ["flat", "fc.weight"], ["y"], transB=1, name="/fc/Gemm")]
    return hand_built("rounding_zoo", nodes, inits, OPSET), rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32), 8 * 8 * 4 * 27 + 4 * 10


def mapped_to_logits(nodes, inits, rng, source, channels, name):
    """Appends Conv 3×3 (channels → 4) → GlobalAveragePool → Flatten → Gemm (4 → 10) reading
    `source` and writing "y"; returns the per-sample MACs of the Conv and the Gemm."""
    from onnx import helper
    inits += [(f"{name}.weight", rng.standard_normal((4, channels, 3, 3)).astype(np.float32) * 0.3),
              ("fc.weight", rng.standard_normal((10, 4)).astype(np.float32) * 0.5), ("fc.bias", rng.standard_normal(10).astype(np.float32))]
    nodes += [helper.make_node("Conv", [source, f"{name}.weight"], ["mixed"], pads=[1, 1, 1, 1], kernel_shape=[3, 3], name=f"/{name}/Conv"),
              helper.make_node("GlobalAveragePool", ["mixed"], ["gap"], name="/gap/GlobalAveragePool"),
              helper.make_node("Flatten", ["gap"], ["flat"], axis=1, name="/Flatten"),
              helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["y"], transB=1, name="/fc/Gemm")]
    return 8 * 8 * 4 * channels * 9 + 4 * 10


def predicate_zoo():
    """Comparisons, logic, Where, Mod, bitwise ops, IsNaN, IsInf, Not, Cast to integers and bool,
    CastLike (opset 18, onnx.helper), each on the input itself so that no rounding of an earlier
    op can flip a comparison; every branch cast back to float, summed, then Conv, pool, Gemm."""
    from onnx import helper, TensorProto
    rng = np.random.default_rng(13)
    const = lambda v, dtype=np.float32: np.array(v, dtype)  # noqa: E731
    inits = [("t.high", const(0.3)), ("t.low", const(-0.4)), ("t.mod", const(0.7)), ("t.scale", const(4.0)),
             ("t.three", const(3, np.int32)), ("t.five", const(5, np.int32)), ("t.one", const(1, np.uint8)), ("t.two", const(2, np.uint8))]
    n = helper.make_node
    nodes = [n("Greater", ["x", "t.high"], ["gt"]), n("Less", ["x", "t.low"], ["lt"]),
             n("GreaterOrEqual", ["x", "t.high"], ["ge"]), n("LessOrEqual", ["x", "t.low"], ["le"]),
             n("Not", ["lt"], ["not_lt"]), n("And", ["gt", "not_lt"], ["and"]), n("Or", ["gt", "lt"], ["or"]),
             n("Xor", ["ge", "le"], ["xor"]),
             n("Mul", ["x", "t.scale"], ["x4"]), n("Cast", ["x4"], ["xi"], to=TensorProto.INT32),
             n("Equal", ["xi", "t.three"], ["eq"]),
             n("Mod", ["xi", "t.three"], ["mod_i"], fmod=0), n("Mod", ["x", "t.mod"], ["mod_f"], fmod=1),
             n("BitwiseAnd", ["xi", "t.five"], ["band"]), n("BitwiseOr", ["xi", "t.five"], ["bor"]),
             n("BitwiseXor", ["xi", "t.five"], ["bxor"]),
             n("Abs", ["xi"], ["xi_abs"]), n("Cast", ["xi_abs"], ["xu"], to=TensorProto.UINT8),
             n("BitShift", ["xu", "t.one"], ["shl"], direction="LEFT"), n("BitShift", ["xu", "t.two"], ["shr"], direction="RIGHT"),
             n("Sqrt", ["x"], ["root"]), n("IsNaN", ["root"], ["nan"]),
             n("Cast", ["x4"], ["xr"], to=TensorProto.INT64), n("Cast", ["xr"], ["xr_f"], to=TensorProto.FLOAT),
             n("Reciprocal", ["xr_f"], ["inv"]), n("IsInf", ["inv"], ["inf"]),
             n("Cast", ["x4"], ["xb"], to=TensorProto.BOOL), n("Where", ["or", "x", "x4"], ["chosen"])]
    floats = []
    for v in ["gt", "lt", "and", "or", "xor", "eq", "mod_i", "band", "bor", "bxor", "shl", "shr", "nan", "inf", "xb"]:
        nodes.append(n("CastLike", [v, "x"], [v + "_f"]))
        floats.append(v + "_f")
    nodes.append(n("Sum", floats + ["mod_f", "chosen"], ["mixture"]))
    for node in nodes:
        node.name = "/" + node.op_type + "_" + node.output[0]
    macs = mapped_to_logits(nodes, inits, rng, "mixture", 3, "mix")
    return hand_built("predicate_zoo", nodes, inits, 18), rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32), macs


def reduction_zoo():
    """ReduceMax, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare (axes as inputs, opset 18),
    ArgMax and ArgMin (first and last index) and CumSum (plain, exclusive, reverse) on a Conv's
    output squashed to (0, 0.2) (so that finite differences of the joined sum stay well above
    float32 rounding), broadcast back together by Mean, then Conv, pool, Gemm."""
    from onnx import helper, TensorProto
    rng = np.random.default_rng(17)
    inits = [("conv.weight", rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.3),
             ("axes.h", np.array([2], np.int64)), ("axes.w", np.array([3], np.int64)), ("axes.hw", np.array([2, 3], np.int64)),
             ("axis.h", np.array(2, np.int64)), ("scale", np.array(0.2, np.float32)), ("half", np.array(0.5, np.float32))]
    n = helper.make_node
    nodes = [n("Conv", ["x", "conv.weight"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             n("Sigmoid", ["c"], ["s"]), n("Mul", ["s", "scale"], ["t"]), n("Add", ["s", "half"], ["pos"]),
             n("ReduceMax", ["t", "axes.h"], ["rmax"]), n("ReduceMin", ["t", "axes.w"], ["rmin"]),
             n("ReduceProd", ["pos", "axes.w"], ["rprod"]), n("ReduceL1", ["t", "axes.hw"], ["rl1"]),
             n("ReduceL2", ["t", "axes.hw"], ["rl2"]), n("ReduceLogSum", ["pos", "axes.hw"], ["rlogsum"]),
             n("ReduceLogSumExp", ["t", "axes.hw"], ["rlse"]), n("ReduceSumSquare", ["t", "axes.h"], ["rss"], keepdims=1),
             n("ReduceMax", ["t"], ["rall"], keepdims=1),
             n("ArgMax", ["x"], ["amax"], axis=1, keepdims=1), n("ArgMin", ["x"], ["amin"], axis=1, keepdims=1, select_last_index=1),
             n("Cast", ["amax"], ["amax_f"], to=TensorProto.FLOAT), n("Cast", ["amin"], ["amin_f"], to=TensorProto.FLOAT),
             n("CumSum", ["t", "axis.h"], ["cum"]), n("CumSum", ["t", "axis.h"], ["cum_ex"], exclusive=1),
             n("CumSum", ["t", "axis.h"], ["cum_rev"], reverse=1),
             n("Mean", ["t", "rmax", "rmin", "rprod", "rl1", "rl2", "rlogsum", "rlse", "rss", "rall", "cum", "cum_ex", "cum_rev",
                        "amax_f", "amin_f"], ["mixture"])]
    for node in nodes:
        node.name = "/" + node.op_type + "_" + node.output[0]
    macs = 8 * 8 * 4 * 27 + mapped_to_logits(nodes, inits, rng, "mixture", 4, "mix")
    return hand_built("reduction_zoo", nodes, inits, 18), rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32), macs


def einsum_zoo():
    """Einsum as attention writes it (MaxViT: "bghid,bghjd->bghij" then "bghij,bghjd->bghid"),
    with an implicit output, an ellipsis, a transpose of one operand and a sum over an axis only
    one operand has, on a Conv's output split into heads; averaged, then pool, Gemm."""
    from onnx import helper
    rng = np.random.default_rng(23)
    inits = [("conv.weight", rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.3),
             ("heads", np.array([0, 2, 4, 64], np.int64)), ("mix", rng.standard_normal((4, 4)).astype(np.float32)),
             ("back", np.array([0, 8, 8, 8], np.int64))]
    n = helper.make_node
    nodes = [n("Conv", ["x", "conv.weight"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             n("Reshape", ["c", "heads"], ["q"]),                                      # N × 2 heads × 4 × 64
             n("Einsum", ["q", "q"], ["scores"], equation="bhid, bhjd -> bhij"),       # N × 2 × 4 × 4
             n("Softmax", ["scores"], ["attn"], axis=-1),
             n("Einsum", ["attn", "q"], ["ctx"], equation="bhij,bhjd->bhid"),          # N × 2 × 4 × 64
             n("Einsum", ["ctx", "mix"], ["blend"], equation="...id,ik"),             # implicit: N × 2 × 64 × 4
             n("Einsum", ["blend"], ["turned"], equation="bhdk->bhkd"),                # N × 2 × 4 × 64
             n("Einsum", ["turned", "attn"], ["summed"], equation="bhkd,bhij->bhkd"),  # j and i only in attn: summed
             n("Add", ["turned", "summed"], ["joined"]),
             n("Reshape", ["joined", "back"], ["plane"])]                              # N × 8 × 8 × 8
    for node in nodes:
        node.name = "/" + node.op_type + "_" + node.output[0]
    einsums = 3 * (2 * 4 * 4 * 64) + 2 * 4 * 64 * 4 * 4  # two-operand Einsums: the product of their label sizes
    macs = 8 * 8 * 8 * 27 + einsums + mapped_to_logits(nodes, inits, rng, "plane", 8, "mix2")
    return hand_built("einsum_zoo", nodes, inits, 17), rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32), macs


def normalization_zoo():
    """InstanceNormalization, GroupNormalization (per-channel scale, opset 21), LRN,
    MeanVarianceNormalization, Hardmax, LpPool and GlobalLpPool on a Conv's output, summed (the
    pools upsampled by Tile and broadcast), then Conv, pool, Gemm."""
    from onnx import helper
    rng = np.random.default_rng(19)
    inits = [("conv.weight", rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.4),
             ("in.scale", rng.standard_normal(8).astype(np.float32)), ("in.bias", rng.standard_normal(8).astype(np.float32)),
             ("gn.scale", rng.standard_normal(8).astype(np.float32)), ("gn.bias", rng.standard_normal(8).astype(np.float32)),
             ("repeats", np.array([1, 1, 2, 2], np.int64))]
    n = helper.make_node
    nodes = [n("Conv", ["x", "conv.weight"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             n("InstanceNormalization", ["c", "in.scale", "in.bias"], ["inorm"], epsilon=1e-3),
             n("GroupNormalization", ["c", "gn.scale", "gn.bias"], ["gnorm"], num_groups=4),
             n("LRN", ["c"], ["lrn"], size=3, alpha=0.2, beta=0.6, bias=1.5),
             n("MeanVarianceNormalization", ["c"], ["mvn"], axes=[0, 2, 3]), n("Hardmax", ["x"], ["hard"], axis=1),
             n("LpPool", ["c"], ["lp"], kernel_shape=[2, 2], strides=[2, 2], p=3), n("Tile", ["lp", "repeats"], ["lp_up"]),
             n("GlobalLpPool", ["c"], ["glp"], p=2),
             n("Sum", ["inorm", "gnorm", "lrn", "mvn", "lp_up", "glp"], ["mixture"])]
    # Hardmax is of x (3 channels): it joins through a 1×1 channel map of its own.
    inits.append(("hard.weight", rng.standard_normal((8, 3, 1, 1)).astype(np.float32)))
    nodes += [n("Conv", ["hard", "hard.weight"], ["hard_8"], kernel_shape=[1, 1]), n("Add", ["mixture", "hard_8"], ["mixture_h"])]
    for node in nodes:
        node.name = "/" + node.op_type + "_" + node.output[0]
    macs = 8 * 8 * 8 * 27 + 8 * 8 * 8 * 3 + mapped_to_logits(nodes, inits, rng, "mixture_h", 8, "mix")
    return hand_built("normalization_zoo", nodes, inits, 21), rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32), macs


def swish_zoo():
    """Swish (opset 24, the first to have it) with alpha 1.5 on a Conv's output, then pool and Gemm."""
    from onnx import helper
    rng = np.random.default_rng(29)
    inits = [("conv.weight", rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.5)]
    nodes = [helper.make_node("Conv", ["x", "conv.weight"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3], name="/conv/Conv"),
             helper.make_node("Swish", ["c"], ["swish"], alpha=1.5, name="/Swish")]
    macs = 8 * 8 * 4 * 27 + mapped_to_logits(nodes, inits, rng, "swish", 4, "mix")
    return hand_built("swish_zoo", nodes, inits, 24), rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32), macs


def pad_modes_zoo():
    """Pad in reflect, edge and wrap modes (opset 19, the first with wrap), with uneven pads, on a
    Conv's output; each padded map average-pooled in 3×3 windows (border values weigh more than
    in a global mean), then summed, Gemm."""
    from onnx import helper
    rng = np.random.default_rng(31)
    inits = [("conv.weight", rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.5),
             ("pads", np.array([0, 0, 1, 2, 0, 0, 3, 1], np.int64)), ("fc.weight", rng.standard_normal((10, 4)).astype(np.float32))]
    n = helper.make_node
    nodes = [n("Conv", ["x", "conv.weight"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3], name="/conv/Conv")]
    pooled = []
    for mode in ["reflect", "edge", "wrap"]:
        nodes += [n("Pad", ["c", "pads"], [mode], mode=mode, name=f"/Pad_{mode}"),
                  n("AveragePool", [mode], [mode + "_pool"], kernel_shape=[3, 3], strides=[3, 3], name=f"/AveragePool_{mode}"),
                  n("GlobalAveragePool", [mode + "_pool"], [mode + "_gap"], name=f"/GlobalAveragePool_{mode}")]
        pooled.append(mode + "_gap")
    nodes += [n("Sum", pooled, ["sum"], name="/Sum"), n("Flatten", ["sum"], ["flat"], axis=1, name="/Flatten"),
              n("Gemm", ["flat", "fc.weight"], ["y"], transB=1, name="/fc/Gemm")]
    return hand_built("pad_modes_zoo", nodes, inits, 19), rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32), 8 * 8 * 4 * 27 + 40


def rearrange_zoo():
    """DepthToSpace (DCR and CRD), SpaceToDepth, Tile, GatherElements (indices from ArgMax, so
    read at run time) and ScatterND (replacing and adding (sample, channel) planes) on a Conv's
    output, each pooled, concatenated, then Gemm (opset 17)."""
    from onnx import helper
    rng = np.random.default_rng(23)
    inits = [("conv.weight", rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.4), ("repeats", np.array([1, 2, 1, 3], np.int64)),
             ("fc.weight", rng.standard_normal((10, 8 + 2 + 2 + 32 + 16 + 1 + 8 + 8)).astype(np.float32) * 0.3),
             ("planes", np.array([[0, 1], [1, 6], [0, 1]], np.int64)), ("plane.values", rng.standard_normal((3, 8, 8)).astype(np.float32))]
    n = helper.make_node
    nodes = [n("Conv", ["x", "conv.weight"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             n("DepthToSpace", ["c"], ["d2s"], blocksize=2), n("DepthToSpace", ["c"], ["d2s_crd"], blocksize=2, mode="CRD"),
             n("SpaceToDepth", ["c"], ["s2d"], blocksize=2), n("Tile", ["c"], ["tiled"]),
             n("ArgMax", ["c"], ["best"], axis=1, keepdims=1), n("GatherElements", ["c", "best"], ["picked"], axis=1),
             n("ScatterND", ["c", "planes", "plane.values"], ["added"], reduction="add"),
             n("ScatterND", ["c", "planes[:2]", "plane.values[:2]"], ["replaced"])]
    nodes[4].input.append("repeats")
    pooled = []
    inits += [("planes[:2]", np.array([[0, 1], [1, 6]], np.int64)), ("plane.values[:2]", rng.standard_normal((2, 8, 8)).astype(np.float32))]
    for v in ["c", "d2s", "d2s_crd", "s2d", "tiled", "picked", "added", "replaced"]:
        nodes += [n("MaxPool", [v], [v + "_pool"], kernel_shape=[2, 2], strides=[2, 2]),
                  n("GlobalAveragePool", [v + "_pool"], [v + "_gap"]), n("Flatten", [v + "_gap"], [v + "_flat"], axis=1)]
        pooled.append(v + "_flat")
    nodes += [n("Concat", pooled, ["features"], axis=1), n("Gemm", ["features", "fc.weight"], ["y"], transB=1)]
    for node in nodes:
        node.name = "/" + node.op_type + "_" + node.output[0]
    return hand_built("rearrange_zoo", nodes, inits, 18), rng.standard_normal((BATCH, 3, 8, 8)).astype(np.float32), 8 * 8 * 8 * 27 + 77 * 10


# ----------------------------------------------------------------------------- helpers

def randomize_bn(model):
    """Non-trivial BN affine and running statistics, so BN matters numerically."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.uniform_(0.5, 2.0)


def count_macs(model, x):
    """Multiply-accumulates per sample of Conv1d / Conv2d / ConvTranspose2d / Linear layers, plus the
    model's `functional_macs` (matrix products written as functions, not modules)."""
    total = [0]
    batch = x.shape[0]

    def hook(mod, inp, out):
        if isinstance(mod, (nn.Conv1d, nn.Conv2d)):
            total[0] += out.numel() // batch * (mod.in_channels // mod.groups * int(np.prod(mod.kernel_size)))
        elif isinstance(mod, nn.ConvTranspose2d):
            kh, kw = mod.kernel_size
            total[0] += inp[0].numel() // batch * (mod.out_channels // mod.groups * kh * kw)
        elif isinstance(mod, nn.Linear):
            total[0] += out.numel() // out.shape[-1] // batch * mod.out_features * mod.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return int(total[0]) + getattr(model, "functional_macs", 0)


def export(model, x, fold):
    import io
    f = io.BytesIO()
    torch.onnx.export(model, (x,), f, dynamo=False, opset_version=OPSET,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}},
                      do_constant_folding=fold)
    return onnx.load_from_string(f.getvalue())


def ort_session(model_or_path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    src = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def all_value_shapes(model, feeds):
    """Shape ORT really produces for every graph input and node output."""
    m = copy.deepcopy(model)
    existing = {o.name for o in m.graph.output}
    init_names = {i.name for i in m.graph.initializer}
    for node in m.graph.node:
        for name in node.output:
            if name and name not in existing:
                m.graph.output.append(onnx.ValueInfoProto(name=name))
                existing.add(name)
    sess = ort_session(m)
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(names, feeds)
    got = dict(zip(names, outs))
    values = {}
    for inp in model.graph.input:
        if inp.name not in init_names:
            values[inp.name] = [int(d) for d in feeds[inp.name].shape]
    for node in model.graph.node:
        for name in node.output:
            if name and name in got and name not in values:
                values[name] = [int(d) for d in np.asarray(got[name]).shape]
    return values


def golden_text(params, macs, values):
    lines = ["{", f'  "batch": {BATCH},', f'  "params": {params},', f'  "macs": {macs},',
             '  "values": {']
    items = list(values.items())
    for i, (k, v) in enumerate(items):
        comma = "," if i + 1 < len(items) else ""
        lines.append(f"    {json.dumps(k)}: {json.dumps(v)}{comma}")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def to_typed_fields(model):
    """Moves FLOAT / INT64 initializer data from raw_data into float_data / int64_data."""
    m = copy.deepcopy(model)
    for init in m.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            continue
        arr = numpy_helper.to_array(init)
        if init.data_type == onnx.TensorProto.FLOAT:
            init.ClearField("raw_data")
            del init.float_data[:]
            init.float_data.extend(arr.astype(np.float32).ravel().tolist())
        elif init.data_type == onnx.TensorProto.INT64:
            init.ClearField("raw_data")
            del init.int64_data[:]
            init.int64_data.extend(arr.astype(np.int64).ravel().tolist())
    return m


def to_constant_nodes(model):
    """Writes the model as paddle2onnx does: every float initializer becomes a Constant node at
    the head of the graph, and the input's dynamic batch axis a literal -1."""
    m = copy.deepcopy(model)
    constants = []
    for init in list(m.graph.initializer):
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        value = copy.deepcopy(init)
        value.name = ""
        constants.append(onnx.helper.make_node("Constant", [], [init.name], name=init.name + "/Constant", value=value))
        m.graph.initializer.remove(init)
    nodes = constants + list(m.graph.node)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = -1
    return m


# ----------------------------------------------------------------------------- fixtures

# name -> (constructor, input CHW, do_constant_folding)
SPECS = {
    "plain_cnn_bn": (PlainCNN, (3, 16, 16), False),
    "plain_cnn_fused": (PlainCNN, (3, 16, 16), True),
    "mini_resnet": (MiniResNet, (3, 16, 16), False),
    "mini_densenet": (MiniDenseNet, (3, 16, 16), False),
    "mobilenetv2_block": (MobileNetV2Block, (3, 16, 16), False),
    "se_block": (SEBlockNet, (3, 16, 16), False),
    "flatten_gemm": (FlattenGemm, (3, 8, 8), False),
    "yolo_block": (YoloBlock, (3, 16, 16), False),
    "math_zoo": (MathZoo, (3, 8, 8), True),
    "layout_zoo": (LayoutZoo, (3, 8, 8), True),
    "attention_block": (AttentionBlock, (3, 8, 8), True),
    "mobilenet_v2_slim": (SlimMobileNetV2, (3, 32, 32), False),
    "mobilenet_v2_slim_fused": (SlimMobileNetV2, (3, 32, 32), True),
    "mobilenet_v3_slim": (SlimMobileNetV3, (3, 32, 32), False),
    "mobilenet_v3_slim_fused": (SlimMobileNetV3, (3, 32, 32), True),
    "softmax_cnn": (SoftmaxCNN, (3, 16, 16), False),
    "logsoftmax_cnn": (LogSoftmaxCNN, (3, 16, 16), False),
    "digits_untrained": (UntrainedDigitsCNN, (1, 8, 8), False),
    "text_cnn": (TextCNN, (4, 32), False),
    "same_pad_cnn": (SamePadCNN, (3, 16, 16), False),
    "grouped_cnn": (GroupedCNN, (3, 16, 16), False),
    "shuffle_block": (ShuffleBlock, (3, 16, 16), False),
    "shape_read_cnn": (ShapeReadCNN, (3, 16, 16), False),
    "std_conv_cnn": (StdConvCNN, (3, 16, 16), False),
    "channel_norm_cnn": (ChannelNormCNN, (3, 16, 16), False),
}
# fixtures whose BatchNorms keep their fresh initialisation (so the exporter aliases them)
UNTRAINED = {"digits_untrained"}
# variants of plain_cnn_bn that differ only in how the file stores its tensors
DERIVED = ["plain_cnn_external", "plain_cnn_typed", "plain_cnn_constants"]
# fixtures written with onnx.helper, for ops the PyTorch exporter does not write
HAND_BUILT = {"activation_zoo": activation_zoo, "rounding_zoo": rounding_zoo, "predicate_zoo": predicate_zoo,
              "reduction_zoo": reduction_zoo, "einsum_zoo": einsum_zoo, "normalization_zoo": normalization_zoo, "rearrange_zoo": rearrange_zoo,
              "swish_zoo": swish_zoo, "pad_modes_zoo": pad_modes_zoo}


def build(name):
    if name in HAND_BUILT:
        # No PyTorch model to compare with: ONNX Runtime's output is the reference.
        proto, x, macs = HAND_BUILT[name]()
        return proto, x, ort_session(proto).run(["y"], {"x": x})[0], macs
    base = {"plain_cnn_external": "plain_cnn_bn", "plain_cnn_typed": "plain_cnn_bn", "plain_cnn_constants": "plain_cnn_bn"}.get(name, name)
    ctor, chw, fold = SPECS[base]
    torch.manual_seed(0)
    model = ctor()
    if base not in UNTRAINED:
        randomize_bn(model)
    model.eval()
    gen = torch.Generator().manual_seed(1234)
    x = torch.randn((BATCH,) + chw, generator=gen)
    proto = export(model, x, fold)
    if name == "plain_cnn_fused":
        if any(n.op_type == "BatchNormalization" for n in proto.graph.node):
            # Fallback: fuse Conv+BN in torch before exporting.
            from torch.nn.utils.fusion import fuse_conv_bn_eval
            model.conv1 = fuse_conv_bn_eval(model.conv1, model.bn1)
            model.bn1 = nn.Identity()
            model.conv2 = fuse_conv_bn_eval(model.conv2, model.bn2)
            model.bn2 = nn.Identity()
            proto = export(model, x, fold)
        assert not any(n.op_type == "BatchNormalization" for n in proto.graph.node)
    if name == "plain_cnn_constants":
        proto = to_constant_nodes(proto)
    if name == "plain_cnn_typed":
        proto = to_typed_fields(proto)
    if name == "math_zoo":
        proto = with_unexported_ops(proto)
    if name == "layout_zoo":
        proto = with_constant_pads(proto)
    macs = count_macs(model, x)
    with torch.no_grad():
        y_torch = model(x).numpy()
    return proto, x.numpy(), y_torch, macs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures"))
    ap.add_argument("--only", nargs="+", metavar="NAME", help="regenerate just these fixtures")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    rows = []
    for name in args.only or list(SPECS) + DERIVED + list(HAND_BUILT):
        proto, x, y_torch, macs = build(name)
        onnx.checker.check_model(proto, full_check=True)
        path = os.path.join(args.out, name + ".onnx")
        files = [path]
        if name == "plain_cnn_external":
            data_name = name + ".onnx.data"
            data_path = os.path.join(args.out, data_name)
            if os.path.exists(data_path):
                os.remove(data_path)  # onnx appends to an existing data file
            ext = copy.deepcopy(proto)
            onnx.save_model(ext, path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=data_name, size_threshold=0)
            os.chmod(data_path, 0o644)
            files.append(data_path)
        else:
            onnx.save_model(proto, path)
        onnx.checker.check_model(path, full_check=True)

        feeds = {"x": x}
        y = ort_session(path).run(["y"], feeds)[0]
        if not np.allclose(y, y_torch, rtol=1e-4, atol=1e-5):
            sys.exit(f"{name}: ORT and torch disagree (max diff {np.abs(y - y_torch).max()})")
        np.savez(os.path.join(args.out, name + ".npz"), x=x, y=y)

        loaded = onnx.load(path)  # loads external data too
        values = all_value_shapes(loaded, feeds)
        params = parameter_count(loaded)
        with open(os.path.join(args.out, name + ".golden.json"), "w") as f:
            f.write(golden_text(params, macs, values))

        ops = []
        for n in proto.graph.node:
            if n.op_type not in ops:
                ops.append(n.op_type)
        size = sum(os.path.getsize(p) for p in files)
        rows.append((name, size, len(proto.graph.node), params, macs, ", ".join(ops)))

    print(f"{'name':<20} {'bytes':>7} {'nodes':>5} {'params':>7} {'macs':>8}  op types")
    for r in rows:
        print(f"{r[0]:<20} {r[1]:>7} {r[2]:>5} {r[3]:>7} {r[4]:>8}  {r[5]}")


if __name__ == "__main__":
    main()
