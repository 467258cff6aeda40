"""PhaseHarmonics2D: wavelet phase-harmonic statistics of images as features."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._docstrings import with_batched_parameters
from .._shapes import infer_image_shape, validate_shape_param
from ._banks import WAVELETS_2D, phase_harmonic_bank_2d
from ._common import _families, _PhaseHarmonicsBase
from .moments import FAMILIES, moment_table_2d


@with_batched_parameters
class PhaseHarmonics2D(_PhaseHarmonicsBase):
    """Wavelet phase-harmonic (WPH) statistics of images, as a scikit-learn transformer.

    Each row of ``X`` is an image flattened in C order, taken as periodic. With
    ``z_lambda = x * psi_lambda`` its wavelet coefficients (scale ``j``, angle
    ``t pi / L``) and ``[z]^k = |z| exp(i k arg z)`` the phase harmonics, the
    features are the spatial covariances
    ``Cov(A, B)(tau) = mean_u[(A(u + tau) - <A>) conj(B(u) - <B>)]`` of the
    model of Allys et al. (2020) and Regaldo-Saint Blancard et al. (2021):

    - ``S11``: ``Cov(z_l, z_l)(tau)``, band power and its correlation at lags;
    - ``S00``: ``Cov(|z_l|, |z_l|)(tau)``, the sparsity of each band;
    - ``S01``: ``Cov(|z_l|, z_l)``;
    - ``C01``: ``Cov(|z_l1|, z_l2)`` for ``j1 < j2`` and neighbouring angles
      (lags when the angles are equal);
    - ``Cphase``: ``Cov(z_l1, [z_l2]^(2^(j2 - j1)))`` for ``j1 < j2`` and equal
      angles: the alignment of phases across scales (edges, filaments) that
      second-order statistics cannot see; near 0 for Gaussian fields;
    - ``L``: ``Cov([x * phi_j]^p1, [x * phi_j]^p2)`` for the Gaussian low-passes
      ``phi_j``, ``j = -1 .. J // 4``, ``(p1, p2) in ((0,0), (0,1), (1,1))``.

    Lags ``tau`` of ``2**n`` pixels (``n = 1 .. delta_n``) in 4 directions on a
    half circle (``S11``, ``S00``) or 8 on the full circle (``C01``,
    ``Cphase``). Covariances are FFT cross-correlations or spatial means,
    batched over samples and wavelets. The statistics are exactly invariant to
    circular shifts of the image.

    Parameters
    ----------
    J : int or None, default=None
        Number of dyadic scales. ``None`` takes the largest ``J`` with
        ``2**J <= min(H, W)`` (at least 1), so that any image works; an
        explicit ``J`` needs ``2**J <= max(H, W)``.
    L : int, default=4
        Number of angles in ``[0, pi)``.
    shape : tuple of int (H, W) or None, default=None
        Image shape. ``None`` infers a square image when ``n_features`` is a
        perfect square and otherwise one row of ``n_features`` pixels (with a
        :class:`~skscat.ShapeWarning`).
    delta_n : int, default=0
        Largest lag index: covariances at lags up to ``2**delta_n`` pixels.
    moments : tuple of str, default=("S11", "S00", "S01", "C01", "Cphase", "L")
        Moment families to compute (always output in that order).
    wavelet : {"bump_steerable", "morlet"}, default="bump_steerable"
        pywph's bump-steerable wavelets (see
        :mod:`skscat.filters.bump_steerable`) or the Morlet wavelets of
        :class:`~skscat.Scattering2D`, oriented the same way.
    normalize : {"image"} or None, default="image"
        ``None``: the raw complex moments, exactly those of pywph 1.1's
        ``WPHOp(M, N, J, L, dn=delta_n).apply(x, norm=None)`` in its order,
        output as all real parts then all imaginary parts.
        ``"image"``: every covariance is divided by the matching variances of
        the same image, giving correlation coefficients in ``[-1, 1]``; the
        variances themselves become ratios: ``S11`` at lag 0 is divided by the
        image variance (fraction of the variance in the band), ``S00`` at lag 0
        by ``S11`` (sparsity, in ``[0, 1]``), ``L(j, 0, 0)`` by ``L(j, 1, 1)``
        and ``L(j, 1, 1)`` by the image variance times the low-pass's peak
        variance gain ``max_{k != 0} (phi(k)^2 + phi(-k)^2) / 2`` (so that it
        is in ``[0, 1]``, 1 for a plane wave at the frequency the low-pass
        passes most; the narrow ``j = -1`` Gaussian's gain exceeds 1 by
        aliasing). Every feature is then in ``[-1, 1]``. The features then do not
        change when an image ``x`` becomes ``a x + b`` with ``a > 0`` (lighting,
        exposure; ``a < 0`` flips the sign of the odd moments ``S01``, ``C01``,
        ``Cphase``, ``L(j, 0, 1)``), and imaginary parts that vanish for real
        images (``S11`` at lag 0, ``S00``, ``L``) are left out. A band with no
        energy gives 0.
    <batched parameters>

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels per image seen at ``fit``.
    shape_ : tuple of int
        Image shape used.
    J_ : int
        Number of scales used (``J`` or the one ``J=None`` chose).
    n_moments_ : int
        Number of complex moments (pywph's count: 513 for ``J=7, L=4``,
        ``delta_n=0``).
    n_features_out_ : int
        Number of output features.
    moment_table_ : MomentTable
        Index of every moment (family, scales, angles, harmonics, lag).
    filters_ : PhaseHarmonicBank
        The Fourier filters (float64, from the module-level cache).
    backend_ : str
        Backend used.

    See Also
    --------
    PhaseHarmonics1D : The same statistics for time series.
    Scattering2D : Scattering coefficients (moduli only).

    References
    ----------
    E. Allys, T. Marchand, J.-F. Cardoso, F. Villaescusa-Navarro, S. Ho and
    S. Mallat, "New interpretable statistics for large-scale structure
    analysis and generation", Phys. Rev. D 102, 2020.
    B. Regaldo-Saint Blancard, E. Allys, F. Boulanger, F. Levrier and N. Jeffrey,
    "A new approach for the statistical denoising of Planck interstellar dust
    polarization data", A&A 649, 2021 (pywph).

    Examples
    --------
    >>> import numpy as np
    >>> from skscat.phase_harmonics import PhaseHarmonics2D
    >>> X = np.random.default_rng(0).standard_normal((4, 32 * 32))
    >>> wph = PhaseHarmonics2D(J=3, L=4, shape=(32, 32)).fit(X)
    >>> wph.transform(X).shape
    (4, 174)
    >>> wph.get_feature_names_out()[-1]
    'Cphase_j1=1_j2=2_theta=3_im'
    """

    _ndim = 2

    _parameter_constraints: dict = {
        **_PhaseHarmonicsBase._parameter_constraints,
        "L": [Interval(Integral, 1, None, closed="left")],
        "shape": [None, tuple, list, np.ndarray],
        "wavelet": [StrOptions(set(WAVELETS_2D))],
    }

    def __init__(
        self,
        J=None,
        L=4,
        shape=None,
        delta_n=0,
        moments=FAMILIES,
        wavelet="bump_steerable",
        normalize="image",
        backend="auto",
        batch_size="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.J = J
        self.L = L
        self.shape = shape
        self.delta_n = delta_n
        self.moments = moments
        self.wavelet = wavelet
        self.normalize = normalize
        self.backend = backend
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _fit_geometry(self, n_features: int) -> None:
        owner = type(self).__name__
        shape = validate_shape_param(self.shape, 2, owner)
        self._families_ = _families(self.moments, owner)
        H, W = infer_image_shape(n_features, shape, owner)
        self.shape_ = (H, W)
        self.J_ = self._resolve_J(max(H, W)) if self.J is not None else self._resolve_J(min(H, W))
        self._check_memory(1, when="fit")  # before the moment table is built
        self._finish_geometry(self._table())

    def _n_angles(self) -> int:
        return int(self.L)

    def _table(self):
        return moment_table_2d(
            tuple(self.shape_), self.J_, int(self.L), int(self.delta_n), self._families_
        )

    def _bank(self, dtype: str):
        H, W = self.shape_
        table = self._table()
        return phase_harmonic_bank_2d(
            H, W, self.J_, int(self.L), table.scaling_j, self.wavelet, dtype
        )

    @property
    def filters_(self):
        """The Fourier filter bank (float64, cached)."""
        return self._bank("float64")
