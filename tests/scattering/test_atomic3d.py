"""Exact first-order solid harmonic scattering of sums of Gaussians."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from skscat.backends import get_backend
from skscat.backends.cupy_backend import CupyBackend
from skscat.filters.solid_harmonic3d import real_spherical_harmonics, solid_harmonic_filter_bank_3d
from skscat.scattering.atomic3d import (
    gaussian_scattering_integrals,
    monomial_exponents,
    solid_harmonic_polynomials,
)
from skscat.scattering.core3d import order0_integrals, scattering3d

POWERS = (0.5, 1.0, 2.0, 3.0)
# three atoms (positions in Angstrom) and two densities on them
R = np.array([[[0.0, 0.0, 0.0], [1.1, 0.2, -0.1], [-0.4, 0.9, 0.5]]])
W = np.array([[[6.0, 1.0, 8.0], [4.0, 1.0, 6.0]]])


def test_solid_harmonic_polynomials():
    L = 4
    C = solid_harmonic_polynomials(L)
    expo = monomial_exponents(L)
    assert C.shape == (35, 25) and len(expo) == 35
    u = np.random.default_rng(3).standard_normal((50, 3))
    r = np.sqrt((u * u).sum(1))
    mono = np.prod(u[:, None, :] ** expo[None], axis=-1)
    for l in range(L + 1):
        ref = real_spherical_harmonics(l, np.arccos(u[:, 0] / r), np.arctan2(u[:, 1], u[:, 2]))
        got = mono @ C[:, l * l : (l + 1) ** 2]
        np.testing.assert_allclose(got, (ref * r**l).T, atol=1e-13)


@pytest.mark.parametrize("name", ["numpy", "numba"])
def test_equals_the_fft_path_on_a_fine_grid(name):
    # a fine grid (h = 0.1 Angstrom) resolves atoms and wavelets of width 0.25
    # Angstrom: its sums equal the integrals up to the lattice sums and the cut-off
    s, sigma0, h, n = 0.25, 0.25, 0.1, 64
    axis = (np.arange(n) - (n - 1) / 2) * h
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), -1)
    rho = np.zeros((2, n, n, n))
    for k in range(3):
        g = np.exp(-((grid - R[0, k]) ** 2).sum(-1) / (2 * s * s)) / (2 * np.pi * s * s) ** 1.5
        rho += W[0, :, k, None, None, None] * g * h**3
    backend = get_backend("numpy")
    bank = solid_harmonic_filter_bank_3d(n, n, n, 1, 3, sigma0 / h, "float64", remainders=False)
    out = np.empty((2, 2, 4, 4))
    scattering3d(rho, backend, bank, max_order=1, powers=POWERS, out=out)
    # grid values are per sample: U_grid = h**3 U, so sum U_grid**q = h**(3 q - 3) int U**q
    to_grid = np.array([h ** (3 * q - 3) for q in POWERS])
    exact = gaussian_scattering_integrals(
        R, W, get_backend(name), s=s, sigmas=[0.0, sigma0, 2 * sigma0], L=3, powers=POWERS
    )[0]
    rel0 = np.abs(exact[:, 0, 0] * to_grid / order0_integrals(rho, backend, POWERS) - 1)
    rel = np.abs(exact[:, 1:] * to_grid / out - 1)
    # q >= 1: lattice sums within ~1e-3; q = 0.5 also loses the tails beyond the
    # cut-off (measured 0.4% at order 0, 1.4% at order 1)
    assert rel0[:, 1:].max() < 3e-5 and rel0[:, 0].max() < 5e-3, rel0
    assert rel[..., 1:].max() < 2e-3 and rel[..., 0].max() < 2e-2, rel.max(axis=(0, 1, 2))


def test_backends_agree():
    sig = [0.0, 0.3, 0.6]
    RR = np.concatenate([R, R[:, ::-1] + 0.3, R * 1.1])  # three molecules
    WW = np.concatenate([W, W, W])
    ref = gaussian_scattering_integrals(
        RR, WW, get_backend("numpy"), s=0.2, sigmas=sig, L=3, powers=POWERS
    )
    assert np.all(ref[:, :, 0, 1:] == 0) and np.all(ref[:, :, 1:] > 0)
    # the numba kernel, its molecules split over two threads, and the CuPy
    # backend's host path (NumPy standing in for CuPy)
    for backend in (get_backend("numba", n_jobs=2), CupyBackend(xp=np)):
        got = gaussian_scattering_integrals(RR, WW, backend, s=0.2, sigmas=sig, L=3, powers=POWERS)
        np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_lone_atom_closed_forms():
    # one atom: int rho = w, int rho**2 = w**2 (4 pi s**2)**-1.5; degree l >= 1 of
    # the first order has sum_m int |psi|**2 = (2 l + 1) c_l**2 ... checked via q = 2
    # against the radial integral of |u|**(2 l) exp(-|u|**2 / tau**2)
    s, sigma = 0.3, 0.4
    tau = math.hypot(s, sigma)
    out = gaussian_scattering_integrals(
        np.zeros((1, 1, 3)),
        np.array([[[2.0]]]),
        get_backend("numba"),
        s=s,
        sigmas=[0.0, sigma],
        L=2,
        powers=(1.0, 2.0),
    )[0, 0]
    # the 5-width cut-off keeps all but 1.5e-5 of the mass
    np.testing.assert_allclose(out[0, 0], [2.0, 4.0 * (4 * np.pi * s * s) ** -1.5], rtol=2e-5)
    from skscat.filters.solid_harmonic3d import solid_harmonic_norm

    for l in (1, 2):
        c = solid_harmonic_norm(l) * tau ** (-3 - l) * (sigma / tau) ** l
        # sum_m S_lm(u)**2 = (2 l + 1) |u|**(2 l) / (4 pi); radial integral in closed form
        radial = 0.5 * tau ** (2 * l + 3) * math.gamma(l + 1.5)
        expected = 4.0 * c * c * (2 * l + 1) * radial
        assert abs(out[1, l, 1] / expected - 1) < 1e-4


def test_invariances():
    sig = [0.0, 0.25, 0.5, 1.0]
    backend = get_backend("numba")
    base = gaussian_scattering_integrals(R, W, backend, s=0.2, sigmas=sig, L=3, powers=POWERS)
    perm = gaussian_scattering_integrals(
        R[:, [2, 0, 1]], W[:, :, [2, 0, 1]], backend, s=0.2, sigmas=sig, L=3, powers=POWERS
    )
    np.testing.assert_allclose(perm, base, rtol=1e-12)
    for seed in range(3):
        rot = Rotation.random(random_state=seed).as_matrix()
        shift = np.random.default_rng(seed).uniform(-3, 3, 3)
        moved = gaussian_scattering_integrals(
            R @ rot.T + shift, W, backend, s=0.2, sigmas=sig, L=3, powers=POWERS
        )
        np.testing.assert_array_equal(moved[:, :, 0, 1:], 0)
        order0 = np.abs(moved[:, :, 0, 0] / base[:, :, 0, 0] - 1)
        rel = np.maximum(np.abs(moved[:, :, 1:] / base[:, :, 1:] - 1), order0[:, :, None, None])
        # lattice sums (the integrand is not smooth at the zeros of U): ~1e-3
        assert rel.max() < 3e-3, rel.max(axis=(0, 1, 2))
