"""Log-scattering and second-order normalisation, as audio users apply them.

Two transforms are customary on top of a 1-D scattering (Andén & Mallat, "Deep
scattering spectrum", 2014; Kymatio's examples):

- *renormalisation*: a second-order coefficient ``S2(n1, n2, t)`` divided by
  its parent first-order coefficient ``S1(n1, t)`` (plus ``eps``). The ratio
  measures the amplitude modulation of band ``n1`` at scale ``n2``,
  independently of the band's energy;
- a *logarithm*: ``log1p(S / eps)`` or ``log(S + eps)``, which turns the
  multiplicative (loudness, gain) structure of the coefficients into an
  additive one that linear classifiers handle well.

:class:`ScatteringNormalizer` wraps a scattering estimator so that the two
steps live inside one scikit-learn step with access to the path metadata; its
parameters, including the wrapped estimator's (``scattering__J``), can be
grid-searched.
"""

from __future__ import annotations

import sys
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import _is_dask_array, _is_device_array


def normalize_scattering(
    S, path_meta: dict, n_times: int, *, renormalize=True, log="log1p", eps=1e-6
):
    """Renormalise and/or take the log of flattened scattering coefficients.

    Parameters
    ----------
    S : ndarray of shape (n_samples, n_paths * n_times)
        Output of a fitted :class:`~skscat.Scattering1D` (paths then time).
    path_meta : dict of ndarray
        The estimator's ``path_meta_`` (``order`` and ``n1`` are used).
    n_times : int
        Time samples per path (``n_times_``).
    renormalize : bool, default=True
        Divide each second-order coefficient by ``S1(n1, t) + eps``, its
        parent's first-order coefficient at the same time.
    log : {"log1p", "log", None}, default="log1p"
        ``"log1p"``: ``log1p(S / eps)``, zero at zero and close to
        ``log(S / eps)`` for ``S >> eps``; ``"log"``: ``log(S + eps)``; None:
        no logarithm. Applied to orders >= 1 only (non-negative); order 0, a
        signed local mean, passes through.
    eps : float, default=1e-6
        Floor of the ratio's denominator and scale of the logarithm.

    Returns
    -------
    S_new : ndarray of the same shape and dtype (a new array).
    """
    xp = sys.modules["cupy"] if _is_device_array(S) else np  # CuPy output stays on the GPU
    order = np.asarray(path_meta["order"])
    n1 = np.asarray(path_meta["n1"])
    n = S.shape[0]
    out = xp.array(S, copy=True).reshape(n, len(order), n_times)
    if renormalize:
        second = np.flatnonzero(order == 2)
        if second.size:
            first = np.flatnonzero(order == 1)
            parent = first[n1[second].astype(np.intp)]  # n1 indexes order-1 paths
            second, parent = xp.asarray(second), xp.asarray(parent)
            out[:, second] = out[:, second] / (out[:, parent] + eps)
    if log is not None:
        positive = xp.asarray(np.flatnonzero(order >= 1))
        block = xp.maximum(out[:, positive], 0)  # rounding can leave -1e-17
        if log == "log1p":
            out[:, positive] = xp.log1p(block / eps)
        else:
            out[:, positive] = xp.log(block + eps)
    return out.reshape(n, -1)


class ScatteringNormalizer(TransformerMixin, BaseEstimator):
    """A scattering transform followed by renormalisation and a logarithm.

    ``ScatteringNormalizer(Scattering1D(J=6, Q=8))`` fits a clone of the
    scattering estimator, and transforms ``X`` to
    ``normalize_scattering(scattering.transform(X), ...)``: second order
    divided by first order, then ``log1p(S / eps)`` (see
    :func:`normalize_scattering`).

    Parameters
    ----------
    scattering : estimator or None, default=None
        An (unfitted) 1-D scattering estimator exposing ``path_meta_`` and
        ``n_times_`` once fitted, e.g. :class:`~skscat.Scattering1D`; ``None``
        means ``Scattering1D()``. The renormalisation divides second-order
        coefficients by their first-order parent along time, which only a 1-D
        scattering has: another estimator is refused at ``fit``.
    renormalize : bool, default=True
        Divide second-order coefficients by their parent first-order ones.
    log : {"log1p", "log"} or None, default="log1p"
        Logarithm applied to orders >= 1.
    eps : float, default=1e-6
        Floor of the ratio and scale of the logarithm: coefficients well
        below ``eps`` count as silence.

    Attributes
    ----------
    scattering_ : estimator
        The fitted clone of ``scattering``.
    n_features_in_ : int
        Number of input features.
    n_features_out_ : int
        Number of output features (that of ``scattering_``).

    Examples
    --------
    >>> import numpy as np
    >>> from skscat.scattering import Scattering1D, ScatteringNormalizer
    >>> X = np.random.default_rng(0).standard_normal((3, 256))
    >>> norm = ScatteringNormalizer(Scattering1D(J=4, Q=4)).fit(X)
    >>> norm.transform(X).shape == norm.scattering_.transform(X).shape
    True
    """

    _parameter_constraints: dict = {
        "scattering": [HasMethods(["fit", "transform"]), None],
        "renormalize": ["boolean"],
        "log": [StrOptions({"log1p", "log"}), None],
        "eps": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, scattering=None, renormalize=True, log="log1p", eps=1e-6):
        self.scattering = scattering
        self.renormalize = renormalize
        self.log = log
        self.eps = eps

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = False
        return tags

    def fit(self, X, y=None):
        """Fit a clone of ``scattering`` on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_params()
        if self.scattering is None:
            from .scattering1d import Scattering1D

            scattering = Scattering1D()
        else:
            scattering = clone(self.scattering)
        self.scattering_ = scattering.fit(X, y)
        if not all(hasattr(self.scattering_, a) for a in ("path_meta_", "n_times_")):
            name = type(self.scattering_).__name__
            del self.scattering_
            raise TypeError(
                f"ScatteringNormalizer normalises a 1-D scattering (second order divided by "
                f"its first-order parent along time), but {name} has no path_meta_/n_times_. "
                "Pass a Scattering1D, or use the 2-D scattering's output directly (e.g. with "
                "a FunctionTransformer(np.log1p) after it)."
            )
        self.n_features_in_ = self.scattering_.n_features_in_
        if hasattr(self.scattering_, "feature_names_in_"):
            self.feature_names_in_ = self.scattering_.feature_names_in_
        self.n_features_out_ = self.scattering_.n_features_out_
        return self

    def transform(self, X):
        """Scattering coefficients of ``X``, renormalised and log-compressed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out_)
            On the same device as ``scattering_``'s output; a dask array
            gives a lazy dask array.
        """
        check_is_fitted(self)
        S = self.scattering_.transform(X)
        kwargs = dict(
            path_meta=self.scattering_.path_meta_,
            n_times=self.scattering_.n_times_,
            renormalize=self.renormalize,
            log=self.log,
            eps=self.eps,
        )
        if _is_dask_array(S):  # stays lazy: every row block is normalised on its own
            return S.map_blocks(normalize_scattering, dtype=S.dtype, **kwargs)
        return normalize_scattering(S, **kwargs)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: those of the wrapped scattering."""
        check_is_fitted(self)
        return self.scattering_.get_feature_names_out(input_features)
