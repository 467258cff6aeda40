"""Gradients without autograd: skscat's hand-written VJPs against torch autograd.

1. One loss-and-gradient evaluation of the phase-harmonic loss
   ``||Phi(x) - Phi(t)||^2`` on a 256 x 256 image (J=7, L=4, delta_n=5, the raw
   moments of pywph 1.1) with skscat's :func:`skscat.gradients.value_and_grad`
   and with pywph's ``WPHOp.apply`` + ``loss.backward()`` (torch autograd, CPU),
   in float64 and float32; both gradients are compared. Prints both times and
   the ratio pywph / skscat (> 1: skscat is faster). Skipped without
   pywph/torch.
2. The same for Scattering2D (J=4, L=8) against Kymatio 0.3's torch frontend,
   when it imports.
3. The time of a full 64 x 64 texture synthesis (scikit-image's brick,
   PhaseHarmonics2D J=5, L=4, delta_n=2, 200 L-BFGS iterations), and of the
   same L-BFGS driven by pywph's autograd gradient.

Each timing is the best of ``--repeat`` after a warm-up (filters built).
Threads: skscat's ``n_jobs`` and torch's ``set_num_threads`` get the same
``--n-jobs``.

Run: ``python benchmarks/bench_gradients.py [--n-jobs N] [--repeat R] [--skip-synthesis]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from skscat import Scattering2D  # noqa: E402
from skscat.gradients import supports_gradients, synthesize, value_and_grad  # noqa: E402


def best_of(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def skscat_loss_and_grad(est, x, target_features, dtype):
    """One forward + backward of ``||Phi(x) - Phi(t)||^2`` (the cotangent ``2 (Phi - t)``)."""
    X = x.reshape(1, -1).astype(dtype)
    residual = est.transform(X).astype(np.float64) - target_features

    def run():
        values, grad = value_and_grad(est, X, 2 * residual)
        return float(np.sum((values - target_features) ** 2)), grad

    return run


def bench_phase_harmonics(args):
    try:
        from skscat.phase_harmonics import PhaseHarmonics2D
    except ImportError:
        print("PhaseHarmonics2D not in this build: part 1 skipped.")
        return
    if not supports_gradients(PhaseHarmonics2D()):
        print("PhaseHarmonics2D has no VJP in this build: part 1 skipped.")
        return
    try:
        import pywph
        import torch
    except ImportError:
        print("pywph/torch not installed: the pywph comparison is skipped.")
        pywph = torch = None
    M = args.size
    rng = np.random.default_rng(0)
    x = rng.standard_normal((M, M))
    t = rng.standard_normal((M, M))
    print(
        f"\n1. PhaseHarmonics2D loss + gradient, {M}x{M}, J={args.J}, L=4, "
        f"delta_n={args.dn} (raw moments, normalize=None)"
    )
    for dtype, precision in ((np.float64, "double"), (np.float32, "single")):
        est = PhaseHarmonics2D(
            J=args.J, L=4, delta_n=args.dn, shape=(M, M), normalize=None, n_jobs=args.n_jobs
        ).fit(t.reshape(1, -1))
        target = est.transform(t.reshape(1, -1).astype(dtype)).astype(np.float64)
        sk_time, (sk_loss, sk_grad) = best_of(
            skscat_loss_and_grad(est, x, target, dtype), args.repeat
        )
        line = f"  {precision:6s}: skscat {sk_time:7.3f} s ({est.n_moments_} moments)"
        if pywph is not None:
            torch.set_num_threads(args.n_jobs or 1)
            tdtype = torch.float64 if dtype == np.float64 else torch.float32
            op = pywph.WPHOp(M, M, args.J, L=4, dn=args.dn, device="cpu", precision=precision)
            t_coeffs = op.apply(torch.tensor(t, dtype=tdtype), norm=None).detach()

            def torch_run(op=op, t_coeffs=t_coeffs, tdtype=tdtype):
                xt = torch.tensor(x, dtype=tdtype, requires_grad=True)
                coeffs = op.apply(xt, norm=None)
                loss = ((coeffs - t_coeffs).abs() ** 2).sum()
                loss.backward()
                return float(loss.detach()), xt.grad.numpy().ravel()

            py_time, (py_loss, py_grad) = best_of(torch_run, args.repeat)
            line += (
                f", pywph (torch autograd) {py_time:7.3f} s, ratio pywph/skscat "
                f"{py_time / sk_time:5.1f}x; "
                f"loss rel. diff {abs(sk_loss - py_loss) / py_loss:.1e}, "
                f"gradient rel. diff {rel(sk_grad.ravel(), py_grad):.1e}"
            )
        print(line, flush=True)


def bench_scattering2d(args):
    try:
        from tests.conftest import import_kymatio_numpy

        import_kymatio_numpy()  # applies the SciPy >= 1.17 alias
        import torch
        from kymatio.torch import Scattering2D as KymatioTorch2D
    except Exception as exc:  # noqa: BLE001 - any import problem skips the comparison
        print(f"\n2. Kymatio's torch frontend unavailable ({type(exc).__name__}): part 2 skipped.")
        return
    M, J, L = 128, 4, 8
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((M, M)), rng.standard_normal((M, M))
    print(f"\n2. Scattering2D loss + gradient, {M}x{M}, J={J}, L={L} (float32, Kymatio's filters)")
    est = Scattering2D(J=J, L=L, shape=(M, M), n_jobs=args.n_jobs).fit(t.reshape(1, -1))
    target = est.transform(t.reshape(1, -1).astype(np.float32)).astype(np.float64)
    sk_time, (sk_loss, sk_grad) = best_of(
        skscat_loss_and_grad(est, x, target, np.float32), args.repeat
    )
    torch.set_num_threads(args.n_jobs or 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ky = KymatioTorch2D(J=J, shape=(M, M), L=L)
    t_coeffs = ky(torch.tensor(t[None], dtype=torch.float32)).detach()

    def torch_run():
        xt = torch.tensor(x[None], dtype=torch.float32, requires_grad=True)
        loss = ((ky(xt) - t_coeffs) ** 2).sum()
        loss.backward()
        return float(loss.detach()), xt.grad.numpy().ravel()

    ky_time, (ky_loss, ky_grad) = best_of(torch_run, args.repeat)
    print(
        f"  float32: skscat {sk_time:.3f} s, Kymatio torch autograd {ky_time:.3f} s, ratio "
        f"{ky_time / sk_time:.1f}x; gradient rel. diff {rel(sk_grad.ravel(), ky_grad):.1e}",
        flush=True,
    )


def bench_synthesis(args):
    try:
        from skimage import data

        from skscat.phase_harmonics import PhaseHarmonics2D
    except ImportError:
        print("\n3. scikit-image or PhaseHarmonics2D missing: part 3 skipped.")
        return
    if not supports_gradients(PhaseHarmonics2D()):
        print("\n3. PhaseHarmonics2D has no VJP in this build: part 3 skipped.")
        return
    target = data.brick()[:64, :64].astype(np.float64) / 255.0
    est = PhaseHarmonics2D(J=5, L=4, delta_n=2, shape=(64, 64), n_jobs=args.n_jobs).fit(
        target.reshape(1, -1)
    )
    n_iter = args.n_iter
    print(
        f"\n3. Texture synthesis, brick 64x64, PhaseHarmonics2D J=5, L=4, delta_n=2, "
        f"{n_iter} iterations"
    )
    losses = []
    t0 = time.perf_counter()
    synthesize(
        est, target, n_iter=n_iter, random_state=0, callback=lambda x, loss: losses.append(loss)
    )
    seconds = time.perf_counter() - t0
    print(
        f"  skscat synthesize: {seconds:.2f} s for {len(losses)} iterations "
        f"({1e3 * seconds / max(len(losses), 1):.1f} ms/iteration), final loss {losses[-1]:.2e}",
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--J", type=int, default=7)
    parser.add_argument("--dn", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=None, help="threads (default 1)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--n-iter", type=int, default=200)
    parser.add_argument("--skip-synthesis", action="store_true")
    args = parser.parse_args(argv)
    print(
        f"skscat gradients benchmark; best of {args.repeat} after a warm-up; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"n_jobs={args.n_jobs}"
    )
    bench_phase_harmonics(args)
    bench_scattering2d(args)
    if not args.skip_synthesis:
        bench_synthesis(args)


if __name__ == "__main__":
    main()
