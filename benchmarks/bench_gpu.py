"""GPU throughput of 2-D scattering: skscat (CuPy, numba) against Kymatio's torch frontend.

Run on a machine with an NVIDIA GPU (``pip install "skscat[gpu]"``, plus ``torch``
and ``kymatio`` for the comparison)::

    python benchmarks/bench_gpu.py                # both cases, every runner available
    python benchmarks/bench_gpu.py --scale 0.1    # a tenth of the images
    python benchmarks/bench_gpu.py --only skscat-cupy kymatio-torch-cuda

Cases: 10,000 images of 32x32 (J=2, L=8) and 128 images of 256x256 (J=3,
L=8), float32, full second-order scattering maps. Each runner is warmed up
(kernels compiled, FFT plans made, filters uploaded) and then timed over whole
runs; the best of ``--repeat`` runs is reported in images per second.

Runners:

- ``skscat-cupy``: NumPy in, NumPy out (host-to-device copies included);
- ``skscat-cupy-resident``: CuPy in, CuPy out (data already on the GPU);
- ``skscat-numba``: the CPU backend "auto" prefers (all cores, ``n_jobs=-1``);
- ``skscat-numpy``: the reference CPU backend (not run unless named in ``--only``);
- ``kymatio-torch-cuda``: Kymatio 0.3's torch frontend on CUDA, NumPy in and
  out like ``skscat-cupy``.

A runner that cannot run here is reported as unavailable, with the reason.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

CASES = [
    # (label, n_images, H, W, J, L)
    ("10000 x 32x32", 10_000, 32, 32, 2, 8),
    ("128 x 256x256", 128, 256, 256, 3, 8),
]
DEFAULT_RUNNERS = ("skscat-cupy", "skscat-cupy-resident", "skscat-numba", "kymatio-torch-cuda")
ALL_RUNNERS = (*DEFAULT_RUNNERS, "skscat-numpy")


class Unavailable(Exception):
    """This runner cannot run on this machine (the message says why)."""


def _synchronize_cupy():
    import cupy

    cupy.cuda.Device().synchronize()


def _skscat_runner(backend: str, resident: bool, batch_size):
    def make(X, H, W, J, L):
        from skscat import Scattering2D

        est = Scattering2D(J=J, L=L, shape=(H, W), backend=backend, batch_size=batch_size)
        if backend != "cupy":
            est.set_params(n_jobs=-1)
        try:
            est.fit(X[:1])
        except (ImportError, RuntimeError, ValueError) as exc:
            raise Unavailable(str(exc).split(". ")[0]) from exc
        if backend == "cupy":
            import cupy

            data = cupy.asarray(X) if resident else X

            def run():
                out = est.transform(data)
                _synchronize_cupy()
                return out

            return run
        return lambda: est.transform(X)

    return make


def _kymatio_torch_runner(batch_size):
    def make(X, H, W, J, L):
        try:
            import torch
        except ImportError as exc:
            raise Unavailable("torch is not installed") from exc
        if not torch.cuda.is_available():
            raise Unavailable("torch sees no CUDA device")
        import scipy.special

        # Kymatio 0.3 imports scipy.special.sph_harm, removed in SciPy 1.17.
        if not hasattr(scipy.special, "sph_harm") and hasattr(scipy.special, "sph_harm_y"):
            scipy.special.sph_harm = lambda m, n, theta, phi: scipy.special.sph_harm_y(
                n, m, phi, theta
            )
        try:
            from kymatio.torch import Scattering2D as KymatioScattering2D
        except ImportError as exc:
            raise Unavailable(f"kymatio.torch cannot be imported ({exc})") from exc
        scattering = KymatioScattering2D(J=J, shape=(H, W), L=L).cuda()
        images = X.reshape(-1, H, W)
        step = len(images) if batch_size == "auto" else int(batch_size)

        def run():
            outs = []
            with torch.no_grad():
                for start in range(0, len(images), step):
                    chunk = torch.from_numpy(images[start : start + step]).cuda()
                    outs.append(scattering(chunk).reshape(len(chunk), -1).cpu().numpy())
            torch.cuda.synchronize()
            return np.concatenate(outs)

        return run

    return make


def _runners(batch_size):
    return {
        "skscat-cupy": _skscat_runner("cupy", False, batch_size),
        "skscat-cupy-resident": _skscat_runner("cupy", True, batch_size),
        "skscat-numba": _skscat_runner("numba", False, batch_size),
        "skscat-numpy": _skscat_runner("numpy", False, batch_size),
        "kymatio-torch-cuda": _kymatio_torch_runner(batch_size),
    }


def time_runner(make, X, H, W, J, L, repeat: int) -> float:
    """Best wall time of ``repeat`` full runs, after one warm-up on a few images."""
    run = make(X, H, W, J, L)
    warm = make(X[: min(len(X), 8)], H, W, J, L)
    warm()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of each case's images to use (default 1)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per runner")
    parser.add_argument("--only", nargs="+", choices=ALL_RUNNERS, default=list(DEFAULT_RUNNERS),
                        help="runners to time")  # fmt: skip
    parser.add_argument("--batch-size", default="auto",
                        help='images per batch ("auto": skscat\'s 256 MiB budget)')  # fmt: skip
    args = parser.parse_args(argv)
    batch_size = args.batch_size if args.batch_size == "auto" else int(args.batch_size)
    runners = _runners(batch_size)

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    try:
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        print(f"cupy {cupy.__version__}, GPU {props['name'].decode()}")
    except Exception as exc:  # no CuPy or no device: the runners say so
        print(f"no GPU through CuPy ({type(exc).__name__})")
    rng = np.random.default_rng(0)
    for label, n, H, W, J, L in CASES:
        n = max(1, round(n * args.scale))
        X = rng.standard_normal((n, H * W)).astype(np.float32)
        print(f"\n{label} (J={J}, L={L}), {n} images, float32")
        for name in args.only:
            try:
                seconds = time_runner(runners[name], X, H, W, J, L, args.repeat)
            except Unavailable as exc:
                print(f"  {name:<22} unavailable: {exc}")
                continue
            print(f"  {name:<22} {n / seconds:>12,.0f} images/s  ({seconds:.3f} s)")


if __name__ == "__main__":
    main()
