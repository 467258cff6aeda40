"""MolecularScattering: solid harmonic scattering of molecules given as atoms."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from .._docstrings import with_batched_parameters
from .harmonic_scattering3d import HarmonicScattering3D, _check_powers

# Electrons in the closed shells below each period (noble-gas cores): an atom
# of charge Z has Z minus the largest of these below Z as valence electrons.
_NOBLE_GAS_CORES = np.array([0, 2, 10, 18, 36, 54, 86], dtype=np.int64)

DENSITIES = ("nuclear", "valence", "core")

# Lattice points per width of the integrand, and the radius (in widths) summed
# around each atom: relative accuracy ~1e-3 of the atomic integrals (tests).
_OVERSAMPLING = 1.5
_CUTOFF = 5.0


def valence_charges(Z) -> np.ndarray:
    """Valence electrons of nuclear charges ``Z`` (0 for padding, ``Z = 0``).

    ``Z`` minus the electrons of the noble-gas core below it: hydrogen and
    helium keep all theirs, ``Z - 2`` for ``3 <= Z <= 10``, ``Z - 10`` for
    ``11 <= Z <= 18``, ``Z - 18`` for ``19 <= Z <= 36``, and so on.
    """
    Z = np.asarray(Z)
    core = _NOBLE_GAS_CORES[np.searchsorted(_NOBLE_GAS_CORES, Z, side="left") - 1]
    return np.where(Z > 0, Z - core, 0).astype(np.float64)


@with_batched_parameters
class MolecularScattering(HarmonicScattering3D):
    """Solid harmonic scattering invariants of molecules, as a scikit-learn transformer.

    Each row of ``X`` is one molecule as a fixed-width table of atoms, 4
    columns per atom: nuclear charge ``Z`` (an integer, 0 for padding), then
    the position ``x, y, z`` in Angstrom. Any width that is a multiple of 4
    is accepted; padded atoms (``Z = 0``) are ignored wherever they sit.

    Each molecule gives three charge densities, sums of Gaussians of width
    ``sigma`` centred on the atoms, ``rho(u) = sum_k w_k g_sigma(u - r_k)``:

    - nuclear: weights ``w_k = Z_k``;
    - valence: ``Z`` minus the core electrons (2 for ``3 <= Z <= 10``, 10 for
      ``11 <= Z <= 18``, the noble-gas core beyond; hydrogen keeps 1);
    - core: nuclear minus valence.

    For each density the features are its order-0 integrals
    ``int rho(u)**q du`` and its first-order solid harmonic scattering
    integrals ``int U_{j,l}(u)**q du``,
    ``U_{j,l} = (sum_m |rho * psi_{j,l,m}|**2)**(1/2)``, wavelets of width
    ``sigma_0 2**j`` Angstrom (``j = 0..J``, degrees ``l = 0..L``; Kymatio's
    solid harmonic wavelets, :class:`HarmonicScattering3D`). Because a Gaussian
    convolved with a solid harmonic wavelet is again one, of width
    ``tau_j = (sigma**2 + sigma_0**2 4**j)**(1/2)``, ``rho * psi_{j,l,m}`` is
    evaluated exactly, atom by atom
    (:func:`~skscat.scattering.atomic3d.gaussian_scattering_integrals`), and
    the integrals are trapezoid sums on a lattice of spacing ``tau_j / 1.5``
    around the atoms: no density grid, so the atoms can be sharp (bond lengths
    stay resolved) with nothing aliased. Lengths are in Angstrom, so the
    integrals are per cubic Angstrom.

    ``max_order=2`` adds the second-order integrals
    ``int U_{j1,j2,l}(u)**q du``, ``U_{j1,j2,l} = (sum_m |U_{j1,l} *
    psi_{j2,l,m}|**2)**(1/2)`` (``j1 < j2``), computed on a cubic grid of
    ``grid_size`` samples spaced ``grid_spacing`` Angstrom (sums over the
    grid's samples, as :class:`HarmonicScattering3D` computes them): that grid
    samples the densities and ``U_{j1,l}``, so ``sigma`` and ``sigma_0`` must
    be about ``grid_spacing`` or more for these to be meaningful.

    The features are invariant to translations, atom permutations and
    rotations of the molecule, up to the lattice sums (relative changes below
    ``1e-3``; the grid's order 2, a few ``1e-3``). Molecules are processed
    ``batch_size`` at a time, so memory stays bounded.

    Parameters
    ----------
    J : int, default=2
        Largest scale index; wavelet widths ``sigma_0 2**j``, ``j = 0..J``.
    L : int, default=3
        Largest degree of the spherical harmonics.
    grid_size : int, default=24
        Samples per side of the cubic grid. Atoms must lie within
        ``max_radius_`` of the molecule's centre of nuclear charge (the grid's
        half-width less ``3 sigma``); the grid itself is used by
        ``max_order=2`` only.
    grid_spacing : float, default=0.7
        Distance between grid samples, in Angstrom (the default grid is a
        16.1 Angstrom cube).
    sigma : float, default=0.22
        Width of the atomic Gaussians, in Angstrom. Sharp atoms keep the
        bond lengths apart in the features.
    sigma_0 : float, default=0.22
        Width of the scale-0 wavelet, in Angstrom.
    max_order : {1, 2}, default=1
        Highest scattering order.
    integral_powers : sequence of float, default=(0.5, 1.0, 2.0, 3.0)
        Powers ``q`` of the integrals.
    <batched parameters>

    Attributes
    ----------
    n_features_in_ : int
        Columns of ``X`` (4 per atom).
    n_atoms_ : int
        Atoms per row, ``n_features_in_ // 4``.
    shape_ : tuple of int
        The grid, ``(grid_size,) * 3``.
    max_radius_ : float
        Largest distance (Angstrom) of an atom from the centre of nuclear
        charge that the grid holds with a margin of ``3 sigma``.
    n_paths_ : int
        Scattering paths per density: ``J + 1`` first-order ones, then the
        ``J (J + 1) / 2`` second-order ones when ``max_order=2``.
    n_features_out_ : int
        ``3 * (1 + n_paths_ * (L + 1)) * len(integral_powers)``: per density
        (nuclear, valence, core) its order-0 integrals, then its order 1 and
        2 integrals in :class:`HarmonicScattering3D`'s (path, l, power) order.
    backend_ : str
        Backend actually used.

    See Also
    --------
    HarmonicScattering3D : The transform of densities given on a grid.
    skscat.datasets.load_qm7 : 7,101 small organic molecules in this format.

    References
    ----------
    M. Eickenberg, G. Exarchakis, M. Hirn, S. Mallat, "Solid harmonic wavelet
    scattering: predicting quantum molecular energy from invariant
    descriptors of 3D electronic densities", NeurIPS 2017.
    M. Eickenberg, G. Exarchakis, M. Hirn, S. Mallat, L. Thiry, "Solid
    harmonic wavelet scattering for predictions of molecule properties",
    J. Chem. Phys. 148, 241732 (2018).

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import MolecularScattering
    >>> water = np.array([[8, 0.0, 0.0, 0.0, 1, 0.96, 0.0, 0.0, 1, -0.24, 0.93, 0.0]])
    >>> M = MolecularScattering(J=1, L=1).fit(water)
    >>> M.transform(water).shape
    (1, 60)
    >>> str(M.get_feature_names_out()[0])
    'nuclear_order0_q=0.5'
    """

    _parameter_constraints: dict = {
        **{
            k: v
            for k, v in HarmonicScattering3D._parameter_constraints.items()
            if k not in ("shape", "include_order0")
        },
        "grid_size": [Interval(Integral, 4, None, closed="left")],
        "grid_spacing": [Interval(Real, 0, None, closed="neither")],
        "sigma": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        J=2,
        L=3,
        grid_size=24,
        grid_spacing=0.7,
        sigma=0.22,
        sigma_0=0.22,
        max_order=1,
        integral_powers=(0.5, 1.0, 2.0, 3.0),
        backend="auto",
        batch_size="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.J = J
        self.L = L
        self.grid_size = grid_size
        self.grid_spacing = grid_spacing
        self.sigma = sigma
        self.sigma_0 = sigma_0
        self.max_order = max_order
        self.integral_powers = integral_powers
        self.backend = backend
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    include_order0 = True

    # -- geometry ---------------------------------------------------------
    def _fit_geometry(self, n_features: int) -> None:
        if n_features % 4:
            raise ValueError(
                f"MolecularScattering: X has {n_features} columns, not a multiple of 4; "
                "each atom takes 4 columns (Z, x, y, z), padded with Z = 0 rows to a "
                "common width."
            )
        self.n_atoms_ = n_features // 4
        n = int(self.grid_size)
        self.shape_ = (n, n, n)
        self.powers_ = _check_powers(self.integral_powers, type(self).__name__)
        half_box = 0.5 * (n - 1) * float(self.grid_spacing)
        self.max_radius_ = half_box - 3.0 * float(self.sigma)
        if self.max_radius_ <= 0:
            raise ValueError(
                f"MolecularScattering: a grid of {n} samples spaced {self.grid_spacing} "
                f"Angstrom cannot hold Gaussians of width sigma={self.sigma}; increase "
                "grid_size or grid_spacing."
            )
        self._set_paths()  # order 0, then the paths (include_order0 is True)
        self.n_features_out_ = len(DENSITIES) * self.n_features_out_

    def _bytes_per_sample(self) -> int:
        # the NumPy reference of the atomic sums holds ~2,000 (point, atom)
        # pairs per atom, each with its monomials and harmonics
        atomic = 8 * 2000 * self.n_atoms_ * 64
        if self.max_order < 2:
            return atomic
        return atomic + len(DENSITIES) * super()._bytes_per_sample()

    # -- validation of the atoms ------------------------------------------
    def _atoms(self, X):
        """Charges ``(n, A)`` and positions ``(n, A, 3)`` (float64), checked."""
        X = np.asarray(X, dtype=np.float64)
        n = X.shape[0]
        table = X.reshape(n, -1, 4)
        Z, R = table[..., 0], table[..., 1:]
        bad = (Z < 0) | (Z != np.round(Z))
        if bad.any():
            i, k = map(int, np.argwhere(bad)[0])
            raise ValueError(
                f"MolecularScattering: row {i}, atom {k} has charge Z={Z[i, k]!r}; charges "
                "(every 4th column from column 0) must be non-negative integers, with 0 "
                "for padding."
            )
        empty = ~(Z > 0).any(axis=1)
        if empty.any():
            i = int(np.flatnonzero(empty)[0])
            raise ValueError(
                f"MolecularScattering: row {i} has no atom (every charge is 0); each "
                "row must hold at least one atom with Z > 0."
            )
        centre = (Z[..., None] * R).sum(1) / Z.sum(1)[:, None]
        R = R - centre[:, None]
        radius = np.where(Z > 0, np.sqrt((R * R).sum(-1)), 0.0).max(axis=1)
        too_far = radius > self.max_radius_
        if too_far.any():
            i = int(np.flatnonzero(too_far)[0])
            raise ValueError(
                f"MolecularScattering: the molecule in row {i} has an atom "
                f"{radius[i]:.2f} Angstrom from its centre of charge, but the grid holds "
                f"{self.max_radius_:.2f} Angstrom; increase grid_size (or grid_spacing), "
                "or check the coordinates are in Angstrom."
            )
        return Z, R

    def densities(self, X) -> np.ndarray:
        """Nuclear, valence and core densities of molecules on the grid.

        Parameters
        ----------
        X : array-like of shape (n_molecules, 4 * n_atoms)
            Molecules as rows ``(Z, x, y, z)`` per atom.

        Returns
        -------
        densities : ndarray of shape (n_molecules, 3, M, N, O), float64
            Each Gaussian is normalised to sum to its charge on the grid.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._densities(*self._atoms(X))

    def _densities(self, Z, R) -> np.ndarray:
        n_mol, A = Z.shape
        n = self.shape_[0]
        h = float(self.grid_spacing)
        s = float(self.sigma) / h
        axis = np.arange(n, dtype=np.float64) - (n - 1) / 2
        # separable Gaussians: one factor per axis and atom, (n_mol, A, 3, n)
        d = axis - (R / h)[..., None]
        g = np.exp(-0.5 * (d * d) / (s * s))
        val = valence_charges(Z)
        weights = np.stack([Z, val, Z - val], axis=1) / ((2 * np.pi) ** 1.5 * s**3)
        a = weights[:, :, :, None] * g[:, None, :, 0, :]  # (n_mol, 3, A, n)
        bc = (g[:, :, 1, :, None] * g[:, :, 2, None, :]).reshape(n_mol, A, n * n)
        out = np.matmul(a.transpose(0, 1, 3, 2), bc[:, None])  # (n_mol, 3, n, n*n)
        return out.reshape(n_mol, len(DENSITIES), n, n, n)

    # -- transform --------------------------------------------------------
    def _transform_batch(self, X, backend):
        from .atomic3d import gaussian_scattering_integrals

        Z, R = self._atoms(backend.to_numpy(X))
        n_mol = Z.shape[0]
        val = valence_charges(Z)
        weights = np.stack([Z, val, Z - val], axis=1)  # (n_mol, 3, A)
        sigma0 = float(self.sigma_0)
        widths = [0.0] + [sigma0 * 2**j for j in range(self.J + 1)]
        exact = gaussian_scattering_integrals(
            R,
            weights,
            backend,
            s=float(self.sigma),
            sigmas=widths,
            L=self.L,
            powers=self.powers_,
            oversampling=_OVERSAMPLING,
            cutoff=_CUTOFF,
        )  # (n_mol, 3, J + 2, L + 1, n_q)
        nq = len(self.powers_)
        blocks = [exact[:, :, 0, 0], exact[:, :, 1:].reshape(n_mol, len(DENSITIES), -1)]
        if self.max_order >= 2:
            rho = self._densities(Z, R)
            x = backend.asarray(rho.reshape((-1,) + self.shape_), dtype=X.dtype)
            sigma_px = sigma0 / float(self.grid_spacing)
            grid = backend.to_numpy(self._scatter_px(x, backend, sigma_px))
            # keep the grid's second order: the columns after order 0 and order 1
            n_first = (1 + (self.J + 1) * (self.L + 1)) * nq
            blocks.append(grid[:, n_first:].reshape(n_mol, len(DENSITIES), -1))
        feats = np.concatenate(blocks, axis=2).reshape(n_mol, -1)
        return backend.asarray(feats, dtype=X.dtype)

    def _scatter_px(self, x, backend, sigma_px):
        from ..filters.solid_harmonic3d import solid_harmonic_filter_bank_3d
        from .core3d import order0_integrals, scattering3d

        bank = solid_harmonic_filter_bank_3d(
            *self.shape_, self.J, self.L, sigma_px, np.dtype(x.dtype).name, remainders=False
        )
        bank = backend.prepare_bank(bank)
        m = x.shape[0]
        out = backend.empty((m, self.n_paths_, self.L + 1, len(self.powers_)), x.dtype)
        scattering3d(x, backend, bank, max_order=self.max_order, powers=self.powers_, out=out)
        order0 = order0_integrals(x, backend, self.powers_)
        return backend.xp.concatenate([order0, out.reshape(m, -1)], axis=1)

    def _feature_names(self) -> list[str]:
        names = super()._feature_names()
        return [f"{d}_{name}" for d in DENSITIES for name in names]

    @property
    def filters_(self):
        """The Fourier filter bank on the grid (float64, cached)."""
        from ..filters.solid_harmonic3d import solid_harmonic_filter_bank_3d

        sigma_px = float(self.sigma_0) / float(self.grid_spacing)
        return solid_harmonic_filter_bank_3d(
            *self.shape_, self.J, self.L, sigma_px, "float64", remainders=False
        )
