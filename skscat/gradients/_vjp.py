"""``vjp`` and ``value_and_grad``: gradients of skscat transforms without autograd."""

from __future__ import annotations

import importlib

import numpy as np
from sklearn.utils.validation import check_is_fitted

# Estimator class (module, name) -> module implementing ``forward``/``backward``.
# Looked up lazily so that a transform missing from this build is simply absent.
_HANDLERS = {
    ("skscat.scattering.scattering2d", "Scattering2D"): "skscat.gradients._scattering2d",
    ("skscat.scattering.scattering1d", "Scattering1D"): "skscat.gradients._scattering1d",
    ("skscat.scattering.time_frequency", "TimeFrequencyScattering"): "skscat.gradients._jtfs",
    ("skscat.scattering.roto_translation2d", "RotoTranslationScattering2D"): (
        "skscat.gradients._roto_translation2d"
    ),
    ("skscat.phase_harmonics.phase_harmonics2d", "PhaseHarmonics2D"): (
        "skscat.gradients._phase_harmonics"
    ),
    ("skscat.phase_harmonics.phase_harmonics1d", "PhaseHarmonics1D"): (
        "skscat.gradients._phase_harmonics"
    ),
}


def _handler(estimator):
    """The VJP module for ``estimator``'s type, or a clear TypeError."""
    for (module_name, class_name), handler in _HANDLERS.items():
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        if isinstance(estimator, cls):
            return importlib.import_module(handler)
    supported = ", ".join(name for _, name in _HANDLERS)
    raise TypeError(
        f"No vector-Jacobian product for {type(estimator).__name__}; gradients and "
        f"synthesis support: {supported}."
    )


def supports_gradients(estimator) -> bool:
    """Whether :func:`vjp` (and so :func:`synthesize`) works for ``estimator``'s type."""
    try:
        _handler(estimator)
    except TypeError:
        return False
    return True


def _validate_cotangent(cotangent, n_samples: int, n_out: int, dtype):
    if hasattr(cotangent, "toarray") or hasattr(cotangent, "tocsr"):
        raise TypeError("cotangent must be a dense array, not a sparse matrix.")
    cot = np.asarray(cotangent) if not hasattr(cotangent, "__cuda_array_interface__") else cotangent
    if cot.dtype.kind not in "biuf":
        raise ValueError(
            f"cotangent must be a real numeric array, got dtype {cot.dtype}; "
            "pass the real part of a complex cotangent."
        )
    if cot.shape != (n_samples, n_out):
        raise ValueError(
            f"cotangent has shape {cot.shape}, expected (n_samples, n_features_out_) = "
            f"{(n_samples, n_out)}: one value per output feature of each row of X."
        )
    if not bool(np.isfinite(cot).all()):
        raise ValueError("cotangent contains NaN or infinity.")
    return cot.astype(dtype, copy=False)


def _evaluate(estimator, X, cotangent, *, need_grad=True):
    """Validated forward (and backward) pass, over the estimator's batches of rows."""
    handler = _handler(estimator)
    check_is_fitted(estimator)
    X = estimator._validate_X(X, reset=False)
    cot = None
    if need_grad and not callable(cotangent):
        cot = _validate_cotangent(cotangent, X.shape[0], estimator.n_features_out_, X.dtype)

    def step(backend, Xb, rows):
        out, tape = handler.forward(estimator, Xb, backend)
        out = out.reshape(Xb.shape[0], -1)
        if not need_grad:
            return (out,)
        if cot is None:  # internal use (synthesis): the cotangent may depend on the values
            on_device = backend.xp is not np and isinstance(X, backend.xp.ndarray)
            Gb = cotangent(out if on_device else backend.to_numpy(out), rows)
        else:
            Gb = cot[rows]
        Gb = backend.asarray(Gb, dtype=X.dtype)
        return out, handler.backward(estimator, Xb, tape, Gb, backend)

    per_sample = handler.tape_bytes_per_sample(estimator)
    # a cotangent function (synthesis) accumulates its loss batch by batch, in row order
    outs = estimator._map_batches(
        X, step, per_sample=per_sample, when="the gradient", split_rows=not callable(cotangent)
    )
    return outs[0], (outs[1] if need_grad else None)


def value_and_grad(estimator, X, cotangent):
    """Features ``Phi(X)`` and the gradient of ``<Phi(X), cotangent>`` with respect to ``X``.

    The gradient is computed by the transform's own vector-Jacobian product:
    the forward pass is the estimator's cascade (the returned values equal
    ``estimator.transform(X)``) and the backward pass applies the adjoints of
    its FFTs, filter products, periodisations, paddings and point-wise
    non-linearities (see :mod:`skscat.gradients._adjoint_ops`). No
    deep-learning framework is involved. Non-smooth points (the modulus or a
    phase power at zero, a rectifier at zero) get a finite subgradient.

    Parameters
    ----------
    estimator : fitted transformer
        :class:`~skscat.Scattering2D` (any ``nonlinearity``),
        :class:`~skscat.scattering.Scattering1D`,
        :class:`~skscat.phase_harmonics.PhaseHarmonics2D` or
        :class:`~skscat.phase_harmonics.PhaseHarmonics1D` (see
        :func:`supports_gradients`), on any CPU backend.
    X : array-like of shape (n_samples, n_features)
        Input rows, as for ``transform``. float32 input gives float32 results.
    cotangent : array-like of shape (n_samples, n_features_out_)
        The vector ``v`` of the product ``v^T J_Phi(X)``, row by row.

    Returns
    -------
    values : ndarray of shape (n_samples, n_features_out_)
        ``Phi(X)``.
    grad : ndarray of shape (n_samples, n_features)
        Row ``i`` is the gradient of ``<Phi(X_i), cotangent_i>`` with respect to ``X_i``.

    Raises
    ------
    TypeError
        For an estimator whose gradients are not implemented.
    ValueError
        For invalid ``X`` or a cotangent of the wrong shape or with NaN/inf.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import Scattering2D
    >>> from skscat.gradients import value_and_grad
    >>> X = np.random.default_rng(0).standard_normal((1, 16 * 16))
    >>> est = Scattering2D(J=2, L=4, shape=(16, 16)).fit(X)
    >>> S, g = value_and_grad(est, X, np.ones((1, est.n_features_out_)))
    >>> S.shape, g.shape
    ((1, 1296), (1, 256))
    """
    return _evaluate(estimator, X, cotangent)


def vjp(estimator, X, cotangent):
    """Vector-Jacobian product: the gradient of ``<Phi(X), cotangent>`` with respect to ``X``.

    Same as ``value_and_grad(estimator, X, cotangent)[1]``; see
    :func:`value_and_grad` for the parameters.

    Returns
    -------
    grad : ndarray of shape (n_samples, n_features)
    """
    return _evaluate(estimator, X, cotangent)[1]


def _features(estimator, X):
    """``Phi(X)`` through the same forward pass as the gradients."""
    return _evaluate(estimator, X, None, need_grad=False)[0]
