"""Peak memory of Scattering2D on 60,000 MNIST-sized images, against batch_size.

``transform`` works in batches of ``batch_size`` rows, so the memory it needs
beyond its input and output should depend on ``batch_size`` and not on
``n_samples``. Each configuration runs in a fresh process (peak RSS is a
process-lifetime high-water mark) and reports:

- ``input`` and ``output``: the arrays the caller holds anyway;
- ``peak RSS - baseline - output``: the transform's working memory, measured
  by the kernel (``ru_maxrss``), baseline = resident size just before
  ``transform`` (input, filters, compiled kernels, Python);
- ``tracemalloc peak - output``: the same seen by Python's allocator tracer
  (NumPy and SciPy arrays; numba's kernel scratch is not traced).

Run: ``python benchmarks/bench_memory.py [--backend numba] [--n-samples 60000]``
(the defaults sweep batch_size over 64 .. 4096 and "auto", then n_samples at
a fixed batch_size). Not a test: it takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

CHILD = r"""
import json, resource, sys, tracemalloc
import numpy as np
sys.path.insert(0, {root!r})
from skscat import Scattering2D

def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

n, batch, backend, average = {n}, {batch!r}, {backend!r}, {average}
X = np.empty((n, 28 * 28), dtype=np.float32)
rng = np.random.default_rng(0)
for start in range(0, n, 10000):  # filled in chunks: no float64 transient
    X[start:start + 10000] = rng.standard_normal((min(10000, n - start), 28 * 28))
est = Scattering2D(J=2, L=8, shape=(28, 28), backend=backend, batch_size=batch,
                   average=average, n_jobs=-1).fit(X)
est.transform(X[:8])  # filters built and kernels compiled before the baseline
baseline = rss_bytes()
peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
out = est.transform(X)
_, traced_peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(dict(
    n=n, batch=batch, resolved_batch=est._resolve_batch_size(n), backend=est.backend_,
    input=X.nbytes, output=out.nbytes, baseline=baseline, peak=max(peak, peak_before),
    peak_before=peak_before, traced_peak=traced_peak,
)))
"""


def measure(n, batch, backend, average):
    code = CHILD.format(root=ROOT, n=n, batch=batch, backend=backend, average=average)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def mib(b):
    return f"{b / 2**20:8.1f}"


def report(r):
    working = r["peak"] - r["baseline"] - r["output"]
    traced = r["traced_peak"] - r["output"]
    print(
        f"{r['n']:>7d} {str(r['batch']):>6s} {r['resolved_batch']:>6d} {mib(r['input'])} "
        f"{mib(r['output'])} {mib(r['baseline'])} {mib(r['peak'])} {mib(working)} {mib(traced)}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numba")
    parser.add_argument("--n-samples", type=int, default=60000)
    parser.add_argument("--batch-sizes", default="64,256,1024,4096,auto")
    parser.add_argument("--average", action="store_true", help="one value per path")
    args = parser.parse_args(argv)

    batches = [b if b == "auto" else int(b) for b in args.batch_sizes.split(",")]
    print(
        f"Scattering2D(J=2, L=8, shape=(28, 28), average={args.average}, "
        f"backend={args.backend!r}, n_jobs=-1), float32; MiB"
    )
    head = (
        f"{'n':>7s} {'batch':>6s} {'(used)':>6s} {'input':>8s} {'output':>8s} "
        f"{'baseline':>8s} {'peak RSS':>8s} {'working':>8s} {'traced':>8s}"
    )
    print(head)
    for batch in batches:
        report(measure(args.n_samples, batch, args.backend, args.average))
    print("same batch_size, growing n_samples:")
    print(head)
    for n in (args.n_samples // 6, args.n_samples // 2, args.n_samples):
        report(measure(n, 256, args.backend, args.average))


if __name__ == "__main__":
    main()
