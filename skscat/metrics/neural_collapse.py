"""Neural-collapse diagnostics of a feature representation (Papyan, Han & Donoho 2020)."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length, column_or_1d

from .._validation import refuse_strings


def neural_collapse(X, y, W=None, b=None):
    """Neural-collapse metrics of features ``X`` with labels ``y``.

    They measure, stage after stage of a pipeline, how much the features
    contract within classes and how regularly they separate the classes:
    all are 0 at perfect collapse onto a simplex equiangular tight frame
    (ETF) of class means, with a linear classifier aligned to it.

    With ``mu_c`` the mean of class ``c``, ``mu_G`` the global mean (over all
    samples), ``C`` the number of classes, ``N`` the number of samples and
    ``M`` the ``C x p`` matrix of centred class means ``mu_c - mu_G`` (rows in
    the order of ``np.unique(y)``, the order of a scikit-learn classifier's
    ``classes_``):

    - ``nc1 = Tr(Sigma_W Sigma_B^+) / C``, with the within-class covariance
      ``Sigma_W = 1/N sum_i (x_i - mu_{y_i})(x_i - mu_{y_i})^T`` (averaged
      over all samples) and the between-class covariance
      ``Sigma_B = 1/C sum_c (mu_c - mu_G)(mu_c - mu_G)^T``; ``^+`` is the
      Moore-Penrose pseudo-inverse. Within-class variability relative to the
      separation of the means.
    - ``nc2_equinorm``: population standard deviation over mean of the norms
      ``||mu_c - mu_G||``.
    - ``nc2_equiangular``: population standard deviation of the cosines
      between distinct centred class means.
    - ``nc2_maxangle``: mean over ``c != c'`` of ``|cos(mu_c - mu_G,
      mu_c' - mu_G) + 1/(C - 1)|``, the distance to the simplex ETF's angle.
    - ``nc3 = || W / ||W||_F - M / ||M||_F ||_F^2`` (only when ``W`` is
      given): self-duality of the classifier and the class means.
    - ``nc4`` (only when ``W`` is given): fraction of samples where the
      linear classifier's decision ``argmax_c (W x + b)_c`` differs from the
      nearest class mean's ``argmin_c ||x - mu_c||``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features, one sample per row (finite, real).
    y : array-like of shape (n_samples,)
        Class labels; at least two classes.
    W : array-like of shape (n_classes, n_features), default=None
        Weights of a linear classifier (e.g. ``LinearSVC().coef_``), rows in
        the order of ``np.unique(y)``. For two classes a single row ``w``
        (scikit-learn's binary ``coef_``, deciding for the second class when
        ``w x + b > 0``) is taken as the rows ``(-w / 2, w / 2)``.
    b : array-like of shape (n_classes,) or (1,), default=None
        Intercepts of the classifier (``intercept_``); zeros if omitted.
        Only used with ``W``.

    Returns
    -------
    metrics : dict of str to float
        Keys ``"nc1"``, ``"nc2_equinorm"``, ``"nc2_equiangular"``,
        ``"nc2_maxangle"``, and ``"nc3"``, ``"nc4"`` when ``W`` is given.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D and finite, ``y`` has the wrong length or fewer
        than two classes, a class mean coincides with the global mean (its
        angle is undefined), or ``W``/``b`` have the wrong shape.

    References
    ----------
    V. Papyan, X. Y. Han, D. L. Donoho, "Prevalence of neural collapse during
    the terminal phase of deep learning training", PNAS 117 (40), 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat.metrics import neural_collapse
    >>> M = np.eye(3) - 1 / 3  # simplex ETF of 3 classes in R^3
    >>> X, y = np.repeat(M, 5, axis=0), np.repeat([0, 1, 2], 5)
    >>> nc = neural_collapse(X, y, W=M, b=np.zeros(3))
    >>> bool(max(abs(v) for v in nc.values()) < 1e-12)
    True
    """
    refuse_strings(X, "X", "neural_collapse")
    X = check_array(X, dtype=np.float64, ensure_2d=True, ensure_all_finite=True, input_name="X")
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    classes, y_idx = np.unique(y, return_inverse=True)
    C = classes.size
    if C < 2:
        raise ValueError(
            f"neural_collapse needs at least two classes; y has {C}. Pass labels of "
            "several classes."
        )
    N, p = X.shape
    counts = np.bincount(y_idx, minlength=C).astype(np.float64)
    means = np.zeros((C, p))
    np.add.at(means, y_idx, X)
    means /= counts[:, None]
    mu_G = X.mean(axis=0)
    M = means - mu_G
    norms = np.linalg.norm(M, axis=1)
    scale = max(float(norms.max()), float(np.abs(X).max()), np.finfo(np.float64).tiny)
    if (norms <= 1e-12 * scale).any():
        bad = classes[norms <= 1e-12 * scale].tolist()
        raise ValueError(
            f"neural_collapse: the mean of class(es) {bad} equals the global mean, so "
            "its angle to the other class means is undefined; the classes are not "
            "separated at all by these features."
        )

    # NC1: Tr(Sigma_W Sigma_B^+) / C. With Sigma_B = M^T M / C, Sigma_B^+ =
    # C M^+ M^+T, so Tr(Sigma_W Sigma_B^+) / C = ||H M^+||_F^2 / N with H the
    # within-class centred features: no p x p matrix is formed.
    H = X - means[y_idx]
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    keep = s > max(C, p) * np.finfo(np.float64).eps * s[0]
    M_pinv = (Vt[keep].T / s[keep]) @ U[:, keep].T  # (p, C)
    nc1 = float(np.sum((H @ M_pinv) ** 2) / N)

    # NC2: equal norms and equal, maximal angles of the centred class means.
    cos = (M @ M.T) / np.outer(norms, norms)
    off = ~np.eye(C, dtype=bool)
    out = {
        "nc1": nc1,
        "nc2_equinorm": float(norms.std() / norms.mean()),
        "nc2_equiangular": float(cos[off].std()),
        "nc2_maxangle": float(np.abs(cos[off] + 1.0 / (C - 1)).mean()),
    }
    if W is None:
        return out

    refuse_strings(W, "W", "neural_collapse")
    W = check_array(W, dtype=np.float64, ensure_2d=False, ensure_all_finite=True, input_name="W")
    if W.ndim == 1:
        W = W[None, :]
    if b is None:
        b = np.zeros(W.shape[0])
    else:
        b = check_array(b, dtype=np.float64, ensure_2d=False, input_name="b")
        b = np.atleast_1d(b).ravel()
    if W.ndim != 2 or W.shape[1] != p:
        raise ValueError(
            f"neural_collapse: W must have shape (n_classes, n_features) = ({C}, {p}); "
            f"got {W.shape}."
        )
    if b.shape != (W.shape[0],):
        raise ValueError(
            f"neural_collapse: b must have shape ({W.shape[0]},) to match W; got {b.shape}."
        )
    if W.shape[0] == 1 and C == 2:
        W = np.vstack([-W[0] / 2, W[0] / 2])
        b = np.array([-b[0] / 2, b[0] / 2])
    if W.shape[0] != C:
        raise ValueError(
            f"neural_collapse: W has {W.shape[0]} rows but y has {C} classes; pass one row "
            "per class, in the order of np.unique(y)."
        )
    W_norm = np.linalg.norm(W)
    if W_norm == 0:
        raise ValueError("neural_collapse: W is all zeros; pass a trained classifier's weights.")
    out["nc3"] = float(np.sum((W / W_norm - M / np.linalg.norm(M)) ** 2))

    decision = np.argmax(X @ W.T + b, axis=1)
    # Nearest class mean: argmin ||x - mu_c||^2 = argmin (||mu_c||^2 - 2 <x, mu_c>).
    ncc = np.argmin(np.sum(means**2, axis=1) - 2 * X @ means.T, axis=1)
    out["nc4"] = float(np.mean(decision != ncc))
    return out
