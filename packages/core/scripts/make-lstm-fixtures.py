"""Writes src/lstm/__fixtures__/torch-lstm-stack.json: a 2-layer LSTM stack with the paper's skip
connections (Graves 2013 Eqs. 1-3, no peepholes) built by hand from torch.nn.LSTMCell in float64, with
its inputs, weights (in @seqgen/core's layout), outputs and gradients, for the parity test
src/lstm/lstm-parity.test.ts.  Run:  /usr/bin/python3 scripts/make-lstm-fixtures.py  (torch 1.13)

Layout conversion (torch gate order is i, f, g, o like ours; torch keeps two biases, we keep their sum):
  layer n input = [x, h^{n-1}, extra]  ->  wx = W_ih[:, :I].T, wbelow = W_ih[:, I:I+Hb].T, wextra = W_ih[:, I+Hb:].T
  wh = W_hh.T,  b = b_ih + b_hh  (so db = dL/db_ih),  out/w = Linear.weight.T,  out/b = Linear.bias.
Every number is first rounded to float32 so that tfjs sees exactly the same inputs and weights.
"""
import json
import os

import torch

torch.manual_seed(1234)
DT = torch.float64


def f32(t):
    return t.to(torch.float32).to(DT)


def rand(*shape, scale=1.0):
    return f32((torch.rand(*shape, dtype=DT) * 2 - 1) * scale)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def build_case(name, I, hidden, K, extra_sizes, T, B, ids=False):
    cells = []
    for n, H in enumerate(hidden):
        in_size = I + (hidden[n - 1] if n > 0 else 0) + extra_sizes[n]
        cell = torch.nn.LSTMCell(in_size, H).to(DT)
        with torch.no_grad():
            for p in cell.parameters():
                p.copy_(rand(*p.shape, scale=0.6))
        cells.append(cell)
    out = torch.nn.Linear(sum(hidden), K).to(DT)
    with torch.no_grad():
        for p in out.parameters():
            p.copy_(rand(*p.shape, scale=0.6))

    if ids:
        ids_t = torch.randint(0, I, (T, B))
        x = torch.nn.functional.one_hot(ids_t, I).to(DT)
    else:
        x = rand(T, B, I).requires_grad_(True)
    extras = [rand(T, B, E).requires_grad_(True) if E > 0 else None for E in extra_sizes]
    if ids:
        h0 = [torch.zeros(B, H, dtype=DT, requires_grad=True) for H in hidden]
        c0 = [torch.zeros(B, H, dtype=DT, requires_grad=True) for H in hidden]
    else:
        h0 = [rand(B, H, scale=0.5).requires_grad_(True) for H in hidden]
        c0 = [rand(B, H, scale=0.5).requires_grad_(True) for H in hidden]

    # Layer-major forward, Eqs. (1)-(2): layer n sees x_t, h^{n-1}_t and its extra input.
    hidden_seqs = []
    finals = []
    for n, cell in enumerate(cells):
        h, c = h0[n], c0[n]
        hs = []
        for t in range(T):
            parts = [x[t]]
            if n > 0:
                parts.append(hidden_seqs[n - 1][t])
            if extras[n] is not None:
                parts.append(extras[n][t])
            h, c = cell(torch.cat(parts, dim=1), (h, c))
            hs.append(h)
        hidden_seqs.append(torch.stack(hs))
        finals.append((h, c))
    logits = out(torch.cat(hidden_seqs, dim=2))  # Eq. (3): every layer feeds the output

    case = {"name": name, "T": T, "B": B,
            "config": {"inputSize": I, "hiddenSizes": hidden, "outputSize": K, "peepholes": False,
                       "inputSkips": True, "outputSkips": True, "extraInputSizes": extra_sizes}}
    if ids:
        targets = torch.randint(0, K, (T, B))
        loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, K), targets.reshape(-1), reduction="sum")
        case["input"] = {"ids": flat(ids_t)}
        case["targets"] = flat(targets)
    else:
        probe = {"logits": rand(T, B, K), "hT": [rand(B, H) for H in hidden], "cT": [rand(B, H) for H in hidden]}
        loss = (logits * probe["logits"]).sum()
        for n in range(len(hidden)):
            loss = loss + (finals[n][0] * probe["hT"][n]).sum() + (finals[n][1] * probe["cT"][n]).sum()
        case["input"] = {"dense": flat(x)}
        case["probe"] = {"logits": flat(probe["logits"]), "hT": [flat(v) for v in probe["hT"]],
                         "cT": [flat(v) for v in probe["cT"]]}
    loss.backward()

    params, grads = {}, {}
    for n, (cell, H) in enumerate(zip(cells, hidden)):
        Hb = hidden[n - 1] if n > 0 else 0
        E = extra_sizes[n]
        W, G = cell.weight_ih, cell.weight_ih.grad
        pieces = [("wx", 0, I)]
        if n > 0:
            pieces.append(("wbelow", I, I + Hb))
        if E > 0:
            pieces.append(("wextra", I + Hb, I + Hb + E))
        for key, a, b in pieces:
            params[f"lstm/{n}/{key}"] = {"shape": [b - a, 4 * H], "data": flat(W[:, a:b].t())}
            grads[f"lstm/{n}/{key}"] = flat(G[:, a:b].t())
        params[f"lstm/{n}/wh"] = {"shape": [H, 4 * H], "data": flat(cell.weight_hh.t())}
        grads[f"lstm/{n}/wh"] = flat(cell.weight_hh.grad.t())
        # The sum of two float32 numbers may not be a float32: tfjs gets the rounded sum, torch the exact
        # one; the difference (<= 6e-8 relative) is far below the 1e-5 test tolerance.
        params[f"lstm/{n}/b"] = {"shape": [4 * H], "data": flat(cell.bias_ih + cell.bias_hh)}
        grads[f"lstm/{n}/b"] = flat(cell.bias_ih.grad)
    params["lstm/out/w"] = {"shape": [sum(hidden), K], "data": flat(out.weight.t())}
    params["lstm/out/b"] = {"shape": [K], "data": flat(out.bias)}
    grads["lstm/out/w"] = flat(out.weight.grad.t())
    grads["lstm/out/b"] = flat(out.bias.grad)

    case.update({
        "extras": [flat(e) if e is not None else None for e in extras],
        "h0": [flat(h) for h in h0], "c0": [flat(c) for c in c0],
        "params": params,
        "outputs": {"loss": float(loss), "logits": flat(logits),
                    "hidden": [flat(h) for h in hidden_seqs],
                    "hT": [flat(h) for h, _ in finals], "cT": [flat(c) for _, c in finals]},
        "grads": {"params": grads,
                  "x": None if ids else flat(x.grad),
                  "extras": [flat(e.grad) if e is not None else None for e in extras],
                  "h0": [flat(h.grad) for h in h0], "c0": [flat(c.grad) for c in c0]},
    })
    return case


cases = [
    build_case("dense input, probe loss, extra input on layer 2", I=3, hidden=[4, 3], K=5, extra_sizes=[0, 2], T=5, B=2),
    build_case("ids input, summed softmax cross-entropy", I=6, hidden=[4, 3], K=6, extra_sizes=[0, 0], T=4, B=3, ids=True),
]
doc = {"generator": "packages/core/scripts/make-lstm-fixtures.py", "torch": torch.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "lstm", "__fixtures__", "torch-lstm-stack.json")
with open(path, "w") as fh:
    json.dump(doc, fh, separators=(",", ":"))
    fh.write("\n")
print(f"wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")
