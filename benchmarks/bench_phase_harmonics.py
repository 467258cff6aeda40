"""Phase harmonics with default parameters: skscat against pywph 1.1, and the FFT floor.

Same work in one process, float32 images with a non-Gaussian texture, L=4
(both libraries' default), raw moments (skscat's ``normalize=None``, pywph's
``norm=None``, periodic boundary); every other parameter at its default
(skscat: numba backend on the threads of the default policy; pywph: torch on
its default threads). Cases: 4 images of 128x128 (J=5, ``delta_n=1``) and 4
of 256x256 (J=6, ``delta_n=0`` and ``1``); and PhaseHarmonics1D (no pywph
counterpart) on 64 signals of 4096 samples, J=8, ``delta_n=1``. Each timing
is the median of ``--repeat`` calls after a warm-up (filters built, FFT plans
made), timed round-robin. Prints the times, the ratio pywph / skscat (> 1:
skscat is faster), the relative difference of the outputs, and skscat against
its FFT floor (:mod:`_fft_floor`: scipy.fft doing only the FFTs skscat
performs, on the same threads).

pywph's constructor sizes a weight map for non-periodic data with
``M - 2 * cut_y_param * 2**J`` rows; that map is not used with ``pbc=True``,
so the benchmark passes ``cut_x_param = cut_y_param = 1/4`` (same
coefficients), which lets ``J`` reach ``log2(M) - 1``.

Run: ``python benchmarks/bench_phase_harmonics.py [--repeat R] [--threads T]
[--json doc/benchmarks/phase_harmonics_pywph.json]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _fft_floor import (  # noqa: E402
    default_threads,
    describe,
    fft_calls,
    fft_replay,
    machine,
    race,
    write_figure,
)

from skscat.phase_harmonics import PhaseHarmonics1D, PhaseHarmonics2D  # noqa: E402

CASES_2D = [(4, 128, 5, 1), (4, 256, 6, 0), (4, 256, 6, 1)]  # (n, side, J, delta_n)
CASE_1D = (64, 4096, 8, 1)

SK, FLOOR, PW = "skscat (defaults)", "FFT floor", "pywph"


def _texture(shape, rng):
    g = rng.standard_normal(shape)
    return (g + np.roll(g, 1, axis=-1) ** 2).astype(np.float32)  # non-Gaussian


def run_2d(n, size, J, dn, args, pywph, torch):
    X = _texture((n, size, size), np.random.default_rng(0))
    Xf = X.reshape(n, -1)
    est = PhaseHarmonics2D(J=J, delta_n=dn, normalize=None).fit(Xf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        op = pywph.WPHOp(size, size, J, dn=dn, cut_x_param=0.25, cut_y_param=0.25)
    X_torch = torch.from_numpy(X)
    fns = {SK: lambda: est.transform(Xf), PW: lambda: op.apply(X_torch, norm=None).numpy()}
    fns[FLOOR], summary = fft_replay(fft_calls(est.transform, Xf))
    results = race(fns, args.repeat)
    t = {name: wall for name, (wall, _, _) in results.items()}
    out_pw = results[PW][2]
    ref = np.concatenate([out_pw.real, out_pw.imag], axis=1)
    err = np.abs(results[SK][2] - ref).max() / np.abs(ref).max()
    print(
        f"{n} x {size}x{size}, J={J}, delta_n={dn}: {est.n_moments_} moments; "
        f"skscat {t[SK]:.3f} s, pywph {t[PW]:.3f} s, FFT floor {t[FLOOR]:.3f} s; "
        f"pywph / skscat {t[PW] / t[SK]:.1f}x, skscat / floor {t[SK] / t[FLOOR]:.2f}x "
        f"(rel. difference {err:.1e})\n    FFTs replayed: {describe(summary)}",
        flush=True,
    )
    return t


def run_1d(n, length, J, dn, args):
    X = _texture((n, length), np.random.default_rng(0))
    est = PhaseHarmonics1D(J=J, delta_n=dn, normalize=None).fit(X)
    fns = {SK: lambda: est.transform(X)}
    fns[FLOOR], summary = fft_replay(fft_calls(est.transform, X))
    t = {name: wall for name, (wall, _, _) in race(fns, args.repeat).items()}
    print(
        f"PhaseHarmonics1D, {n} x {length}, J={J}, delta_n={dn}: skscat {t[SK]:.3f} s, "
        f"FFT floor {t[FLOOR]:.3f} s, skscat / floor {t[SK] / t[FLOOR]:.2f}x\n"
        f"    FFTs replayed: {describe(summary)}",
        flush=True,
    )
    return t


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    parser.add_argument("--json", help="write the performance page's figure there")
    args = parser.parse_args(argv)

    import pywph
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"PhaseHarmonics vs pywph {pywph.__version__} (torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads), float32, L=4, default parameters; median of "
        f"{args.repeat} after a warm-up; {machine()}; skscat's default threads: "
        f"{default_threads()}; load average {os.getloadavg()[0]:.1f} at start",
        flush=True,
    )
    table = {}
    for n, size, J, dn in CASES_2D:
        t = run_2d(n, size, J, dn, args, pywph, torch)
        table[f"{n} x {size}x{size}, J={J}, delta_n={dn}"] = t
    n, length, J, dn = CASE_1D
    t1 = run_1d(n, length, J, dn, args)
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    if args.json:
        cases = {c: {k: round(t[k], 4) for k in (SK, PW, FLOOR)} for c, t in table.items()}
        cases[f"1-D: {n} x {length}, J={J}, delta_n={dn}"] = {
            SK: round(t1[SK], 4),
            FLOOR: round(t1[FLOOR], 4),
        }
        write_figure(
            args.json,
            title="PhaseHarmonics2D/1D (L=4, float32, default parameters) against pywph 1.1",
            script="benchmarks/bench_phase_harmonics.py",
            command=" ".join(["python", "benchmarks/bench_phase_harmonics.py", *sys.argv[1:]]),
            note=f"Same arrays in one process, median of {args.repeat} round-robin calls "
            f"after a warm-up; raw moments (normalize=None, pywph's norm=None). skscat with "
            f"default parameters (numba backend, {default_threads()} threads by the default "
            f"policy); pywph on torch's default threads. The *FFT floor* is scipy.fft, on "
            "skscat's threads, doing only the FFTs skscat performs on the batch. pywph has "
            "no 1-D transform.",
            cases=cases,
        )


if __name__ == "__main__":
    main()
