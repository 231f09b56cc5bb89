"""Writes src/train/__fixtures__/torch-optimizers.json: PyTorch (float64) trajectories of Adam and
SGD (momentum, Nesterov) for the optimiser tests. Run: /usr/bin/python3 scripts/optimizer-fixtures.py

PyTorch's SGD keeps v = mu*v + g and steps w -= lr*v; ours keeps v = mu*v - lr*g and steps w += v.
With a constant learning rate the weights are identical. Graves RMSProp has no PyTorch twin (torch's
centred RMSprop adds eps outside the square root), so it is checked against a float64 JS reference.
"""
import json
import os

import torch

torch.manual_seed(0)
w0 = torch.randn(2, 3, dtype=torch.float64)
grads = [torch.randn(2, 3, dtype=torch.float64) for _ in range(4)]


def run(make):
    w = torch.nn.Parameter(w0.clone())
    opt = make([w])
    out = []
    for g in grads:
        opt.zero_grad()
        w.grad = g.clone()
        opt.step()
        out.append(w.detach().flatten().tolist())
    return out


cases = {
    "adam": {"spec": {"name": "adam", "learningRate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
             "weights": run(lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8))},
    "sgd-momentum": {"spec": {"name": "sgd", "learningRate": 0.1, "momentum": 0.9},
                     "weights": run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9))},
    "sgd-nesterov": {"spec": {"name": "sgd", "learningRate": 0.1, "momentum": 0.9, "nesterov": True},
                     "weights": run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True))},
}
fixture = {
    "generatedBy": f"scripts/optimizer-fixtures.py, torch {torch.__version__}, float64",
    "shape": list(w0.shape),
    "initial": w0.flatten().tolist(),
    "grads": [g.flatten().tolist() for g in grads],
    "cases": cases,
}
path = os.path.join(os.path.dirname(__file__), "..", "src", "train", "__fixtures__", "torch-optimizers.json")
with open(path, "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(path))
