"""Solid harmonic scattering of sums of Gaussians, from exact sample values.

A molecular density is a sum of Gaussians ``rho(u) = sum_k w_k g_s(u - r_k)``
(``g_s`` the unit-mass Gaussian of width ``s``). The Fourier transform of the
solid harmonic wavelet of width ``sigma`` and degree ``l >= 1`` is
``c_l (2 pi)**1.5 (-i)**l |sigma omega|**l Y_l^m(omega / |omega|)
exp(-sigma**2 |omega|**2 / 2)`` (see :mod:`skscat.filters.solid_harmonic3d`),
so ``g_s * psi_{sigma,l,m} = (sigma / tau)**l psi_{tau,l,m}`` with
``tau**2 = sigma**2 + s**2``, and in space

``psi_{tau,l,m}(u) = c_l tau**(-3 - l) S_l^m(u) exp(-|u|**2 / (2 tau**2))``

where ``S_l^m(u) = |u|**l Y_l^m(u / |u|)`` is a real regular solid harmonic,
a homogeneous polynomial of degree ``l`` (:func:`solid_harmonic_polynomials`);
degree 0 is the unit-mass Gaussian ``g_tau``. Hence the first-order
convolution

``rho * psi_{sigma,l,m}(u) = (sigma / tau)**l sum_k w_k psi_{tau,l,m}(u - r_k)``

is known exactly at every point, without a grid and without aliasing, however
sharp the atoms. The first-order integrals
``int U_{j,l}(u)**q du`` of ``U_{j,l} = (sum_m |rho * psi_{sigma_j,l,m}|**2)**(1/2)``
(and the order-0 ones ``int rho**q``, width ``sigma = 0``) are computed with the
trapezoid rule on the lattice ``h Z**3``, ``h = tau / oversampling``, summing
the points within ``cutoff * tau`` of an atom (the integrand decays like
``exp(-q |u|**2 / (2 tau**2))`` away from the atoms). The lattice follows the
width of the integrand, so every scale costs about the same: a few thousand
points per atom, whatever the size of the molecule's box.

The trapezoid sum of a smooth function of width ``tau`` converges
exponentially in ``tau / h``; ``U**q`` is smooth but at its zeros, which
limits the agreement to about ``1e-3`` relative at ``oversampling = 1.5``
(measured in the tests: translations and rotations of the molecule change the
integrals by less than that).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..filters.solid_harmonic3d import real_spherical_harmonics, solid_harmonic_norm


def monomial_exponents(L: int) -> np.ndarray:
    """Exponents ``(a, b, c)`` of the monomials ``x**a y**b z**c`` of degree ``<= L``.

    Degrees in increasing order, ``(L + 1) (L + 2) (L + 3) / 6`` rows.
    """
    return np.array(
        [
            (a, b, d - a - b)
            for d in range(L + 1)
            for a in range(d, -1, -1)
            for b in range(d - a, -1, -1)
        ],
        dtype=np.int64,
    ).reshape(-1, 3)


@lru_cache(maxsize=16)
def solid_harmonic_polynomials(L: int) -> np.ndarray:
    """Monomial coefficients of the real regular solid harmonics ``S_l^m``, ``l <= L``.

    Returns ``C`` of shape ``(P, (L + 1)**2)`` with
    ``S_l^m(u) = sum_p C[p, l**2 + l + m] x**a_p y**b_p z**c_p`` (exponents of
    :func:`monomial_exponents`, ``m = -l .. l``): the real harmonics of
    :func:`~skscat.filters.solid_harmonic3d.real_spherical_harmonics` (polar
    angle from the first axis, azimuth ``arctan2(y, z)``) times ``|u|**l``.
    Solved once by least squares from the harmonics at random points, exact
    since ``S_l^m`` is a polynomial of degree ``l``; read only.
    """
    expo = monomial_exponents(L)
    u = np.random.default_rng(0).standard_normal((4 * len(expo), 3))
    r = np.sqrt((u * u).sum(1))
    polar = np.arccos(u[:, 0] / r)
    azimuth = np.arctan2(u[:, 1], u[:, 2])
    C = np.zeros((len(expo), (L + 1) ** 2))
    for l in range(L + 1):
        target = (real_spherical_harmonics(l, polar, azimuth) * r**l).T
        cols = np.flatnonzero(expo.sum(1) == l)
        A = np.prod(u[:, None, :] ** expo[None, cols, :], axis=-1)
        coef, *_ = np.linalg.lstsq(A, target, rcond=None)
        C[cols, l * l : (l + 1) ** 2] = coef
    C[np.abs(C) < 1e-12] = 0.0
    C.setflags(write=False)
    return C


def wavelet_polynomials(L: int, sigma: float, s: float) -> tuple:
    """``(tau, C)``: ``rho * psi_{sigma,l,m}`` for atoms of width ``s``, as polynomials.

    ``g_s * psi_{sigma,l,m}(u) = sum_p C[p, lm] x**a_p y**b_p z**c_p
    exp(-|u|**2 / (2 tau**2))`` with ``tau = (sigma**2 + s**2)**0.5``:
    :func:`solid_harmonic_polynomials` scaled by ``(sigma / tau)**l c_l
    tau**(-3 - l)`` (degree 0: ``(2 pi tau**2)**-1.5``). ``sigma = 0`` is the
    atoms themselves (degree 0 only).
    """
    tau = math.sqrt(sigma * sigma + s * s)
    L = L if sigma > 0 else 0
    C = solid_harmonic_polynomials(L).copy()
    for l in range(L + 1):
        if l == 0:
            # S_0^0 = Y_0^0 = (4 pi)**-0.5: degree 0 is the unit-mass Gaussian
            c = math.sqrt(4 * math.pi) * (2 * math.pi * tau * tau) ** -1.5
        else:
            c = solid_harmonic_norm(l) * tau ** (-3 - l) * (sigma / tau) ** l
        C[:, l * l : (l + 1) ** 2] *= c
    return tau, C


def gaussian_scattering_integrals(
    R: np.ndarray,
    weights: np.ndarray,
    backend,
    *,
    s: float,
    sigmas,
    L: int,
    powers,
    oversampling: float = 1.5,
    cutoff: float = 5.0,
) -> np.ndarray:
    """Order-0 and first-order scattering integrals of sums of Gaussians.

    Parameters
    ----------
    R : ndarray of shape (n, A, 3)
        Atom positions (float64, any length unit).
    weights : ndarray of shape (n, D, A)
        Weights ``w_k`` of ``D`` densities on the same atoms (an atom of
        weight 0 in every density is ignored: padding).
    backend : backend instance
        Supplies ``gaussian_modulus_integrals``.
    s : float
        Width of the atomic Gaussians, ``> 0``.
    sigmas : sequence of float
        Wavelet widths; ``0`` gives the order-0 integrals ``int rho**q``.
    L : int
        Largest degree.
    powers : sequence of float
        Powers ``q``.
    oversampling : float, default=1.5
        Lattice points per width ``tau``.
    cutoff : float, default=5.0
        Radius, in ``tau``, of the ball around each atom that is summed.

    Returns
    -------
    ndarray of shape (n, D, len(sigmas), L + 1, len(powers))
        ``int U_{j,l}(u)**q du`` in the unit of ``R``; degrees ``l >= 1`` of a
        zero width are 0.
    """
    R = np.ascontiguousarray(R, dtype=np.float64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    n, D, _ = weights.shape
    qs = np.asarray([float(q) for q in powers], dtype=np.float64)
    out = np.zeros((n, D, len(sigmas), L + 1, len(qs)))
    for j, sigma in enumerate(sigmas):
        tau, C = wavelet_polynomials(L, float(sigma), float(s))
        Lj = L if sigma > 0 else 0
        out[:, :, j, : Lj + 1] = backend.gaussian_modulus_integrals(
            R, weights, tau, tau / oversampling, cutoff * tau, C, Lj, qs
        )
    return out


def csr_columns(C: np.ndarray) -> tuple:
    """``(ptr, col, coef)``: the nonzeros of each column of ``C`` (for the kernels)."""
    ptr, col, coef = [0], [], []
    for lm in range(C.shape[1]):
        nz = np.flatnonzero(C[:, lm])
        col.extend(nz.tolist())
        coef.extend(C[nz, lm].tolist())
        ptr.append(len(col))
    return (
        np.asarray(ptr, dtype=np.int64),
        np.asarray(col, dtype=np.int64),
        np.asarray(coef, dtype=np.float64),
    )


def gaussian_modulus_integrals_numpy(R, weights, tau, h, cutoff, C, L, powers) -> np.ndarray:
    """NumPy reference of ``backend.gaussian_modulus_integrals``.

    For every molecule ``b``, density ``d`` and degree ``l``: ``h**3 sum_u
    U(u)**q`` over the lattice points ``u`` of ``h Z**3`` within ``cutoff`` of
    an atom, ``U = (sum_m y_{lm}**2)**(1/2)``, ``y_{lm}(u) = sum_k
    weights[b, d, k] P_{lm}(u - R[b, k]) exp(-|u - R[b, k]|**2 / (2 tau**2))``
    (atoms farther than ``cutoff`` from ``u`` left out), ``P_{lm}`` the
    polynomial of column ``lm`` of ``C`` (:func:`monomial_exponents`).
    Returns ``(n, D, L + 1, len(powers))``. Works on (point, atom) pairs: a
    sort gathers the atoms of each lattice point.
    """
    n, D, A = weights.shape
    expo = monomial_exponents(L)
    C = C[: len(expo), : (L + 1) ** 2]
    out = np.zeros((n, D, L + 1, len(powers)))
    mol, atom = np.nonzero(np.any(weights != 0, axis=1))
    if not len(mol):
        return out
    w, pos = weights[mol, :, atom], R[mol, atom] / h
    base = np.floor(pos).astype(np.int64)
    radius = cutoff / h
    k = int(math.ceil(radius)) + 1
    r = np.arange(-k, k + 2)
    stencil = np.stack(np.meshgrid(r, r, r, indexing="ij"), -1).reshape(-1, 3)
    d = stencil[None] - (pos - base)[:, None]  # (K, S, 3): point - atom, in h
    r2 = (d * d).sum(-1)
    k_idx, s_idx = np.nonzero(r2 <= radius * radius)
    d, r2 = d[k_idx, s_idx] * h, r2[k_idx, s_idx] * (h * h)
    pts = base[k_idx] + stencil[s_idx]
    lo, span = pts.min(0), pts.max(0) - pts.min(0) + 1
    key = mol[k_idx]
    for a in range(3):
        key = key * span[a] + (pts[:, a] - lo[a])
    order = np.argsort(key, kind="stable")
    key, k_idx, d, r2 = key[order], k_idx[order], d[order], r2[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    mono = np.ones((len(d), len(expo)))
    for a in range(3):
        mono *= d[:, a : a + 1] ** expo[None, :, a]
    basis = (mono @ C) * np.exp(-0.5 * r2 / (tau * tau))[:, None]
    point_mol = mol[k_idx[starts]]
    mol_starts = np.flatnonzero(np.r_[True, point_mol[1:] != point_mol[:-1]])
    ids = point_mol[mol_starts]
    for dd in range(D):
        y = np.add.reduceat(basis * w[k_idx, dd][:, None], starts, axis=0)
        for l in range(L + 1):
            s2 = (y[:, l * l : (l + 1) ** 2] ** 2).sum(1)
            for iq, q in enumerate(powers):
                f = s2 if q == 2.0 else s2 ** (0.5 * q)
                out[ids, dd, l, iq] = np.add.reduceat(f, mol_starts) * h**3
    return out
