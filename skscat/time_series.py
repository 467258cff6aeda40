"""A ready time-series classifier on wavelet scattering features.

:func:`make_time_series_classifier` returns an unfitted scikit-learn
:class:`~sklearn.pipeline.Pipeline`: :class:`TimeSeriesFeatures` (several
families of scattering features of each z-normalised series and of its first
difference, each family standardised and weighted equally) followed by
:class:`~sklearn.linear_model.RidgeClassifierCV`, whose ridge penalty is
chosen by efficient leave-one-out cross-validation on the training data.

The feature families are entries of :data:`FEATURE_FAMILIES`, a mapping from a
name to a function ``(n_timestamps, features_estimator) -> list of unfitted
transformers``; every transformer's output is one block of features. A new
family (for instance joint time-frequency scattering) is one more entry, and
is selected by adding its name to the ``families`` parameter.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import refuse_strings
from .phase_harmonics import PhaseHarmonics1D
from .scattering import Scattering1D, ScatteringNormalizer


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

    With ``U(l, t) = log1p(|x * psi_l|(t) / eps)`` the unaveraged first-order
    scattering of a series (:class:`~skscat.Scattering1D` with
    ``average=False``), ``fit`` records, for each band ``l``, the quantiles
    ``b(l, k)`` of ``U(l, .)`` over the training series at the levels
    ``k / (n_quantiles + 1)``; ``transform`` returns the proportion of time
    ``mean_t [U(l, t) > b(l, k)]``. These are invariant to time shifts (up to
    borders) and describe the distribution of each band's energy over time
    (how often a band is active, not only its mean), the scattering
    counterpart of MiniRocket's "proportion of positive values" pooling.

    Parameters
    ----------
    J : int, default=6
        Largest wavelet scale ``2**J`` samples.
    Q : int, default=4
        Wavelets per octave.
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
        Rows of ``scattering_.path_meta_`` that are first-order bands.
    thresholds_ : ndarray of shape (n_quantiles, n_bands)
        The thresholds ``b(l, k)``.
    n_features_in_ : int
        Series length.
    """

    _parameter_constraints: dict = {
        "J": [Interval(Integral, 1, None, closed="left")],
        "Q": [Interval(Integral, 1, None, closed="left")],
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
        n_quantiles=4,
        eps=1e-3,
        max_values=100_000,
        random_state=None,
        backend="auto",
        n_jobs=None,
    ):
        self.J = J
        self.Q = Q
        self.n_quantiles = n_quantiles
        self.eps = eps
        self.max_values = max_values
        self.random_state = random_state
        self.backend = backend
        self.n_jobs = n_jobs

    def _log_bands(self, X):
        U = self.scattering_.transform(X)
        U = U.reshape(U.shape[0], self.scattering_.n_paths_, self.scattering_.n_times_)
        return np.log1p(np.maximum(U[:, self.bands_], 0) / self.eps)

    def fit(self, X, y=None):
        """Fit the scattering and the per-band thresholds on the training series."""
        self._validate_params()
        self.scattering_ = Scattering1D(
            J=self.J,
            Q=self.Q,
            max_order=1,
            average=False,
            backend=self.backend,
            n_jobs=self.n_jobs,
        ).fit(X)
        self.n_features_in_ = self.scattering_.n_features_in_
        self.bands_ = np.flatnonzero(self.scattering_.path_meta_["order"] == 1)
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


def _local_family(n_timestamps, est):
    # Time-position-preserving features: averaged at 2**J, sub-sampled by 2**J.
    return [
        ScatteringNormalizer(
            Scattering1D(J=J, Q=1, backend=est.backend, n_jobs=est.n_jobs), eps=est.eps
        )
        for J in local_scales(n_timestamps)
    ]


def _global_family(n_timestamps, est):
    # One average over the whole (padded) series: shift-invariant spectrum and modulations.
    L = _n_octaves(n_timestamps)
    return [
        ScatteringNormalizer(
            Scattering1D(J=max(1, L - 1), Q=8, T=2**L, backend=est.backend, n_jobs=est.n_jobs),
            eps=est.eps,
        )
    ]


def _quantile_family(n_timestamps, est):
    return [
        BandQuantileFeatures(
            J=max(1, _n_octaves(n_timestamps) - 2),
            Q=4,
            n_quantiles=est.n_quantiles,
            eps=est.eps,
            random_state=est.random_state,
            backend=est.backend,
            n_jobs=est.n_jobs,
        )
    ]


def _phase_harmonic_family(n_timestamps, est):
    # Needs 2**J <= n; phase-harmonic statistics are meaningless below 4 samples.
    if n_timestamps < 4:
        return []
    J = max(1, int(math.floor(math.log2(n_timestamps))) - 1)
    return [PhaseHarmonics1D(J=J, backend=est.backend, n_jobs=est.n_jobs)]


#: Feature families of :class:`TimeSeriesFeatures`, by name. Each value maps
#: ``(n_timestamps, features_estimator)`` to a list of unfitted transformers
#: of ``(n_samples, n_timestamps)`` arrays, one feature block each.
FEATURE_FAMILIES = {
    "local": _local_family,
    "global": _global_family,
    "quantiles": _quantile_family,
    "phase_harmonics": _phase_harmonic_family,
}

DEFAULT_FAMILIES = ("local", "global", "quantiles")


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
      warps smaller than the window;
    - ``"global"``: :class:`~skscat.Scattering1D` with ``J = L - 1``,
      ``Q = 8`` and one average over the whole series: a shift-invariant
      constant-Q spectrum and its amplitude modulations;
    - ``"quantiles"``: :class:`BandQuantileFeatures` with ``J = L - 2``,
      ``Q = 4``: how often each band's energy exceeds levels learnt on the
      training data;
    - ``"phase_harmonics"`` (not in the default): the normalised
      :class:`~skscat.PhaseHarmonics1D` statistics (cross-frequency phase and
      amplitude coupling).

    Scattering blocks are renormalised (second order divided by first order)
    and log-compressed, ``log1p(S / eps)``, by
    :class:`~skscat.ScatteringNormalizer`. Each block is then standardised
    (per feature, on the training data) and divided by the square root of its
    number of features, so that every block carries the same total variance
    and a large block cannot drown a small one in a ridge penalty shared by
    all features.

    Parameters
    ----------
    families : tuple of str, default=("local", "global", "quantiles")
        Feature families, names of :data:`FEATURE_FAMILIES`.
    normalize : bool, default=True
        z-normalise each series first.
    differences : bool, default=True
        Add the features of the first difference of each series (series of
        at least 3 samples).
    eps : float, default=1e-3
        Scale of the logarithms (in units of the series' standard deviation
        when ``normalize``).
    n_quantiles : int, default=4
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
        n_quantiles=4,
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
        refuse_strings(X, "X", type(self).__name__)
        if np.iscomplexobj(X):
            raise ValueError(
                f"{type(self).__name__}: complex input is not supported; pass real series "
                "(for example np.abs(X) or X.real)."
            )
        X = validate_data(self, X, reset=reset, dtype=np.float64, ensure_min_features=2)
        return X

    def _inputs(self, X):
        if self.normalize:
            X = X - X.mean(axis=1, keepdims=True)
            std = X.std(axis=1, keepdims=True)
            # A constant series stays zero rather than dividing by zero.
            X = X / np.where(std > 0, std, 1.0)
        inputs = {"x": X}
        if self.differences and X.shape[1] >= 3:
            inputs["diff"] = np.diff(X, axis=1)
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
        self._validate_params()
        unknown = [f for f in self.families if f not in FEATURE_FAMILIES]
        if unknown or not self.families:
            raise ValueError(
                f"TimeSeriesFeatures: families must be a non-empty tuple of names among "
                f"{sorted(FEATURE_FAMILIES)}, got {self.families!r}."
            )
        X = self._check_X(X, reset=True)
        self.blocks_, self.scalers_ = [], []
        stop = 0
        self.block_slices_ = []
        for name, Z in self._inputs(X).items():
            for family in self.families:
                for transformer in FEATURE_FAMILIES[family](Z.shape[1], self):
                    F = transformer.fit(Z).transform(Z)
                    mean, scale = F.mean(axis=0), F.std(axis=0)
                    # Constant features get weight 0; each block has total variance 1.
                    scale = np.where(scale > 0, scale, np.inf) * np.sqrt(F.shape[1])
                    self.blocks_.append((name, family, transformer))
                    self.scalers_.append((mean, scale))
                    self.block_slices_.append(slice(stop, stop + F.shape[1]))
                    stop += F.shape[1]
        self.n_features_out_ = stop
        return self

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
        X = self._check_X(X, reset=False)
        inputs = self._inputs(X)
        out = np.empty((len(X), self.n_features_out_))
        for (name, _, transformer), (mean, scale), cols in zip(
            self.blocks_, self.scalers_, self.block_slices_, strict=True
        ):
            out[:, cols] = (transformer.transform(inputs[name]) - mean) / scale
        return out

    def get_feature_names_out(self, input_features=None):
        """``<input>_<family><block>_<index>`` for every output feature."""
        check_is_fitted(self)
        names = []
        for k, ((name, family, _), cols) in enumerate(
            zip(self.blocks_, self.block_slices_, strict=True)
        ):
            names += [f"{name}_{family}{k}_{i}" for i in range(cols.stop - cols.start)]
        return np.asarray(names, dtype=object)


def make_time_series_classifier(
    families=DEFAULT_FAMILIES,
    *,
    normalize: bool = True,
    differences: bool = True,
    eps: float = 1e-3,
    n_quantiles: int = 4,
    alphas=None,
    random_state=None,
    backend: str = "auto",
    n_jobs: int | None = None,
) -> Pipeline:
    """An unfitted classifier of univariate time series on scattering features.

    ``make_time_series_classifier()`` is the pipeline
    ``TimeSeriesFeatures(...) -> RidgeClassifierCV(alphas)``, for arrays of
    shape ``(n_samples, n_timestamps)`` of any length (at least 2 samples)
    and any number of classes:

    1. each series is z-normalised and, with ``differences``, its first
       difference is added as a second input;
    2. :class:`TimeSeriesFeatures` computes the feature families of
       ``families`` on each input -- by default multiscale local scattering
       (:class:`~skscat.Scattering1D`, ``Q=1``, windows ``2**J`` for
       ``J = 2, 4, ...`` up to a quarter of the length), global scattering
       (``Q=8``, averaged over the whole series) and band-quantile
       proportions (:class:`BandQuantileFeatures`) -- log-compressed,
       standardised and weighted so that each block counts equally;
    3. :class:`~sklearn.linear_model.RidgeClassifierCV` (one-vs-all ridge
       regression on ``+-1`` targets) chooses its penalty among ``alphas`` by
       leave-one-out cross-validation on the training data (computed in
       closed form, as cheap as one fit).

    The scales are set by rules from the series length rather than searched:
    all of them enter one linear model, and the cross-validated ridge penalty
    decides how much each feature is used. Scattering is independent of the
    data, so every feature is computed once per fit (and once per predict).

    Parameters
    ----------
    families : tuple of str, default=("local", "global", "quantiles")
        Feature families, names of :data:`FEATURE_FAMILIES`. Adding a family
        to that mapping (for instance joint time-frequency scattering) makes
        it available here by name.
    normalize : bool, default=True
        z-normalise each series.
    differences : bool, default=True
        Also describe the first difference of each series.
    eps : float, default=1e-3
        Scale of the logarithm ``log1p(S / eps)``.
    n_quantiles : int, default=4
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
    classifier : Pipeline
        Unfitted; steps ``"features"`` (:class:`TimeSeriesFeatures`) and
        ``"ridge"`` (:class:`~sklearn.linear_model.RidgeClassifierCV`). After
        ``fit``, ``classifier["ridge"].alpha_`` is the chosen penalty and
        ``classifier["features"].blocks_`` lists the feature blocks.

    See Also
    --------
    TimeSeriesFeatures : The feature step alone.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import make_time_series_classifier
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(128)
    >>> X = np.stack([np.sin(2 * np.pi * f * t) for f in rng.choice([0.05, 0.2], 40)])
    >>> y = (X[:, 1] > 0.5).astype(int)
    >>> clf = make_time_series_classifier(random_state=0).fit(X[:30], y[:30])
    >>> clf.score(X[30:], y[30:])
    1.0
    """
    if alphas is None:
        alphas = np.logspace(-3, 3, 10)
    features = TimeSeriesFeatures(
        families=tuple(families),
        normalize=normalize,
        differences=differences,
        eps=eps,
        n_quantiles=n_quantiles,
        random_state=random_state,
        backend=backend,
        n_jobs=n_jobs,
    )
    return Pipeline([("features", features), ("ridge", RidgeClassifierCV(alphas=alphas))])


__all__ = [
    "DEFAULT_FAMILIES",
    "FEATURE_FAMILIES",
    "BandQuantileFeatures",
    "TimeSeriesFeatures",
    "local_scales",
    "make_time_series_classifier",
]
