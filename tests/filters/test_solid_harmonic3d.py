"""Solid harmonic 3-D filter bank: Kymatio's filters, split into Hermitian part and remainder."""

from __future__ import annotations

import numpy as np
import pytest

from skscat.filters.solid_harmonic3d import (
    frequency_grid,
    real_spherical_harmonics,
    solid_harmonic_filter_bank_3d,
    solid_harmonic_filters_3d,
)


def _full_from_bank(bank, l):
    """Rebuild the real (phase-removed) filters from the half spectra and planes."""
    M, N, O = bank.shape
    half = bank.half[l]
    full = np.empty(half.shape[:2] + (M, N, O))
    full[..., : O // 2 + 1] = half
    # columns above O // 2 from the l-parity of the Hermitian part: k -> -k
    k0 = (-np.arange(M)) % M
    k1 = (-np.arange(N)) % N
    k2 = O - np.arange(O // 2 + 1, O)
    full[..., O // 2 + 1 :] = (-1) ** l * half[..., k0[:, None, None], k1[None, :, None], k2]
    p0, p1, p2 = bank.planes[l]
    if p0 is not None:
        full[..., M // 2, :, :] += p0
    if p1 is not None:
        full[..., :, N // 2, :] += p1
    if p2 is not None:
        full[..., :, :, O // 2] += p2
    return full


@pytest.mark.parametrize("shape", [(8, 8, 8), (8, 6, 10), (7, 8, 9)])
def test_bank_reassembles_the_filters(shape):
    bank = solid_harmonic_filter_bank_3d(*shape, 1, 3, 1.0, "float64")
    for l, full in enumerate(solid_harmonic_filters_3d(*shape, 1, 3, 1.0)):
        real = (full * 1j**l).real
        np.testing.assert_allclose((full * 1j**l).imag, 0, atol=1e-15)
        np.testing.assert_allclose(_full_from_bank(bank, l), real, atol=1e-14)


def test_hermitian_bank_has_no_planes_and_real_wavelets():
    bank = solid_harmonic_filter_bank_3d(8, 8, 8, 1, 2, 1.0, "float64", remainders=False)
    assert not bank.has_planes
    assert solid_harmonic_filter_bank_3d(8, 8, 8, 1, 2, 1.0, "float64").has_planes
    for l in range(3):
        full = _full_from_bank(bank, l) * (-1j) ** l
        space = np.fft.ifftn(full, axes=(-3, -2, -1))
        np.testing.assert_allclose(space.imag, 0, atol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_boxes_hold_every_filter_value_the_dtype_sees(dtype):
    shape, J, L, sigma_0 = (40, 32, 24), 2, 3, 2.0
    bank = solid_harmonic_filter_bank_3d(*shape, J, L, sigma_0, dtype)
    eps = np.finfo(dtype).eps
    k = [np.minimum(np.arange(n), n - np.arange(n)) for n in shape]  # |k| of each index
    pruned = 0
    for l, full in enumerate(solid_harmonic_filters_3d(*shape, J, L, sigma_0)):
        for j in range(J + 1):
            box = bank.boxes[l][j]
            if box is None:
                assert bank.half_box[l][j] is None
                continue
            pruned += 1
            inside = (
                (k[0][:, None, None] <= box[0])
                & (k[1][None, :, None] <= box[1])
                & (k[2][None, None, :] <= box[2])
            )
            a = np.abs(full[j])
            assert a[:, ~inside].max() <= eps / 16 * a.max()
            # the box's filters are the half spectra on it (indices 0..c then -c..-1)
            c0, c1, c2 = box
            rows = np.r_[0 : c0 + 1, shape[0] - c0 : shape[0]]
            cols = np.r_[0 : c1 + 1, shape[1] - c1 : shape[1]]
            expected = bank.half[l][j][:, rows][:, :, cols][..., : c2 + 1]
            np.testing.assert_array_equal(bank.half_box[l][j], expected)
            assert not bank.half_box[l][j].flags.writeable
    assert pruned >= L + 1  # j = 2 at least is band-limited on this grid


def test_remainders_kept_where_their_energy_is_above_the_precision():
    # sigma = 2 samples: Kymatio's remainders are ~6e-7 of the peak at j = 0,
    # an energy of ~4e-13: seen by float64, not by float32
    b64 = solid_harmonic_filter_bank_3d(16, 16, 16, 1, 3, 2.0, "float64")
    b32 = solid_harmonic_filter_bank_3d(16, 16, 16, 1, 3, 2.0, "float32")
    assert b64.plane_scales == [(), (0,), (0,), (0,)]
    assert b64.has_planes and not b32.has_planes
    assert b32.plane_scales == [(), (), (), ()]
    for l in range(1, 4):
        assert all(np.all(p[1] == 0) for p in b64.planes[l] if p is not None)


def test_l0_is_a_gaussian_and_cached():
    bank = solid_harmonic_filter_bank_3d(8, 8, 8, 2, 1, 1.5, "float64")
    assert bank is solid_harmonic_filter_bank_3d(8, 8, 8, 2, 1, 1.5, "float64")
    omega = frequency_grid(8, 8, 8)
    r2 = (omega**2).sum(0)
    for j in range(3):
        sigma = 1.5 * 2**j
        np.testing.assert_allclose(bank.half[0][j, 0], np.exp(-0.5 * sigma**2 * r2)[..., :5])
    assert not bank.half[0].flags.writeable


def test_real_harmonics_are_orthonormal():
    # Gauss-Legendre in cos(theta) times a uniform azimuth grid integrates
    # products of degree <= 8 exactly
    x, w = np.polynomial.legendre.leggauss(12)
    phi = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    theta = np.arccos(x)[:, None] * np.ones_like(phi)
    weights = w[:, None] * (2 * np.pi / 24)
    for l in range(4):
        Y = real_spherical_harmonics(l, theta, phi * np.ones_like(theta))
        gram = np.einsum("ipq,jpq,pq->ij", Y, Y, weights)
        np.testing.assert_allclose(gram, np.eye(2 * l + 1), atol=1e-12)
