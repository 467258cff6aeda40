"""
==========================================================
Time-series classification in one call, against MiniRocket
==========================================================

:func:`~skscat.time_series.make_time_series_classifier` returns a ready
classifier of univariate time series: scattering features of each
z-normalised series and of its first difference (local, global and
band-quantile families), and a ridge classifier whose feature families and
penalty are chosen by leave-one-out cross-validation on the training set.

We score it on a generated data set (chirps rising, falling, and tones, each
with a random delay) and, when `aeon <https://www.aeon-toolkit.org>`_ is
installed, on three small UCR data sets aeon ships in its package (nothing is
downloaded) against MiniRocket, aeon's fast convolutional classifier, fitted
the way aeon's documentation does. The table gives the test accuracy, the
fit + predict time, and the families each fit kept.
"""

# %%
# The data sets
# -------------
import importlib.util
import os
import time

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skscat import make_time_series_classifier


def chirps_and_tones(n, rng, N=256):
    """Class 0: rising chirp, 1: falling chirp, 2: tone; random delay and pitch."""
    y = np.arange(n) % 3
    t = np.arange(N)[None, :] - N / 2 - rng.uniform(-40, 40, (n, 1))
    f0 = rng.uniform(0.08, 0.12, (n, 1))
    sweep = np.select([y[:, None] == 0, y[:, None] == 1], [1.0, -1.0], 0.0)
    phase = 2 * np.pi * (f0 * t + sweep * 0.08 * t**2 / (2 * N))
    X = np.exp(-0.5 * (t / 60) ** 2) * np.cos(phase + rng.uniform(0, 6, (n, 1)))
    return X + 0.05 * rng.standard_normal(X.shape), y


rng = np.random.default_rng(0)
X, y = chirps_and_tones(300, rng)
datasets = {"chirps vs tones": (X[:100], y[:100], X[100:], y[100:])}

HAVE_AEON = importlib.util.find_spec("aeon") is not None
if HAVE_AEON:
    import aeon
    from aeon.datasets import load_from_ts_file

    folder = os.path.join(os.path.dirname(aeon.__file__), "datasets", "data")
    for name in ("GunPoint", "ItalyPowerDemand", "ArrowHead"):
        splits = []
        for split in ("TRAIN", "TEST"):
            Xs, ys = load_from_ts_file(os.path.join(folder, name, f"{name}_{split}.ts"))
            splits += [np.asarray(Xs, dtype=float)[:, 0, :], np.asarray(ys)]
        datasets[name] = tuple(splits)
else:
    print("aeon is not installed: only the generated data set, without MiniRocket.")

# %%
# Fit, predict, time
# ------------------
# Each method is fitted on the training split and scored on the test split.
# MiniRocket's first call compiles its numba kernels: a warm-up call on a
# tiny problem keeps that out of the timings (likewise for skscat's kernels).


def minirocket():
    from aeon.transformations.collection.convolution_based import MiniRocket

    return make_pipeline(
        MiniRocket(random_state=0), StandardScaler(), RidgeClassifierCV(np.logspace(-3, 3, 10))
    )


def fit_score(make, data, three_d=False):
    X_train, y_train, X_test, y_test = data
    if three_d:  # aeon's collections are (n_cases, n_channels, n_timepoints)
        X_train, X_test = X_train[:, None, :], X_test[:, None, :]
    start = time.perf_counter()
    clf = make().fit(X_train, y_train)
    accuracy = np.mean(clf.predict(X_test) == y_test)
    return clf, accuracy, time.perf_counter() - start


warm = (X[:12], y[:12], X[:12], y[:12])
fit_score(lambda: make_time_series_classifier(random_state=0), warm)
if HAVE_AEON:
    fit_score(minirocket, warm, three_d=True)

print(f"{'data set':<18s} {'length':>6s} {'skscat':>7s} {'time':>6s}", end="")
print(f" {'MiniRocket':>10s} {'time':>6s}" if HAVE_AEON else "", end="")
print("  families kept")
for name, data in datasets.items():
    clf, acc, seconds = fit_score(lambda: make_time_series_classifier(random_state=0), data)
    line = f"{name:<18s} {data[0].shape[1]:6d} {acc:7.3f} {seconds:5.2f}s"
    if HAVE_AEON:
        _, acc_mr, seconds_mr = fit_score(minirocket, data, three_d=True)
        line += f" {acc_mr:10.3f} {seconds_mr:5.2f}s"
    print(line + "  " + ", ".join(clf.families_))

# %%
# What the classifier chose
# -------------------------
# On the last data set: the leave-one-out score of each candidate subset of
# feature families (negative mean squared error of the ridge regression on
# the class indicators; higher is better), the penalty, and the feature
# blocks.
for subset, score in sorted(clf.cv_scores_.items(), key=lambda item: -item[1]):
    print(f"{score:8.4f}  {' + '.join(subset)}")
print(f"penalty alpha = {clf.alpha_:.3g}")
for name, family, transformer in clf.features_.blocks_:
    inner = getattr(transformer, "scattering_", transformer)
    scales = f"J={inner.J}, Q={inner.Q}" if hasattr(inner, "J") else ""  # "level" has none
    print(f"  {name:<4s} {family:<9s} {type(inner).__name__}({scales})")
