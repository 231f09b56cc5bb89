#!/usr/bin/env python3
"""Handwriting synthesis network training throughput in PyTorch, the reference for `pnpm bench`.

The network of Graves (2013) section 5 (Fig. 12), wired like seqgen's HandwritingModel:
- layer 1: nn.LSTMCell stepped over time, input x_t (3) and the PREVIOUS window w_{t-1} (S) (Eq. 52);
- soft window (Eqs. 46-51): (a^, b^, k^) = Linear(h1_t) [3K]; alpha = exp(a^), beta = exp(b^),
  kappa_t = kappa_{t-1} + exp(k^); phi(t, u) = sum_k alpha_k exp(-beta_k (kappa_k - u)^2), u = 1..U;
  w_t = sum_u phi(t, u) c_u over the one-hot text c [B, U, S];
- layers n >= 2: nn.LSTM over the whole sequence (PyTorch's fused CPU LSTM), input x_t, h^{n-1}_t and the
  CURRENT window w_t (Eq. 53): skip connections from the input to every layer;
- output: Linear over every layer's h (skip connections to the output, Eq. 54) to the 6M+1 MDN outputs;
- loss: mixture density negative log-likelihood (Eqs. 23-26) in log space, summed over the points and divided
  by the batch (per-sequence loss), as seqgen's trainStep; Adam (lr 1e-3).
Differences from seqgen (both make PyTorch's step slightly cheaper): the LSTM layers are PEEPHOLE-FREE
(nn.LSTM / nn.LSTMCell have no peepholes; seqgen's layers have them, 3H weights per layer) and there is no
derivative clipping (seqgen clips dL/dy^ to +-100 and the LSTM pre-activation derivatives to +-10).

Data: synthetic, like bench/tfjs-synthesis.ts: B lines of T points (dx, dy ~ N(0, 1), eos with probability
0.05; every point real, so the mask is all ones) and texts of U characters of an S-symbol alphabet.

Prints one JSON object on stdout: {"config", "backend": "pytorch", "torch", "threads", "blas",
"pointsPerSec" (median, wall clock), "repsPointsPerSec", "pointsPerCpuSec", "peakRssMB", ...}.
"""
import argparse
import json
import math
import resource
import statistics
import sys

from pytorch_lstm import bench_env, blas_info, time_steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hidden', default='400,400,400', help='units per layer, e.g. 400,400,400')
    parser.add_argument('--mixtures', type=int, default=20, help='M, output mixture components')
    parser.add_argument('--window-mixtures', type=int, default=10, help='K, window Gaussians')
    parser.add_argument('--alphabet', type=int, default=57, help='S, symbols of the one-hot text')
    parser.add_argument('--seq', type=int, default=300, help='T, points per line')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--chars', type=int, default=30, help='U, characters per text')
    parser.add_argument('--steps', type=int, default=1, help='timed training steps per repetition')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--max-seconds', type=float, default=math.inf,
                        help='stop after the repetition that passes this many seconds (at least one)')
    parser.add_argument('--threads', type=int, default=0, help='torch.set_num_threads (0: leave as installed)')
    parser.add_argument('--variant', default='installed', help='label copied into the output')
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()

    import torch
    import torch.nn.functional as F

    torch.manual_seed(args.seed)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    sizes = [int(s) for s in args.hidden.split(',')]
    T, B, U, S, K, M = args.seq, args.batch, args.chars, args.alphabet, args.window_mixtures, args.mixtures
    log_2pi = math.log(2 * math.pi)

    class Synthesis(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.cell1 = torch.nn.LSTMCell(3 + S, sizes[0])
            self.window = torch.nn.Linear(sizes[0], 3 * K)
            with torch.no_grad():
                self.window.bias[2 * K:].fill_(-2.2)
            self.layers = torch.nn.ModuleList(
                torch.nn.LSTM(3 + sizes[n - 1] + S, sizes[n]) for n in range(1, len(sizes)))
            self.out = torch.nn.Linear(sum(sizes), 6 * M + 1)

        def forward(self, x, chars, char_mask):
            h = x.new_zeros(B, sizes[0])
            c = x.new_zeros(B, sizes[0])
            kappa = x.new_zeros(B, K, 1)
            w = x.new_zeros(B, S)
            u = torch.arange(1, U + 1, dtype=x.dtype).view(1, 1, U)
            hs, ws = [], []
            for t in range(T):
                h, c = self.cell1(torch.cat([x[t], w], 1), (h, c))
                a_hat, b_hat, k_hat = self.window(h).unsqueeze(2).chunk(3, 1)
                kappa = kappa + k_hat.exp()
                phi = (a_hat - b_hat.exp() * (kappa - u) ** 2).exp().sum(1) * char_mask  # [B, U]
                w = torch.bmm(phi.unsqueeze(1), chars).squeeze(1)
                hs.append(h)
                ws.append(w)
            below = torch.stack(hs)
            windows = torch.stack(ws)
            hidden = [below]
            for lstm in self.layers:
                below, _ = lstm(torch.cat([x, below, windows], 2))
                hidden.append(below)
            return self.out(torch.cat(hidden, 2))

    def mdn_nll(y_hat, targets, mask):
        e_hat = y_hat[..., 0]
        pi_hat, mu1, mu2, s1, s2, rho_hat = y_hat[..., 1:].split(M, -1)
        x1, x2, eos = targets[..., 0:1], targets[..., 1:2], targets[..., 2]
        rho = torch.tanh(rho_hat)
        one_minus = (1 - rho * rho).clamp_min(1e-6)
        z1 = (x1 - mu1) * torch.exp(-s1)
        z2 = (x2 - mu2) * torch.exp(-s2)
        z = z1 * z1 + z2 * z2 - 2 * rho * z1 * z2
        log_n = -log_2pi - s1 - s2 - 0.5 * torch.log(one_minus) - z / (2 * one_minus)
        ll = torch.logsumexp(F.log_softmax(pi_hat, -1) + log_n, -1)
        ll = ll - torch.where(eos > 0.5, F.softplus(e_hat), F.softplus(-e_hat))
        return -(ll * mask).sum()

    model = Synthesis()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)

    def batch():
        points = torch.randn(T, B, 3, generator=generator)
        points[..., 2] = (torch.rand(T, B, generator=generator) < 0.05).float()
        inputs = torch.cat([points.new_zeros(1, B, 3), points[:-1]])
        ids = torch.randint(1, S, (B, U), generator=generator)
        return inputs, points, F.one_hot(ids, S).float(), torch.ones(B, U), torch.ones(T, B)

    def step(inputs, targets, chars, char_mask, mask):
        optimizer.zero_grad(set_to_none=True)
        loss = mdn_nll(model(inputs, chars, char_mask), targets, mask) / B
        loss.backward()
        optimizer.step()
        return loss

    data = [batch() for _ in range(2)]
    rates, cpu_rates, last = time_steps(step, data, args.warmup, args.reps, args.steps, args.max_seconds, T * B)

    result = {
        'config': f'synthesis-{len(sizes)}x{sizes[0]}',
        'backend': 'pytorch',
        'variant': args.variant,
        'model': 'PyTorch synthesis net (peephole-free LSTMCell + window, nn.LSTM layers 2+, skips, MDN), Adam',
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas_info(torch),
        'env': bench_env(),
        'hiddenSizes': sizes,
        'weights': sum(p.numel() for p in model.parameters()),
        'T': T, 'batch': B, 'textChars': U, 'alphabet': S, 'mixtures': M, 'windowMixtures': K,
        'stepsPerRep': args.steps, 'warmup': args.warmup, 'reps': len(rates),
        'pointsPerSec': statistics.median(rates),
        'repsPointsPerSec': [round(r, 1) for r in rates],
        'pointsPerCpuSec': statistics.median(cpu_rates),
        'lastLossPerPoint': last * B / (T * B) if last is not None else None,
        'peakRssMB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
