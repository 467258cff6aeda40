"""make_time_series_classifier against MiniRocket on the UCR data sets aeon ships.

Every UCR classification data set in aeon's package data folder is used, with
its standard train/test split (nothing is downloaded): ArrowHead, GunPoint,
ItalyPowerDemand, ACSF1, OSULeaf, UnitTest (a 2-class subset of Chinatown),
PickupGestureWiimoteZ (its equal-length version ``_eq``), and the
multivariate BasicMotions and JapaneseVowels (``_eq``) with their channels
concatenated end to end into one univariate series (the same input for both
methods).

Methods, each fitted on the training split and scored on the test split:

- skscat: ``make_time_series_classifier(random_state=0)``;
- MiniRocket: ``aeon``'s ``MiniRocket(random_state=0)``, ``StandardScaler``,
  ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))``, as aeon's
  documentation uses it.

Time is fit + predict (wall clock), the median of ``--repeat`` runs after a
warm-up of both methods (numba compilation excluded), the two methods timed
alternately in one process. The design of the skscat classifier was tuned on
ArrowHead, GunPoint, ItalyPowerDemand and ACSF1 only; the others are held
out (marked ``*``).

Run: ``python benchmarks/bench_time_series.py [--repeat R] [--datasets A,B]``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skscat import make_time_series_classifier

TUNED = ("ArrowHead", "GunPoint", "ItalyPowerDemand", "ACSF1")
HELD_OUT = (
    "OSULeaf",
    "UnitTest",
    "PickupGestureWiimoteZ_eq",
    "BasicMotions",
    "JapaneseVowels_eq",
)


def aeon_data_dir() -> str:
    import aeon

    return os.path.join(os.path.dirname(aeon.__file__), "datasets", "data")


def load(name: str):
    """Train and test splits of a data set aeon ships, as 2-D float arrays.

    Read from the ``.ts`` files in aeon's package folder, never downloaded.
    """
    from aeon.datasets import load_from_ts_file

    folder = name[:-3] if name.endswith("_eq") else name
    out = []
    for split in ("TRAIN", "TEST"):
        path = os.path.join(aeon_data_dir(), folder, f"{name}_{split}.ts")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} is not in the installed aeon package.")
        X, y = load_from_ts_file(path)
        X = np.asarray(X, dtype=float)
        out += [X.reshape(len(X), -1), np.asarray(y)]  # channels end to end
    return out


def minirocket():
    from aeon.transformations.collection.convolution_based import MiniRocket

    return make_pipeline(
        MiniRocket(random_state=0),
        StandardScaler(),
        RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)),
    )


def run(make, X_train, y_train, X_test, y_test, three_d: bool):
    if three_d:  # aeon's collections are (n_cases, n_channels, n_timepoints)
        X_train, X_test = X_train[:, None, :], X_test[:, None, :]
    start = time.perf_counter()
    clf = make().fit(X_train, y_train)
    accuracy = float(np.mean(clf.predict(X_test) == y_test))
    return accuracy, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--datasets", default=",".join(TUNED + HELD_OUT))
    args = parser.parse_args()
    names = [n for n in args.datasets.split(",") if n]

    methods = {
        "skscat": (lambda: make_time_series_classifier(random_state=0), False),
        "MiniRocket": (minirocket, True),
    }
    rng = np.random.default_rng(0)
    Xw, yw = rng.standard_normal((20, 64)), np.arange(20) % 2
    for make, three_d in methods.values():  # warm-up: numba compilation, filter caches
        run(make, Xw, yw, Xw, yw, three_d)

    header = f"{'data set':<26s} {'n_train':>7s} {'n_test':>6s} {'length':>6s} {'classes':>7s}"
    for m in methods:
        header += f" {m + ' acc':>15s} {m + ' s':>13s}"
    print(header + f" {'time ratio':>10s}")
    rows = []
    for name in names:
        X_train, y_train, X_test, y_test = load(name)
        acc, times = {}, {m: [] for m in methods}
        for _ in range(args.repeat):
            for m, (make, three_d) in methods.items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    acc[m], t = run(make, X_train, y_train, X_test, y_test, three_d)
                times[m].append(t)
        med = {m: float(np.median(times[m])) for m in methods}
        rows.append((name, acc, med))
        mark = "" if name in TUNED else "*"
        line = (
            f"{name + mark:<26s} {len(X_train):7d} {len(X_test):6d} {X_train.shape[1]:6d} "
            f"{len(np.unique(y_train)):7d}"
        )
        for m in methods:
            line += f" {acc[m]:15.3f} {med[m]:13.2f}"
        print(line + f" {med['skscat'] / med['MiniRocket']:10.2f}", flush=True)

    def summary(label, subset):
        if not subset:
            return
        line = f"{label:<26s} {'':7s} {'':6s} {'':6s} {'':7s}"
        for m in methods:
            line += f" {np.mean([r[1][m] for r in subset]):15.3f}"
            line += f" {np.sum([r[2][m] for r in subset]):13.2f}"
        total = {m: np.sum([r[2][m] for r in subset]) for m in methods}
        print(line + f" {total['skscat'] / total['MiniRocket']:10.2f}")

    print("-" * len(header))
    summary("mean acc / total s", rows)
    summary("  tuned on", [r for r in rows if r[0] in TUNED])
    summary("  held out (*)", [r for r in rows if r[0] not in TUNED])
    wins = sum(r[1]["skscat"] > r[1]["MiniRocket"] for r in rows)
    ties = sum(r[1]["skscat"] == r[1]["MiniRocket"] for r in rows)
    print(f"skscat ahead on {wins}, tied on {ties} of {len(rows)} data sets")


if __name__ == "__main__":
    main()
