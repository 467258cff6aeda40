"""HarmonicScattering3D: the scikit-learn transformer around the 3-D solid harmonic cascade."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from .._base import HarmonicTransformer, ShapeWarning, validate_shape_param
from .._docstrings import with_batched_parameters
from ..filters.solid_harmonic3d import solid_harmonic_filter_bank_3d
from .core3d import order0_integrals, scattering3d, scattering3d_paths


def infer_volume_shape(n_features: int, shape, owner: str) -> tuple[int, int, int]:
    """Resolve a 3-D transform's ``shape`` against ``n_features``.

    ``None`` takes a cube when ``n_features`` is a perfect cube and otherwise a
    ``1 x 1 x n_features`` volume, with a :class:`~skscat.ShapeWarning`; an
    explicit shape must hold ``n_features`` voxels.
    """
    if shape is None:
        side = round(n_features ** (1 / 3))
        for s in (side - 1, side, side + 1):
            if s > 0 and s**3 == n_features:
                return s, s, s
        warnings.warn(
            f"{owner}: n_features={n_features} is not a perfect cube, so each row is "
            f"treated as a volume of shape (1, 1, {n_features}); pass shape=(M, N, O) "
            "with M * N * O == n_features to say how the rows are laid out.",
            ShapeWarning,
            stacklevel=3,
        )
        return 1, 1, n_features
    M, N, O = validate_shape_param(shape, 3, owner)
    if M * N * O != n_features:
        raise ValueError(
            f"{owner}: shape={(M, N, O)} holds {M * N * O} voxels but X has "
            f"{n_features} features per row; pass shape=(M, N, O) with "
            "M * N * O == n_features."
        )
    return M, N, O


def _check_powers(powers, owner: str) -> tuple:
    try:
        values = tuple(float(q) for q in powers)
    except (TypeError, ValueError):
        values = ()
    if not values or not all(math.isfinite(q) and q > 0 for q in values):
        raise ValueError(
            f"{owner}: integral_powers must be a non-empty sequence of positive numbers, "
            f"got {powers!r}."
        )
    return values


def _power_label(q: float) -> str:
    return f"{q:g}"


@with_batched_parameters
class HarmonicScattering3D(HarmonicTransformer):
    """3-D solid harmonic wavelet scattering integrals, as a scikit-learn transformer.

    Each row of ``X`` is a density on an ``M x N x O`` grid flattened in C
    order. With solid harmonic wavelets ``psi_{j,l,m}`` (scales
    ``sigma_0 2**j``, ``j = 0..J``; degrees ``l = 0..L``; ``-l <= m <= l``) the
    transform computes

    - order 1: ``U1[j, l] = (sum_m |x * psi_{j,l,m}|**2)**(1/2)``,
    - order 2: ``U2[j1, j2, l] = (sum_m |U1[j1, l] * psi_{j2,l,m}|**2)**(1/2)``
      for ``j2 > j1``,

    and returns the integrals ``sum_u U(u)**q`` over the grid for each power
    ``q``: invariant to translations (circular on the grid) and to rotations
    (up to the grid's sampling), stable to deformations. Coefficients equal
    Kymatio 0.3's ``HarmonicScattering3D`` (rotation covariant, ``"integral"``
    method) on grids of even sides, in Kymatio's (path, l, power) order; on
    odd sides skscat uses the standard DFT frequencies where Kymatio shifts
    them by one sample.

    Parameters
    ----------
    J : int, default=2
        Largest scale index; ``J + 1`` scales ``sigma_0 2**j``.
    L : int, default=3
        Largest degree of the spherical harmonics.
    shape : tuple of int (M, N, O) or None, default=None
        Grid shape. ``None`` infers a cube when ``n_features`` is a perfect
        cube and otherwise a ``1 x 1 x n_features`` volume (with a
        :class:`~skscat.ShapeWarning`).
    sigma_0 : float, default=1.0
        Width of the scale-0 wavelet, in samples.
    max_order : {1, 2}, default=2
        Highest scattering order.
    integral_powers : sequence of float, default=(0.5, 1.0, 2.0)
        Powers ``q`` of the integrals.
    include_order0 : bool, default=False
        If True, prepend the order-0 integrals ``sum_u |x(u)|**q`` (one per
        power), which Kymatio computes separately.
    <batched parameters>

    Attributes
    ----------
    n_features_in_ : int
        Number of voxels per row seen at ``fit``.
    shape_ : tuple of int
        Grid shape used (given or inferred).
    n_paths_ : int
        Number of paths, ``J + 1`` at order 1 plus ``J (J + 1) / 2`` at order 2.
    n_features_out_ : int
        ``(n_paths_ * (L + 1) + include_order0) * len(integral_powers)``.
    backend_ : str
        Backend actually used.
    filters_ : SolidHarmonicBank3D
        The Fourier filter bank (from the module-level cache, never pickled).

    See Also
    --------
    MolecularScattering : The same transform of molecules given as atoms.

    References
    ----------
    M. Eickenberg, G. Exarchakis, M. Hirn, S. Mallat, "Solid harmonic wavelet
    scattering: predicting quantum molecular energy from invariant
    descriptors of 3D electronic densities", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import HarmonicScattering3D
    >>> X = np.random.default_rng(0).random((2, 16 * 16 * 16))
    >>> S = HarmonicScattering3D(J=1, L=2, shape=(16, 16, 16)).fit(X)
    >>> S.transform(X).shape
    (2, 27)
    >>> str(S.get_feature_names_out()[-1])
    'order2_j1=0_j2=1_l=2_q=2'
    """

    _parameter_constraints: dict = {
        **HarmonicTransformer._parameter_constraints,
        "J": [Interval(Integral, 0, None, closed="left")],
        "L": [Interval(Integral, 0, None, closed="left")],
        "shape": [None, tuple, list, np.ndarray],
        "sigma_0": [Interval(Real, 0, None, closed="neither")],
        "max_order": [Interval(Integral, 1, 2, closed="both")],
        "integral_powers": [tuple, list, np.ndarray],
        "include_order0": ["boolean"],
    }

    def __init__(
        self,
        J=2,
        L=3,
        shape=None,
        sigma_0=1.0,
        max_order=2,
        integral_powers=(0.5, 1.0, 2.0),
        include_order0=False,
        backend="auto",
        batch_size="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.J = J
        self.L = L
        self.shape = shape
        self.sigma_0 = sigma_0
        self.max_order = max_order
        self.integral_powers = integral_powers
        self.include_order0 = include_order0
        self.backend = backend
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- geometry ---------------------------------------------------------
    def _fit_geometry(self, n_features: int) -> None:
        owner = type(self).__name__
        self.shape_ = infer_volume_shape(n_features, self.shape, owner)
        self._set_paths()

    def _set_paths(self) -> None:
        self.powers_ = _check_powers(self.integral_powers, type(self).__name__)
        self.n_paths_ = len(scattering3d_paths(self.J, self.max_order))
        n_blocks = self.n_paths_ * (self.L + 1) + int(bool(self.include_order0))
        self.n_features_out_ = n_blocks * len(self.powers_)

    @property
    def filters_(self):
        """The Fourier filter bank on the grid (float64, cached)."""
        return solid_harmonic_filter_bank_3d(*self.shape_, self.J, self.L, self.sigma_0, "float64")

    def _bytes_per_sample(self) -> int:
        G = math.prod(self.shape_)
        K = 2 * self.L + 1
        # float64 budget: spectrum, the K real convolutions and their products,
        # the Nyquist remainders (complex), U1 and its spectrum.
        return 8 * G * (4 + 6 * K)

    # -- transform --------------------------------------------------------
    def _scatter(self, X, backend, shape):
        """Integrals of a batch of densities ``X`` (backend array ``(n, M, N, O)``)."""
        dtype = np.dtype(X.dtype).name
        bank = solid_harmonic_filter_bank_3d(*shape, self.J, self.L, float(self.sigma_0), dtype)
        bank = backend.prepare_bank(bank)
        n = X.shape[0]
        out = backend.empty((n, self.n_paths_, self.L + 1, len(self.powers_)), X.dtype)
        scattering3d(X, backend, bank, max_order=self.max_order, powers=self.powers_, out=out)
        out = out.reshape(n, -1)
        if self.include_order0:
            out = backend.xp.concatenate([order0_integrals(X, backend, self.powers_), out], 1)
        return out

    def _transform_batch(self, X, backend):
        return self._scatter(X.reshape((X.shape[0],) + self.shape_), backend, self.shape_)

    def _feature_names(self) -> list[str]:
        qs = [_power_label(q) for q in self.powers_]
        names = []
        if self.include_order0:
            names += [f"order0_q={q}" for q in qs]
        for path in scattering3d_paths(self.J, self.max_order):
            if len(path) == 1:
                stem = f"order1_j1={path[0]}"
            else:
                stem = f"order2_j1={path[0]}_j2={path[1]}"
            names += [f"{stem}_l={l}_q={q}" for l in range(self.L + 1) for q in qs]
        return names
