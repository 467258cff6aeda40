"""A ready time-series classifier on wavelet scattering features.

:func:`make_time_series_classifier` returns an unfitted
:class:`TimeSeriesClassifier`: :class:`TimeSeriesFeatures` (families of
scattering features of each z-normalised series and of its first difference,
in standardised, equally weighted blocks) followed by a ridge classifier
(:class:`~sklearn.linear_model.RidgeClassifier`). The subset of families
and the ridge penalty are chosen on the training data by leave-one-out
cross-validation, which ridge regression gives in closed form.

The feature families are entries of :data:`FEATURE_FAMILIES`, a mapping from a
name to a function ``(n_timestamps, features_estimator) -> list of unfitted
transformers``; every transformer's output is one block of features. A new
family is one more entry, and is used by adding its name to the ``families``
parameter (joint time-frequency scattering, ``"jtfs"``, is registered so).
"""

from __future__ import annotations

import math
from itertools import combinations
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._blas import blas_threads
from ._validation import refuse_strings
from .backends.numpy_backend import _resolve_workers
from .phase_harmonics import PhaseHarmonics1D
from .scattering import Scattering1D, ScatteringNormalizer, TimeFrequencyScattering


def _n_octaves(n_timestamps: int) -> int:
    """``ceil(log2 n)``, at least 1: octaves spanned by a series of ``n`` samples."""
    return max(1, math.ceil(math.log2(max(n_timestamps, 2))))


def local_scales(n_timestamps: int) -> list[int]:
    """Scales ``J`` of the ``"local"`` family for a series of ``n_timestamps`` samples.

    Every other octave from ``J = 2`` (windows of 4 samples) to the largest
    ``J`` whose window ``2**J`` is at most a quarter of the padded length, so
    that each scale keeps at least four positions along the series; ``[1]``
    for series too short for that.
    """
    L = _n_octaves(n_timestamps)
    return list(range(2, L - 1, 2)) or [1]


class BandQuantileFeatures(TransformerMixin, BaseEstimator):
    """Fractions of time each wavelet band's log-modulus exceeds training quantiles.

    With ``U(l, t) = log1p(S1(l, t) / eps)``, ``S1`` the first-order
    scattering of a series (:class:`~skscat.Scattering1D` with ``max_order=1``
    and a short window ``T``, or unaveraged for ``T=0``), ``fit`` records,
    for each band ``l``, the quantiles ``b(l, k)`` of ``U(l, .)`` over the
    training series at the levels ``k / (n_quantiles + 1)``; ``transform``
    returns the proportions of time ``mean_t [U(l, t) > b(l, k)]``. With
    ``include_signal``, the order-0 path (the series' local mean, signed, not
    log-compressed) is one more band. These features are invariant to time
    shifts (up to borders) and describe the distribution of each band's
    energy over time (how often a band is active, not only its mean), the
    scattering counterpart of MiniRocket's "proportion of positive values"
    pooling.

    Parameters
    ----------
    J : int, default=6
        Largest wavelet scale ``2**J`` samples.
    Q : int, default=4
        Wavelets per octave.
    T : int, default=0
        Averaging window of ``S1`` in samples (output sub-sampled by
        ``2**floor(log2 T)``); 0: unaveraged, at full rate.
    include_signal : bool, default=True
        Also threshold the order-0 path.
    n_quantiles : int, default=4
        Thresholds per band.
    eps : float, default=1e-3
        Scale of the logarithm.
    max_values : int, default=100_000
        The quantiles of each band are estimated from at most this many
        training values, drawn at random (with ``random_state``).
    random_state : int, RandomState instance or None, default=None
        Draw of the values the quantiles are estimated from.
    backend, n_jobs
        As in :class:`~skscat.Scattering1D`.

    Attributes
    ----------
    scattering_ : Scattering1D
        The fitted unaveraged first-order scattering.
    bands_ : ndarray of int
        Rows of ``scattering_.path_meta_`` that are thresholded.
    thresholds_ : ndarray of shape (n_quantiles, n_bands)
        The thresholds ``b(l, k)``.
    n_features_in_ : int
        Series length.
    """

    _parameter_constraints: dict = {
        "J": [Interval(Integral, 1, None, closed="left")],
        "Q": [Interval(Integral, 1, None, closed="left")],
        "T": [Interval(Integral, 0, None, closed="left")],
        "include_signal": ["boolean"],
        "n_quantiles": [Interval(Integral, 1, None, closed="left")],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "max_values": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "backend": [StrOptions({"auto", "numpy", "numba", "cupy"})],
        "n_jobs": [None, Integral],
    }

    def __init__(
        self,
        J=6,
        Q=4,
        T=0,
        include_signal=True,
        n_quantiles=4,
        eps=1e-3,
        max_values=100_000,
        random_state=None,
        backend="auto",
        n_jobs=None,
    ):
        self.J = J
        self.Q = Q
        self.T = T
        self.include_signal = include_signal
        self.n_quantiles = n_quantiles
        self.eps = eps
        self.max_values = max_values
        self.random_state = random_state
        self.backend = backend
        self.n_jobs = n_jobs

    def _log_bands(self, X):
        U = self.scattering_.transform(X)
        U = U.reshape(U.shape[0], self.scattering_.n_paths_, self.scattering_.n_times_)
        U = U[:, self.bands_]
        # Moduli are log-compressed; order 0 (the signal or its local mean) is signed.
        U[:, self._is_log] = np.log1p(np.maximum(U[:, self._is_log], 0) / self.eps)
        return U

    def fit(self, X, y=None):
        """Fit the scattering and the per-band thresholds on the training series."""
        self._validate_params()
        self.scattering_ = Scattering1D(
            J=self.J,
            Q=self.Q,
            T=self.T,
            max_order=1,
            average=self.T != 0,
            backend=self.backend,
            n_jobs=self.n_jobs,
        ).fit(X)
        self.n_features_in_ = self.scattering_.n_features_in_
        order = self.scattering_.path_meta_["order"]
        self.bands_ = np.flatnonzero(order >= (0 if self.include_signal else 1))
        self._is_log = order[self.bands_] >= 1
        U = self._log_bands(X)
        values = U.transpose(1, 0, 2).reshape(len(self.bands_), -1)
        if values.shape[1] > self.max_values:
            rng = check_random_state(self.random_state)
            values = values[:, rng.choice(values.shape[1], self.max_values, replace=False)]
        levels = np.arange(1, self.n_quantiles + 1) / (self.n_quantiles + 1)
        self.thresholds_ = np.quantile(values, levels, axis=1)
        return self

    def transform(self, X):
        """Proportions of time above each threshold, shape ``(n, n_quantiles * n_bands)``."""
        check_is_fitted(self)
        U = self._log_bands(X)
        above = U[:, None] > self.thresholds_[None, :, :, None]
        return above.mean(axis=-1).reshape(len(U), -1)


class SeriesLevel(TransformerMixin, BaseEstimator):
    """Level and spread of each series: its mean, standard deviation, minimum and maximum.

    What z-normalisation removes: the ``"level"`` family computes these on
    the series as given, so that a classifier on z-normalised features can
    still use the offset and gain of each series when they tell classes
    apart.

    Attributes
    ----------
    n_features_in_ : int
        Series length.
    """

    def fit(self, X, y=None):
        """Record the series length."""
        X = validate_data(self, X, dtype=np.float64)
        return self

    def transform(self, X):
        """``(mean, std, min, max)`` of each row, shape ``(n_samples, 4)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.stack([X.mean(axis=1), X.std(axis=1), X.min(axis=1), X.max(axis=1)], axis=1)


def _loo_squared_errors(K, Y, alphas):
    """Mean leave-one-out squared error of kernel ridge regression with an intercept.

    ``K`` is the Gram matrix of centred features. As in ``RidgeClassifierCV``,
    the intercept is a constant feature left unpenalised: with
    ``K + 1 1^T = V diag(w) V^T``, ``G = V diag(1 / (w + alpha)) V^T`` but
    with 0 on the eigenvector nearest the constant one, the dual
    coefficients ``c = G Y`` give the leave-one-out residuals ``c_i / G_ii``.
    """
    w, V = np.linalg.eigh(K + 1.0)
    constant = int(np.argmax(np.abs(V.sum(axis=0))))
    VtY = V.T @ Y
    errors = np.empty(len(alphas))
    for k, alpha in enumerate(alphas):
        inv = 1.0 / (np.maximum(w, 0) + alpha)
        inv[constant] = 0.0
        c = V @ (inv[:, None] * VtY)
        g = np.einsum("ij,j,ij->i", V, inv, V)
        errors[k] = np.mean((c / g[:, None]) ** 2)
    return errors


def _local_family(n_timestamps, est):
    # Time-position-preserving features: averaged at 2**J, sub-sampled by 2**J.
    return [
        ScatteringNormalizer(
            Scattering1D(J=J, Q=1, backend=est.backend, n_jobs=est.n_jobs), eps=est.eps
        )
        for J in local_scales(n_timestamps)
    ]


def _global_family(n_timestamps, est):
    # One average over the whole (padded) series: a shift-invariant constant-Q spectrum.
    L = _n_octaves(n_timestamps)
    return [
        ScatteringNormalizer(
            Scattering1D(
                J=max(1, L - 1),
                Q=8,
                T=2**L,
                max_order=1,
                backend=est.backend,
                n_jobs=est.n_jobs,
            ),
            eps=est.eps,
        )
    ]


def _quantile_family(n_timestamps, est):
    return [
        BandQuantileFeatures(
            J=max(1, _n_octaves(n_timestamps) - 2),
            Q=4,
            T=4,
            include_signal=True,
            n_quantiles=est.n_quantiles,
            eps=est.eps,
            random_state=est.random_state,
            backend=est.backend,
            n_jobs=est.n_jobs,
        )
    ]


def _level_family(n_timestamps, est):
    return [SeriesLevel()]


# The level is taken from the series as given, before z-normalisation.
_level_family.inputs = ("raw",)


def _phase_harmonic_family(n_timestamps, est):
    # PhaseHarmonics1D needs 2**J <= n; below 4 samples there is nothing to correlate.
    if n_timestamps < 4:
        return []
    J = max(1, int(math.floor(math.log2(n_timestamps))) - 1)
    return [PhaseHarmonics1D(J=J, backend=est.backend, n_jobs=est.n_jobs)]


def _log1p_scaled(S, eps):
    # Signed: the order-0 low-pass of a series can be negative.
    S = np.asarray(S)
    return np.sign(S) * np.log1p(np.abs(S) / eps)


def _jtfs_family(n_timestamps, est):
    # Joint time-frequency scattering averaged over the series: which way
    # frequency content moves (up and down spins), log-compressed like the
    # Scattering1D families.
    L = _n_octaves(n_timestamps)
    return [
        make_pipeline(
            TimeFrequencyScattering(
                J=max(1, L - 2),
                J_fr=2,
                Q=(4, 1),
                T=2**L,
                backend=est.backend,
                n_jobs=est.n_jobs,
            ),
            FunctionTransformer(_log1p_scaled, kw_args={"eps": est.eps}),
        )
    ]


#: Feature families of :class:`TimeSeriesFeatures`, by name. Each value maps
#: ``(n_timestamps, features_estimator)`` to a list of unfitted transformers
#: of ``(n_samples, n_timestamps)`` arrays, one feature block each. A family
#: is applied to the z-normalised series and to its first difference, or, if
#: the function has an ``inputs`` attribute, to the inputs it names among
#: ``"x"``, ``"diff"`` and ``"raw"`` (the series as given).
FEATURE_FAMILIES = {
    "local": _local_family,
    "global": _global_family,
    "quantiles": _quantile_family,
    "level": _level_family,
    "phase_harmonics": _phase_harmonic_family,
    "jtfs": _jtfs_family,
}

DEFAULT_FAMILIES = ("local", "global", "quantiles", "level")


class TimeSeriesFeatures(TransformerMixin, BaseEstimator):
    """Scattering features of univariate time series, in equally weighted blocks.

    Each series is z-normalised (``normalize=True``: zero mean, unit standard
    deviation, which removes offset and gain); with ``differences=True`` its
    first difference ``x[t + 1] - x[t]`` (slopes, which emphasise fast
    changes) is a second input. Every family in ``families`` turns each input
    into one or more feature blocks (see :data:`FEATURE_FAMILIES`; the scales
    follow from the series length ``n``, with ``L = ceil(log2 n)``):

    - ``"local"``: :class:`~skscat.Scattering1D` with ``Q=1`` and windows
      ``2**J`` for ``J`` in :func:`local_scales` (2, 4, 6, ... up to
      ``L - 2``), orders 0 to 2, kept at every sub-sampled time position: a
      multiscale description of where things happen, stable to shifts and
      warps smaller than the window (one block per ``J``);
    - ``"global"``: first-order :class:`~skscat.Scattering1D` with
      ``J = L - 1``, ``Q = 8`` and one average over the whole series: a
      shift-invariant constant-Q spectrum;
    - ``"quantiles"``: :class:`BandQuantileFeatures` with ``J = L - 2``,
      ``Q = 4``, ``T = 4`` and the order-0 path: how often each band's
      energy, and the series' level, exceed ``n_quantiles`` levels learnt on
      the training data;
    - ``"level"``: :class:`SeriesLevel`, the mean, standard deviation,
      minimum and maximum of each series as given (before z-normalisation,
      and once, not per input): the offset and gain z-normalisation removes;
    - ``"phase_harmonics"`` (not in the default): the normalised
      :class:`~skscat.PhaseHarmonics1D` statistics (cross-frequency phase and
      amplitude coupling);
    - ``"jtfs"`` (not in the default): :class:`~skscat.TimeFrequencyScattering`
      with ``J = L - 2``, ``J_fr = 2``, ``Q = (4, 1)``, averaged over the
      series and compressed by ``sign(S) log1p(|S| / eps)``: the direction in
      which frequency content moves.

    Scattering blocks are renormalised (second order divided by first order)
    and log-compressed, ``log1p(S / eps)``, by
    :class:`~skscat.ScatteringNormalizer`. Each block is then standardised
    (per feature, on the training data) and divided by the square root of its
    number of features, so that every block carries the same total variance
    and a large block cannot drown a small one under a ridge penalty shared
    by all features.

    Parameters
    ----------
    families : tuple of str, default=("local", "global", "quantiles", "level")
        Feature families, names of :data:`FEATURE_FAMILIES`.
    normalize : bool, default=True
        z-normalise each series first.
    differences : bool, default=True
        Add the features of the first difference of each series (series of
        at least 3 samples).
    eps : float, default=1e-3
        Scale of the logarithms (in units of the series' standard deviation
        when ``normalize``).
    n_quantiles : int, default=8
        Thresholds per band of the ``"quantiles"`` family.
    random_state : int, RandomState instance or None, default=None
        Draw of the training values the quantile thresholds are estimated
        from (only used for large training sets).
    backend : {"auto", "numpy", "numba", "cupy"}, default="auto"
        Array backend of the transforms.
    n_jobs : int or None, default=None
        Threads of the transforms.

    Attributes
    ----------
    n_features_in_ : int
        Series length seen at ``fit``.
    blocks_ : list of tuple
        ``(input, family, fitted transformer)`` for every block, ``input``
        being ``"x"`` or ``"diff"``.
    block_slices_ : list of slice
        Columns of each block in the output.
    n_features_out_ : int
        Total number of features.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import TimeSeriesFeatures
    >>> X = np.random.default_rng(0).standard_normal((6, 100))
    >>> features = TimeSeriesFeatures(random_state=0).fit(X)
    >>> [(name, family) for name, family, _ in features.blocks_][:4]
    [('x', 'local'), ('x', 'local'), ('x', 'global'), ('x', 'quantiles')]
    >>> features.transform(X).shape == (6, features.n_features_out_)
    True
    """

    _parameter_constraints: dict = {
        "families": [tuple, list],
        "normalize": ["boolean"],
        "differences": ["boolean"],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "n_quantiles": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "backend": [StrOptions({"auto", "numpy", "numba", "cupy"})],
        "n_jobs": [None, Integral],
    }

    def __init__(
        self,
        families=DEFAULT_FAMILIES,
        normalize=True,
        differences=True,
        eps=1e-3,
        n_quantiles=8,
        random_state=None,
        backend="auto",
        n_jobs=None,
    ):
        self.families = families
        self.normalize = normalize
        self.differences = differences
        self.eps = eps
        self.n_quantiles = n_quantiles
        self.random_state = random_state
        self.backend = backend
        self.n_jobs = n_jobs

    def _check_X(self, X, reset):
        owner = type(self).__name__
        refuse_strings(X, "X", owner)
        return validate_data(
            self, X, reset=reset, dtype=np.float64, ensure_min_features=2 if reset else 1
        )

    def _inputs(self, X):
        raw = X
        if self.normalize:
            X = X - X.mean(axis=1, keepdims=True)
            std = X.std(axis=1, keepdims=True)
            # A constant series stays zero rather than dividing by zero.
            X = X / np.where(std > 0, std, 1.0)
        inputs = {"x": X}
        if self.differences and X.shape[1] >= 3:
            inputs["diff"] = np.diff(X, axis=1)
        inputs["raw"] = raw
        return inputs

    def fit(self, X, y=None):
        """Build and fit every feature block on the training series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timestamps)
            Real series, one per row, of at least 2 samples.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit, and return the training features (each block computed once)."""
        return self._fit(X)

    def _fit(self, X):
        self._validate_params()
        unknown = [f for f in self.families if f not in FEATURE_FAMILIES]
        if unknown or not self.families:
            raise ValueError(
                f"TimeSeriesFeatures: families must be a non-empty tuple of names among "
                f"{sorted(FEATURE_FAMILIES)}, got {self.families!r}."
            )
        X = self._check_X(X, reset=True)
        self.blocks_, self.scalers_, self.block_slices_, out = [], [], [], []
        stop = 0
        for name, Z in self._inputs(X).items():
            for family in self.families:
                function = FEATURE_FAMILIES[family]
                if name not in getattr(function, "inputs", ("x", "diff")):
                    continue
                for transformer in function(Z.shape[1], self):
                    F = transformer.fit(Z).transform(Z)
                    mean, scale = F.mean(axis=0), F.std(axis=0)
                    # Constant features get weight 0; each block has total variance 1.
                    scale = np.where(scale > 0, scale, np.inf) * np.sqrt(F.shape[1])
                    self.blocks_.append((name, family, transformer))
                    self.scalers_.append((mean, scale))
                    self.block_slices_.append(slice(stop, stop + F.shape[1]))
                    out.append((F - mean) / scale)
                    stop += F.shape[1]
        self.n_features_out_ = stop
        return np.hstack(out)

    def _transform_blocks(self, X, keep):
        """Features of the blocks whose index is in ``keep``, concatenated."""
        X = self._check_X(X, reset=False)
        inputs = self._inputs(X)
        out = []
        for k in keep:
            (name, _, transformer), (mean, scale) = self.blocks_[k], self.scalers_[k]
            out.append((transformer.transform(inputs[name]) - mean) / scale)
        return np.hstack(out)

    def transform(self, X):
        """Standardised, block-weighted features of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timestamps)

        Returns
        -------
        F : ndarray of shape (n_samples, n_features_out_)
        """
        check_is_fitted(self)
        return self._transform_blocks(X, range(len(self.blocks_)))

    def get_feature_names_out(self, input_features=None):
        """``<input>_<family><block>_<index>`` for every output feature."""
        check_is_fitted(self)
        names = []
        for k, ((name, family, _), cols) in enumerate(
            zip(self.blocks_, self.block_slices_, strict=True)
        ):
            names += [f"{name}_{family}{k}_{i}" for i in range(cols.stop - cols.start)]
        return np.asarray(names, dtype=object)


class TimeSeriesClassifier(ClassifierMixin, BaseEstimator):
    """Ridge classifier on scattering features, with families chosen by cross-validation.

    ``fit`` computes :class:`TimeSeriesFeatures` with every family of
    ``families``; then, for every non-empty subset of those families (when
    ``select_families``; otherwise only the full set) and every penalty in
    ``alphas``, computes the leave-one-out squared error of one-vs-all ridge
    regression on ``+-1`` class indicators over the subset's blocks (the
    criterion :class:`~sklearn.linear_model.RidgeClassifierCV` uses to
    choose ``alpha``), in closed form from the eigendecomposition of the
    subset's Gram matrix (a sum of per-family Gram matrices, each computed
    once); it keeps the subset and penalty with the smallest error and fits
    a :class:`~sklearn.linear_model.RidgeClassifier` with them. ``predict``
    computes the kept blocks only. Some data sets are told apart by where
    things happen (local features), others by how often they happen
    (quantiles); the selection lets the data say which.

    Parameters
    ----------
    families : tuple of str, default=("local", "global", "quantiles", "level")
        Candidate feature families, names of :data:`FEATURE_FAMILIES`.
    select_families : bool, default=True
        Choose a subset of ``families`` by leave-one-out error; False uses
        them all.
    normalize, differences, eps, n_quantiles, random_state, backend, n_jobs
        As in :class:`TimeSeriesFeatures`.
    alphas : array-like or None, default=None
        Candidate ridge penalties; None is ``np.logspace(-3, 3, 10)``, the
        grid MiniRocket is used with.

    Attributes
    ----------
    features_ : TimeSeriesFeatures
        The fitted feature transformer (all candidate families).
    families_ : tuple of str
        The families kept.
    cv_scores_ : dict
        Negative leave-one-out mean squared error of each candidate subset
        (a tuple of family names) at its best penalty; larger is better.
    alpha_ : float
        The chosen ridge penalty.
    kept_blocks_ : list of int
        Indices in ``features_.blocks_`` of the blocks of the kept families.
    ridge_ : RidgeClassifier
        The classifier fitted on the kept blocks with ``alpha_``.
    classes_ : ndarray
        Class labels.
    n_features_in_ : int
        Series length.
    """

    _parameter_constraints: dict = {
        **TimeSeriesFeatures._parameter_constraints,
        "select_families": ["boolean"],
        "alphas": [None, "array-like"],
    }

    def __init__(
        self,
        families=DEFAULT_FAMILIES,
        select_families=True,
        normalize=True,
        differences=True,
        eps=1e-3,
        n_quantiles=8,
        alphas=None,
        random_state=None,
        backend="auto",
        n_jobs=None,
    ):
        self.families = families
        self.select_families = select_families
        self.normalize = normalize
        self.differences = differences
        self.eps = eps
        self.n_quantiles = n_quantiles
        self.alphas = alphas
        self.random_state = random_state
        self.backend = backend
        self.n_jobs = n_jobs

    def fit(self, X, y):
        """Compute the features, choose the families and fit the ridge classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timestamps)
            Real series, one per row, of at least 2 samples.
        y : array-like of shape (n_samples,)
            Class labels (at least 2 classes).

        Returns
        -------
        self : object
        """
        self._validate_params()
        alphas = np.logspace(-3, 3, 10) if self.alphas is None else np.asarray(self.alphas)
        if alphas.ndim != 1 or alphas.size == 0 or not np.all(alphas > 0):
            raise ValueError(
                f"TimeSeriesClassifier: alphas must be a non-empty 1-D array of positive "
                f"penalties, got {self.alphas!r}."
            )
        self.features_ = TimeSeriesFeatures(
            families=tuple(self.families),
            normalize=self.normalize,
            differences=self.differences,
            eps=self.eps,
            n_quantiles=self.n_quantiles,
            random_state=self.random_state,
            backend=self.backend,
            n_jobs=self.n_jobs,
        )
        X = self.features_._check_X(X, reset=True)  # X's errors first, then y's
        if y is None:
            raise ValueError(
                "TimeSeriesClassifier requires y to be passed, but the target y is None."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) != len(X):
            raise ValueError(
                f"TimeSeriesClassifier: X has {len(X)} series but y has {len(y)} labels."
            )
        if len(np.unique(y)) < 2:
            raise ValueError(
                "TimeSeriesClassifier: y has one class; a classifier needs at least 2."
            )
        F = self.features_.fit_transform(X)
        self.n_features_in_ = self.features_.n_features_in_
        present = [f for f in self.families if any(b[1] == f for b in self.features_.blocks_)]
        if self.select_families:
            subsets = [c for r in range(1, len(present) + 1) for c in combinations(present, r)]
        else:
            subsets = [tuple(present)]
        # BLAS threads as many as n_jobs: the Gram matrices are small, and extra threads
        # only contend with the transforms' (a 200 x 200 eigh can take 100x longer).
        with blas_threads(_resolve_workers(self.n_jobs)):
            self._select(F, y, alphas, subsets, present)
        self.classes_ = self.ridge_.classes_
        return self

    def _select(self, F, y, alphas, subsets, present):
        """Score every (subset, alpha) by leave-one-out error; fit the ridge on the best."""
        # Targets of one-vs-all ridge regression (one column for two classes).
        Y = LabelBinarizer(pos_label=1, neg_label=-1).fit_transform(y).astype(np.float64)
        # Gram matrices add over feature blocks: one per family, summed per subset.
        grams = {}
        for f in present:
            cols = self._columns(self._block_indices((f,)))
            grams[f] = F[:, cols] @ F[:, cols].T
        self.cv_scores_, best = {}, None
        for subset in subsets:
            errors = _loo_squared_errors(sum(grams[f] for f in subset), Y, alphas)
            k = int(np.argmin(errors))
            self.cv_scores_[subset] = -float(errors[k])
            # Ties go to the earlier (smaller) subset: fewer blocks to compute at predict.
            if best is None or errors[k] < best[0]:
                best = (errors[k], subset, float(alphas[k]))
        _, self.families_, self.alpha_ = best
        self.kept_blocks_ = self._block_indices(self.families_)
        self.ridge_ = RidgeClassifier(alpha=self.alpha_).fit(
            F[:, self._columns(self.kept_blocks_)], y
        )

    def _columns(self, blocks):
        slices = self.features_.block_slices_
        return np.concatenate([np.arange(slices[k].start, slices[k].stop) for k in blocks])

    def _block_indices(self, subset):
        return [k for k, b in enumerate(self.features_.blocks_) if b[1] in subset]

    def decision_function(self, X):
        """Ridge decision values on the kept feature blocks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timestamps)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.ridge_.decision_function(self.features_._transform_blocks(X, self.kept_blocks_))

    def predict(self, X):
        """Predicted class of each series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timestamps)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.ridge_.predict(self.features_._transform_blocks(X, self.kept_blocks_))


def make_time_series_classifier(
    families=DEFAULT_FAMILIES,
    *,
    select_families: bool = True,
    normalize: bool = True,
    differences: bool = True,
    eps: float = 1e-3,
    n_quantiles: int = 8,
    alphas=None,
    random_state=None,
    backend: str = "auto",
    n_jobs: int | None = None,
) -> TimeSeriesClassifier:
    """An unfitted classifier of univariate time series on scattering features.

    For arrays of shape ``(n_samples, n_timestamps)`` of any length (at least
    2 samples) and any number of classes. What ``fit`` does:

    1. each series is z-normalised and, with ``differences``, its first
       difference is added as a second input;
    2. :class:`TimeSeriesFeatures` computes the feature families of
       ``families`` on each input -- by default multiscale local scattering
       (:class:`~skscat.Scattering1D`, ``Q=1``, windows ``2**J`` for
       ``J = 2, 4, ...`` up to a quarter of the length), a global
       constant-Q spectrum (``Q=8``, averaged over the whole series),
       band-quantile proportions (:class:`BandQuantileFeatures`) and the
       level of each series before normalisation (:class:`SeriesLevel`) --
       log-compressed, standardised and weighted so that each block counts
       equally;
    3. every non-empty subset of the families (with ``select_families``) and
       every penalty in ``alphas`` is scored by the leave-one-out squared
       error of one-vs-all ridge regression on ``+-1`` class indicators, in
       closed form (the criterion of
       :class:`~sklearn.linear_model.RidgeClassifierCV`; the features are
       computed once, the subsets only sum per-family Gram matrices);
    4. a :class:`~sklearn.linear_model.RidgeClassifier` with the best subset
       and penalty is fitted.

    The scales within each family follow from the series length by the rules
    of :class:`TimeSeriesFeatures` rather than a search: all of them enter
    one linear model, and the cross-validated penalty decides how much each
    feature is used. Scattering is independent of the data, so every feature
    is computed once per fit, and ``predict`` computes the kept families
    only.

    Parameters
    ----------
    families : tuple of str, default=("local", "global", "quantiles", "level")
        Candidate feature families, names of :data:`FEATURE_FAMILIES`
        (``"phase_harmonics"`` and ``"jtfs"`` are available too). Adding a
        family to that mapping makes it available here by name.
    select_families : bool, default=True
        Choose the subset of ``families`` by leave-one-out error.
    normalize : bool, default=True
        z-normalise each series.
    differences : bool, default=True
        Also describe the first difference of each series.
    eps : float, default=1e-3
        Scale of the logarithm ``log1p(S / eps)``.
    n_quantiles : int, default=8
        Thresholds per band of the ``"quantiles"`` family.
    alphas : array-like or None, default=None
        Candidate ridge penalties; None is ``np.logspace(-3, 3, 10)``, the
        grid MiniRocket is used with.
    random_state : int, RandomState instance or None, default=None
        Makes the quantile thresholds reproducible on large training sets
        (their only random step).
    backend : {"auto", "numpy", "numba", "cupy"}, default="auto"
        Array backend of the transforms.
    n_jobs : int or None, default=None
        Threads of the transforms.

    Returns
    -------
    classifier : TimeSeriesClassifier
        Unfitted. After ``fit``: ``families_`` (kept families),
        ``cv_scores_`` (score of every candidate subset), ``alpha_``
        (the penalty), ``features_.blocks_`` (every feature block).

    See Also
    --------
    TimeSeriesFeatures : The feature step alone.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import make_time_series_classifier
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(128)
    >>> f = rng.choice([0.05, 0.2], 40)
    >>> X = np.cos(2 * np.pi * f[:, None] * t + rng.uniform(0, 6, (40, 1)))
    >>> y = (f > 0.1).astype(int)
    >>> clf = make_time_series_classifier(random_state=0).fit(X[:30], y[:30])
    >>> clf.score(X[30:], y[30:])
    1.0
    """
    return TimeSeriesClassifier(
        families=tuple(families),
        select_families=select_families,
        normalize=normalize,
        differences=differences,
        eps=eps,
        n_quantiles=n_quantiles,
        alphas=alphas,
        random_state=random_state,
        backend=backend,
        n_jobs=n_jobs,
    )


__all__ = [
    "DEFAULT_FAMILIES",
    "FEATURE_FAMILIES",
    "BandQuantileFeatures",
    "SeriesLevel",
    "TimeSeriesClassifier",
    "TimeSeriesFeatures",
    "local_scales",
    "make_time_series_classifier",
]
