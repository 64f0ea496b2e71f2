#!/usr/bin/python3
"""What PyTorch 1.13 computes for the same losses, for comparison with the reference.

Reads logit_loss_reference.csv (written by generate_logit_loss_reference.py) from
this directory, picks a subset of its rows, evaluates them in float64 with
  torch.nn.functional.binary_cross_entropy_with_logits(z, y, pos_weight=pw)  (kind torch_bce)
  torchvision.ops.sigmoid_focal_loss(z, y, alpha, gamma)                   (kind torch_focal)
and takes the gradient with autograd. Writes torch_1_13_reference.csv with the
same columns as the reference; value and derivative are PyTorch's results
(NaN and Infinity printed the way Double.parseDouble reads them), derivativeScale
is copied from the reference row with the same inputs.

Only rows with labelSmoothing = 0 are used (PyTorch has no label smoothing for
these losses, so the target passed is exactly the double y), and only posWeight = 1
for focal loss (torchvision's sigmoid_focal_loss has no pos_weight).

Usage (Debian packages python3-torch, python3-torchvision):
  /usr/bin/python3 generate_torch_comparison.py
"""

import csv
import math
import os
import sys

import torch
import torch.nn.functional as F
from torchvision.ops import sigmoid_focal_loss

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "logit_loss_reference.csv")
OUT = os.path.join(HERE, "torch_1_13_reference.csv")
HEADER = ("kind,gamma,alpha,posWeight,labelSmoothing,z,y,"
          "value,derivative,derivativeScale")

FOCAL_GAMMAS = (0.25, 0.5, 2.0)
FOCAL_ALPHAS = (-1.0, 0.25)
MAX_RANDOM_Z_PER_GROUP = 4     # besides the saturated grid, a few moderate z


def fmt(d):
    if math.isnan(d):
        return "NaN"
    if math.isinf(d):
        return "Infinity" if d > 0 else "-Infinity"
    return repr(float(d))


def is_grid_z(z):
    a = abs(z)
    return a == 0.0 or a in (1e-300, 1e-10, 0.5, 1.0, 3.0, 10.0, 20.0, 30.0, 36.7, 40.0,
                             50.0, 100.0, 700.0, 745.0, 800.0, 1e5, 1e150, 1e300)


def selected(rows):
    groups = {}
    for r in rows:
        kind, gamma, alpha, pw, eps = r[0], float(r[1]), float(r[2]), float(r[3]), float(r[4])
        if eps != 0.0:
            continue
        if kind == "focal" and (pw != 1.0 or gamma not in FOCAL_GAMMAS
                                or alpha not in FOCAL_ALPHAS):
            continue
        groups.setdefault((kind, gamma, alpha, pw, eps, r[6]), []).append(r)
    out = []
    for key in groups:          # insertion order = reference file order
        extra = 0
        for r in groups[key]:
            if is_grid_z(float(r[5])):
                out.append(r)
            elif extra < MAX_RANDOM_Z_PER_GROUP:
                out.append(r)
                extra += 1
    return out


def torch_value_and_grad(kind, gamma, alpha, pw, z, y):
    zt = torch.tensor([z], dtype=torch.float64, requires_grad=True)
    yt = torch.tensor([y], dtype=torch.float64)
    if kind == "bce":
        loss = F.binary_cross_entropy_with_logits(
            zt, yt, pos_weight=torch.tensor([pw], dtype=torch.float64), reduction="none")
    else:
        loss = sigmoid_focal_loss(zt, yt, alpha=alpha, gamma=gamma, reduction="none")
    loss.sum().backward()
    return loss.item(), zt.grad.item()


def main():
    if not torch.__version__.startswith("1.13"):
        print("warning: torch %s, the file name says 1.13" % torch.__version__,
              file=sys.stderr)
    with open(REFERENCE, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        assert ",".join(header) == HEADER, header
        rows = list(reader)
    lines = [HEADER]
    for r in selected(rows):
        kind = r[0]
        gamma, alpha, pw, eps, z, y = (float(v) for v in r[1:7])
        value, grad = torch_value_and_grad(kind, gamma, alpha, pw, z, y)
        lines.append(",".join(["torch_" + kind] + r[1:7] + [fmt(value), fmt(grad), r[9]]))
    with open(OUT, "w", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    print("wrote %d rows to %s (torch %s)" % (len(lines) - 1, OUT, torch.__version__))


if __name__ == "__main__":
    main()
