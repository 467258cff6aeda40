"""PhaseHarmonics1D: wavelet phase-harmonic statistics of time series as features."""

from __future__ import annotations

from numbers import Integral

from .._docstrings import with_batched_parameters
from .._shapes import infer_signal_length
from ._banks import phase_harmonic_bank_1d
from ._common import _families, _PhaseHarmonicsBase
from .moments import FAMILIES, moment_table_1d


@with_batched_parameters
class PhaseHarmonics1D(_PhaseHarmonicsBase):
    """Wavelet phase-harmonic statistics of time series, as a scikit-learn transformer.

    Each row of ``X`` is a signal, taken as periodic. With ``z_j = x * psi_j``
    its analytic Morlet wavelet coefficients (one wavelet per octave, centre
    frequency ``0.35 * 2**-j`` cycles per sample, the Morlet
    wavelets of :mod:`skscat.filters.morlet1d`) and
    ``[z]^k = |z| exp(i k arg z)`` the phase harmonics, the features are the
    covariances ``Cov(A, B)(tau) = mean_t[(A(t + tau) - <A>) conj(B(t) - <B>)]``
    of the families of :class:`PhaseHarmonics2D` with one orientation:

    - ``S11`` ``Cov(z_j, z_j)(tau)``, ``S00`` ``Cov(|z_j|, |z_j|)(tau)`` at lags
      ``tau = 2**n``, ``n = 1 .. delta_n``;
    - ``S01`` ``Cov(|z_j|, z_j)``;
    - ``C01`` ``Cov(|z_j1|, z_j2)`` for ``j1 < j2``, lags ``+-2**n``: does the
      amplitude of the fast band follow the phase of the slow one
      (phase-amplitude coupling);
    - ``Cphase`` ``Cov(z_j1, [z_j2]^(2^(j2 - j1)))`` for ``j1 < j2``, lags
      ``+-2**n`` (``n <= J - 1 - j2``): cross-frequency phase coupling, near 0
      for Gaussian processes and large for spikes, edges, bursts;
    - ``L`` moments of Gaussian low-passes ``x * phi_j``, ``j = -1 .. J // 4``.

    Parameters
    ----------
    J : int or None, default=None
        Number of octaves. ``None`` takes the largest ``J`` with
        ``2**J <= n_samples`` (at least 1); an explicit ``J`` needs
        ``2**J <= n_samples``.
    shape : int or None, default=None
        Signal length; ``None`` takes ``n_features``.
    delta_n : int, default=0
        Largest lag index (lags up to ``2**delta_n`` samples).
    moments : tuple of str, default=("S11", "S00", "S01", "C01", "Cphase", "L")
        Moment families (always output in that order).
    normalize : {"image"} or None, default="image"
        ``None``: raw complex moments, real parts then imaginary parts.
        ``"image"``: each covariance divided by the matching variances of the
        same signal (see :class:`PhaseHarmonics2D`): every feature in
        ``[-1, 1]``, invariant to ``a x + b``, ``a > 0``, and without the
        imaginary parts that vanish for real signals.
    <batched parameters>

    Attributes
    ----------
    n_features_in_ : int
        Signal length seen at ``fit``.
    shape_ : tuple of int
        ``(n_samples_per_signal,)``.
    J_ : int
        Number of octaves used.
    n_moments_ : int
        Number of complex moments.
    n_features_out_ : int
        Number of output features.
    moment_table_ : MomentTable
        Index of every moment.
    filters_ : PhaseHarmonicBank
        The Fourier filters (float64, cached).
    backend_ : str
        Backend used.

    See Also
    --------
    PhaseHarmonics2D : The same statistics for images.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat.phase_harmonics import PhaseHarmonics1D
    >>> X = np.random.default_rng(0).standard_normal((4, 256))
    >>> wph = PhaseHarmonics1D(J=5).fit(X)
    >>> wph.get_feature_names_out()[0]
    'S11_j=0_re'
    """

    _ndim = 1

    _parameter_constraints: dict = {
        **_PhaseHarmonicsBase._parameter_constraints,
        "shape": [None, Integral, tuple, list],
    }

    def __init__(
        self,
        J=None,
        shape=None,
        delta_n=0,
        moments=FAMILIES,
        normalize="image",
        backend="auto",
        batch_size="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.J = J
        self.shape = shape
        self.delta_n = delta_n
        self.moments = moments
        self.normalize = normalize
        self.backend = backend
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _fit_geometry(self, n_features: int) -> None:
        owner = type(self).__name__
        infer_signal_length(n_features, self.shape, owner)
        self._families_ = _families(self.moments, owner)
        self.shape_ = (n_features,)
        self.J_ = self._resolve_J(n_features)
        self._check_memory(1, when="fit")  # before the moment table is built
        self._finish_geometry(self._table())

    def _n_angles(self) -> int:
        return 1

    def _table(self):
        return moment_table_1d(self.shape_[0], self.J_, int(self.delta_n), self._families_)

    def _bank(self, dtype: str):
        return phase_harmonic_bank_1d(self.shape_[0], self.J_, self._table().scaling_j, dtype)

    @property
    def filters_(self):
        """The Fourier filter bank (float64, cached)."""
        return self._bank("float64")
