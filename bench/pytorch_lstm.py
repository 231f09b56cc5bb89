#!/usr/bin/env python3
"""Char-level LSTM training throughput in PyTorch, the reference for `pnpm bench`.

Model (mirrors bench/run.ts): one-hot input of size V (default 100), nn.LSTM with H units x L
layers (batch_first=False, [T, B, *]), a linear layer to V logits, softmax cross-entropy summed
over all T*B characters (nats), Adam (lr 1e-3). One training step = forward, loss, backward,
optimiser step on a fresh [T, B] batch of random ids. Differences from the seqgen model: no
peepholes (nn.LSTM has none) and no derivative clipping; both make PyTorch's step slightly cheaper
(and no skip connections: seqgen's LstmStack also feeds the input to every layer and every layer to
the output, which costs 2x256 about 10% more matMul work; bench/flops.ts).

Which BLAS torch uses is decided by the caller (bench/run.ts sets LD_LIBRARY_PATH and the OPENBLAS_*
variables per variant); the output's "blas" says what this process actually mapped and, for OpenBLAS,
its kernel set ("core") and thread count.

Prints one JSON object on stdout:
  {"config", "backend": "pytorch", "torch", "threads", "blas", "charsPerSec" (median, wall clock),
   "repsCharsPerSec", "charsPerCpuSec", "stepsPerRep", "peakRssMB", ...}
With --probe it prints only {"torch", "threads", "blas", "env", "mkldnn", "config"} and exits.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time


def blas_info(torch=None):
    """Which BLAS this process resolved at run time, read from /proc/self/maps (Debian's torch links the
    libblas.so.3 SONAME, so the alternatives link or LD_LIBRARY_PATH decide), and for OpenBLAS the kernel set
    it chose (openblas_get_corename: OPENBLAS_CORETYPE or its CPU autodetection) and its thread count."""
    try:
        with open('/proc/self/maps') as maps:
            libs = sorted({line.split()[-1] for line in maps
                           if ('blas' in line.lower() or 'lapack' in line.lower()) and '/' in line})
    except OSError:
        libs = []
    real = sorted({os.path.realpath(p) for p in libs})
    kind = 'unknown'
    joined = ' '.join(real).lower()
    if 'openblas' in joined:
        kind = 'openblas'
    elif 'mkl' in joined:
        kind = 'mkl'
    elif 'blis' in joined:
        kind = 'blis'
    elif '/blas/libblas.so' in joined:
        kind = 'reference'
    info = {'kind': kind, 'libraries': real}
    if kind == 'openblas':
        try:
            import ctypes
            path = next(p for p in real if 'libopenblas' in p)
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info['core'] = lib.openblas_get_corename().decode()
            info['threads'] = lib.openblas_get_num_threads()
        except (OSError, StopIteration, AttributeError):
            pass
    return info


BENCH_ENV = ('OMP_NUM_THREADS', 'OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OPENBLAS_L2_SIZE', 'LD_LIBRARY_PATH')


def bench_env():
    """The environment variables that change torch's or OpenBLAS's speed, as this process saw them."""
    return {k: os.environ[k] for k in BENCH_ENV if k in os.environ}



def time_steps(step, data, warmup, reps, steps, max_seconds, units_per_step):
    """Runs `warmup` untimed steps, then up to `reps` timed repetitions of `steps` steps (no new repetition
    after `max_seconds`); returns (units/s per rep, units per CPU-second per rep, the last loss)."""
    last = None
    for i in range(warmup):
        last = step(*data[i % len(data)]).item()
    rates, cpu_rates = [], []
    timing_start = time.perf_counter()
    for r in range(reps):
        if r > 0 and time.perf_counter() - timing_start > max_seconds:
            break
        start = time.perf_counter()
        cpu_start = time.process_time()
        for i in range(steps):
            loss = step(*data[i % len(data)])
        last = loss.item()
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
        rates.append(steps * units_per_step / seconds)
        cpu_rates.append(steps * units_per_step / cpu_seconds)
    return rates, cpu_rates, last

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--layers', type=int, default=1)
    parser.add_argument('--hidden', type=int, default=256)
    parser.add_argument('--vocab', type=int, default=100)
    parser.add_argument('--seq', type=int, default=100, help='T, characters per sequence')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--steps', type=int, default=5, help='timed training steps per repetition')
    parser.add_argument('--warmup', type=int, default=2, help='untimed steps first')
    parser.add_argument('--reps', type=int, default=5, help='timed repetitions; the median is reported')
    parser.add_argument('--max-seconds', type=float, default=math.inf,
                        help='stop after the repetition that passes this many seconds (at least one)')
    parser.add_argument('--threads', type=int, default=0, help='torch.set_num_threads (0: leave as installed)')
    parser.add_argument('--input', choices=['onehot', 'embedding'], default='onehot')
    parser.add_argument('--variant', default='as-installed', help='label copied into the output')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--probe', action='store_true', help='print the build (BLAS, threads) and exit')
    args = parser.parse_args()

    import torch
    import torch.nn.functional as F

    if args.probe:
        json.dump({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas_info(torch), 'env': bench_env(),
                   'mkldnn': torch.backends.mkldnn.is_available(), 'config': torch.__config__.show()}, sys.stdout)
        sys.stdout.write('\n')
        return

    torch.manual_seed(args.seed)
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    V, H, L, T, B = args.vocab, args.hidden, args.layers, args.seq, args.batch

    class CharLstm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(V, V) if args.input == 'embedding' else None
            self.lstm = torch.nn.LSTM(V, H, num_layers=L)
            self.out = torch.nn.Linear(H, V)

        def forward(self, ids):
            x = self.embed(ids) if self.embed is not None else F.one_hot(ids, V).float()
            h, _ = self.lstm(x)
            return self.out(h)

    model = CharLstm()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)

    def batch():
        ids = torch.randint(0, V, (T + 1, B), generator=generator)
        return ids[:-1], ids[1:]

    def step(ids, targets):
        optimizer.zero_grad(set_to_none=True)
        logits = model(ids)
        loss = F.cross_entropy(logits.reshape(T * B, V), targets.reshape(T * B), reduction='sum')
        loss.backward()
        optimizer.step()
        return loss

    data = [batch() for _ in range(4)]
    rates, cpu_rates, last_loss = time_steps(step, data, args.warmup, args.reps, args.steps, args.max_seconds, T * B)

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        'config': f'{L}x{H}',
        'backend': 'pytorch',
        'variant': args.variant,
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas_info(torch),
        'mkldnn': torch.backends.mkldnn.is_available(),
        'env': bench_env(),
        'input': args.input,
        'T': T, 'batch': B, 'vocab': V,
        'stepsPerRep': args.steps, 'warmup': args.warmup, 'reps': len(rates),
        'charsPerSec': statistics.median(rates),
        'repsCharsPerSec': [round(r, 1) for r in rates],
        # Per second of this process's CPU time (all threads): less sensitive to other load.
        'charsPerCpuSec': statistics.median(cpu_rates),
        'lastLossPerChar': last_loss / (T * B) if last_loss is not None else None,
        'peakRssMB': round(peak_rss_mb, 1),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
