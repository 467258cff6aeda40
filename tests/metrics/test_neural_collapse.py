"""neural_collapse: zero at exact collapse, the definitions, invariances, bad input."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.neighbors import NearestCentroid
from sklearn.svm import LinearSVC

from skscat.metrics import neural_collapse


def simplex_etf(n_classes, n_features, rng):
    """Class means forming a simplex ETF in ``R^n_features``, randomly rotated."""
    Q, _ = np.linalg.qr(rng.standard_normal((n_features, n_classes)))
    E = np.eye(n_classes) - 1.0 / n_classes  # centred, equal norms, cos = -1/(C-1)
    return 3.0 * E @ Q.T  # (C, p)


def reference_metrics(X, y, W=None, b=None):
    """The definitions written out with dense p x p matrices and np.linalg.pinv."""
    classes = np.unique(y)
    C = len(classes)
    mu_G = X.mean(axis=0)
    means = np.array([X[y == c].mean(axis=0) for c in classes])
    M = means - mu_G
    H = X - means[np.searchsorted(classes, y)]
    Sw = H.T @ H / len(X)
    Sb = M.T @ M / C
    out = {"nc1": np.trace(Sw @ np.linalg.pinv(Sb, rcond=1e-10)) / C}
    norms = np.linalg.norm(M, axis=1)
    out["nc2_equinorm"] = norms.std() / norms.mean()
    cos = [M[i] @ M[j] / (norms[i] * norms[j]) for i in range(C) for j in range(C) if i != j]
    out["nc2_equiangular"] = np.std(cos)
    out["nc2_maxangle"] = np.mean(np.abs(np.array(cos) + 1 / (C - 1)))
    if W is not None:
        out["nc3"] = np.sum((W / np.linalg.norm(W) - M / np.linalg.norm(M)) ** 2)
        dec = np.argmax(X @ W.T + b, axis=1)
        ncc = np.argmin(((X[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
        out["nc4"] = np.mean(dec != ncc)
    return out


@pytest.mark.parametrize("n_classes, n_features", [(2, 2), (3, 5), (10, 10), (10, 64)])
def test_exact_simplex_etf_collapse_gives_zeros(n_classes, n_features):
    rng = np.random.default_rng(n_classes)
    M = simplex_etf(n_classes, n_features, rng)
    offset = rng.standard_normal(n_features)  # the global mean need not be 0
    y = np.repeat(np.arange(n_classes), 7)
    X = M[y] + offset
    nc = neural_collapse(X, y, W=M, b=-M @ offset)
    assert set(nc) == {"nc1", "nc2_equinorm", "nc2_equiangular", "nc2_maxangle", "nc3", "nc4"}
    for key, value in nc.items():
        assert abs(value) < 1e-10, (key, value)


def test_random_labels_are_far_from_collapse(rng):
    X = rng.standard_normal((600, 20))
    y = rng.integers(0, 5, 600)
    clf = LinearSVC().fit(X, y)
    nc = neural_collapse(X, y, W=clf.coef_, b=clf.intercept_)
    assert nc["nc1"] > 10  # within-class spread dwarfs the (chance) separation of the means
    assert nc["nc2_equinorm"] > 0.02
    assert nc["nc2_equiangular"] > 0.05
    assert nc["nc2_maxangle"] > 0.05
    assert nc["nc4"] > 0.1
    # (nc3 may be small here: the only direction a classifier can find in
    # random labels is that of the chance class means.)


def test_noisy_collapse_matches_the_definitions(rng):
    M = simplex_etf(4, 12, rng)
    y = rng.integers(0, 4, 400)
    X = M[y] + 0.5 * rng.standard_normal((400, 12)) + 1.0
    W = M + 0.3 * rng.standard_normal(M.shape)
    b = rng.standard_normal(4)
    nc = neural_collapse(X, y, W=W, b=b)
    ref = reference_metrics(X, y, W, b)
    for key in ref:
        assert_allclose(nc[key], ref[key], rtol=1e-8, atol=1e-12, err_msg=key)
    # NC1 shrinks with the within-class noise
    X_tight = M[y] + 0.05 * rng.standard_normal((400, 12))
    assert neural_collapse(X_tight, y)["nc1"] < nc["nc1"] / 50


def test_nc4_is_disagreement_with_nearest_class_mean(rng):
    X = rng.standard_normal((300, 6)) + np.repeat(rng.standard_normal((3, 6)), 100, axis=0)
    y = np.repeat(np.array(["a", "b", "c"]), 100)
    for labels in (y, np.where(y == "a", "a", "b")):  # multi-class, then binary coef_ (1, p)
        clf = LinearSVC().fit(X, labels)
        nc = neural_collapse(X, labels, W=clf.coef_, b=clf.intercept_)
        ncc = NearestCentroid().fit(X, labels).predict(X)
        assert nc["nc4"] == pytest.approx(np.mean(clf.predict(X) != ncc))


def test_invariances(rng):
    X = rng.standard_normal((200, 8)) + np.repeat(3 * rng.standard_normal((4, 8)), 50, axis=0)
    y = np.repeat(np.arange(4), 50)
    nc = neural_collapse(X, y)
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    moved = neural_collapse(2.5 * X @ Q + 7.0, y)  # rotation, scaling, translation
    for key in nc:
        assert_allclose(moved[key], nc[key], rtol=1e-9)
    assert "nc3" not in nc and "nc4" not in nc


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"X": np.array([[np.nan, 1.0], [1.0, 2.0]]), "y": [0, 1]}, "NaN"),
        ({"X": np.ones((3, 2)), "y": [0, 1]}, "inconsistent"),
        ({"X": np.eye(3), "y": [1, 1, 1]}, "at least two classes"),
        ({"X": np.ones((4, 2)), "y": [0, 0, 1, 1]}, "equals the global mean"),
        ({"X": np.eye(3), "y": [0, 1, 2], "W": np.ones((3, 2))}, "shape"),
        ({"X": np.eye(3), "y": [0, 1, 2], "W": np.ones((2, 3))}, "2 rows but y has 3"),
        ({"X": np.eye(3), "y": [0, 1, 2], "W": np.eye(3), "b": np.ones(2)}, "b must have"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        neural_collapse(**kwargs)
