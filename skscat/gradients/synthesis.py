"""Synthesis from statistics: texture synthesis and reconstruction by L-BFGS.

A microcanonical model (as for phase-harmonic covariance models of textures,
Zhang & Mallat, 2021) draws a field
``x`` with the statistics ``Phi(target)`` by descending
``||Phi(x) - Phi(target)||^2`` from white noise. The gradient is the transform's
own vector-Jacobian product (:func:`skscat.gradients.vjp`), so numpy and scipy
suffice.
"""

from __future__ import annotations

import sys
from numbers import Integral

import numpy as np
import scipy.optimize
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._vjp import _evaluate, _features, _handler


def _as_real_array(a, name: str) -> np.ndarray:
    if hasattr(a, "toarray") or hasattr(a, "tocsr"):
        raise TypeError(f"{name} must be a dense array, not a sparse matrix; use .toarray().")
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must be a real numeric array, got dtype {a.dtype}"
            + ("; pass its real part." if a.dtype.kind == "c" else ".")
        )
    if a.size == 0:
        raise ValueError(f"{name} is empty.")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    return a


def synthesize(
    estimator,
    target,
    *,
    n_iter=200,
    random_state=None,
    init=None,
    callback=None,
    verbose=False,
):
    """Synthesise a signal or image whose features ``Phi`` match a target's.

    Starting from white noise with the target's mean and variance (or from
    ``init``), runs ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` on
    the loss ``||Phi(x) - Phi(target)||^2``, with ``Phi`` the fitted
    estimator's ``transform`` and its gradient from the transform's own
    vector-Jacobian product (:func:`skscat.gradients.vjp`): no deep-learning
    framework. With :class:`~skscat.PhaseHarmonics2D` this is texture
    synthesis (a draw of the microcanonical model of the target's statistics);
    with :class:`~skscat.Scattering2D` it is reconstruction from scattering
    coefficients (up to what they are invariant to); with ``Scattering1D``,
    the same for signals.

    The loss is minimised in the normalised form
    ``||Phi(x) - Phi(target)||^2 / ||Phi(target)||^2`` over
    ``(x - mean) / std`` of the target, which leaves the minimiser unchanged
    and makes the stopping tolerances independent of the data's scale.

    Parameters
    ----------
    estimator : fitted transformer
        A skscat transformer with gradients (see
        :func:`skscat.gradients.supports_gradients`), fitted on data of the
        target's size. Its features are computed in float64.
    target : array-like
        One or several signals/images: an array whose size is a multiple of
        ``estimator.n_features_in_`` (a flattened row, an ``(H, W)`` image,
        or ``(n, n_features)`` rows, each synthesised independently).
    n_iter : int, default=200
        Maximum number of L-BFGS iterations.
    random_state : int, RandomState instance or None, default=None
        Seed of the initial white noise.
    init : array-like or None, default=None
        Starting point, of the target's shape; white noise when None.
    callback : callable or None, default=None
        Called after every iteration as ``callback(x, loss)``, with the
        current synthesis (target's shape) and its normalised loss. Returning
        True stops the optimisation.
    verbose : bool or int, default=False
        Print the loss as the optimisation goes (every iteration if
        ``verbose >= 2``, ten times in all otherwise).

    Returns
    -------
    x : ndarray of the target's shape
        The synthesis (float64, or the target's floating dtype).

    Raises
    ------
    TypeError
        For an estimator without gradients, or a sparse target.
    ValueError
        For a target or ``init`` that is empty, complex, non-finite or of the
        wrong size, or an invalid ``n_iter``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import Scattering2D
    >>> from skscat.gradients import synthesize
    >>> target = np.random.default_rng(0).standard_normal((16, 16))
    >>> est = Scattering2D(J=2, L=4, shape=(16, 16)).fit(target.reshape(1, -1))
    >>> x = synthesize(est, target, n_iter=5, random_state=0)
    >>> x.shape
    (16, 16)
    """
    _handler(estimator)  # a clear TypeError before any work
    check_is_fitted(estimator)
    if isinstance(n_iter, bool) or not isinstance(n_iter, Integral) or n_iter < 1:
        raise ValueError(f"n_iter must be a positive integer, got {n_iter!r}.")
    target = _as_real_array(target, "target")
    n_in = int(estimator.n_features_in_)
    if target.size % n_in:
        raise ValueError(
            f"target has {target.size} values, which is not a multiple of the "
            f"{n_in} features per row that {type(estimator).__name__} was fitted on; "
            "pass one signal/image of that size (or several stacked)."
        )
    T = target.reshape(-1, n_in).astype(np.float64)
    mean = T.mean(axis=1, keepdims=True)
    std = T.std(axis=1, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    if init is None:
        rng = check_random_state(random_state)
        X0 = mean + std * rng.standard_normal(T.shape)
    else:
        init = _as_real_array(init, "init")
        if init.shape != target.shape:
            raise ValueError(
                f"init has shape {init.shape} but target has shape {target.shape}; they must match."
            )
        X0 = init.reshape(T.shape).astype(np.float64)

    phi_target = _features(estimator, T)
    scale = float(np.sum(phi_target**2)) or 1.0
    state = {"loss": {}, "iter": 0}

    def to_x(y):
        return mean + std * y.reshape(T.shape)

    def fun(y):
        losses = []

        def cotangent(values, rows):
            residual = values - phi_target[rows]
            losses.append(float(np.sum(residual**2)))
            return (2.0 / scale) * residual

        _, grad = _evaluate(estimator, to_x(y), cotangent)
        loss = sum(losses) / scale
        state["loss"] = {y.tobytes(): loss}
        return loss, (std * grad).ravel()

    report_every = 1 if int(verbose) >= 2 else max(1, n_iter // 10)

    def on_iteration(yk):
        state["iter"] += 1
        loss = state["loss"].get(yk.tobytes())
        if loss is None:
            loss = fun(yk)[0]
        if verbose and (state["iter"] % report_every == 0 or state["iter"] == 1):
            print(f"synthesize: iteration {state['iter']}, loss {loss:.3e}", file=sys.stderr)
        if callback is not None and callback(to_x(yk).reshape(target.shape), loss) is True:
            raise StopIteration

    y0 = ((X0 - mean) / std).ravel()
    result = scipy.optimize.minimize(
        fun,
        y0,
        jac=True,
        method="L-BFGS-B",
        callback=on_iteration,
        options={
            "maxiter": int(n_iter),
            "maxfun": 4 * int(n_iter) + 20,
            "ftol": 1e-15,
            "gtol": 1e-12,
        },
    )
    if verbose:
        print(
            f"synthesize: stopped after {result.nit} iterations, loss {result.fun:.3e} "
            f"({result.message})",
            file=sys.stderr,
        )
    out_dtype = target.dtype if target.dtype.kind == "f" else np.float64
    return to_x(result.x).reshape(target.shape).astype(out_dtype, copy=False)
