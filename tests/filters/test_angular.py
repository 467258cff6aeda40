"""The angular wavelet frame of the roto-translation scattering."""

import numpy as np
import pytest

from skscat.filters.angular import (
    angular_band_factors,
    angular_filters,
    angular_filters_fourier,
    angular_fourier_bases,
    angular_mixing,
    n_angular_wavelets,
)


@pytest.mark.parametrize("L", [1, 2, 3, 4, 6, 8, 12, 16])
def test_littlewood_paley_sum_is_one(L):
    F = angular_filters_fourier(L)
    assert F.shape == (n_angular_wavelets(L) + 1, 2 * L)
    np.testing.assert_allclose((F**2).sum(axis=0), 1.0, rtol=0, atol=4e-16)


@pytest.mark.parametrize("L", [2, 4, 6, 8])
def test_filters_are_real_even_wavelets_and_an_average(L):
    h = angular_filters(L)
    F = angular_filters_fourier(L)
    np.testing.assert_allclose(h, np.roll(h[:, ::-1], 1, axis=1), atol=1e-16)  # even
    np.testing.assert_allclose(np.fft.fft(h, axis=1).imag, 0, atol=1e-15)
    assert np.abs(F[:-1, 0]).max() == 0  # wavelets: zero mean over the circle
    np.testing.assert_allclose(h[-1], 1 / (2 * L), rtol=1e-15)  # low-pass: the average
    if L & (L - 1):
        return
    # wavelet k is centred on angular frequency L / 2**k
    m_peak = np.abs(np.fft.fftfreq(2 * L, 1 / (2 * L)))[F[:-1].argmax(axis=1)]
    np.testing.assert_array_equal(m_peak, [L // 2**k for k in range(F.shape[0] - 1)])


@pytest.mark.parametrize("L", [3, 4, 8])
def test_mixing_matrices_are_the_circular_convolution_and_keep_energy(L):
    rng = np.random.default_rng(L)
    W = rng.standard_normal((L, 5)) + 1j * rng.standard_normal((L, 5))
    P, Q = angular_mixing(L)
    Y = np.einsum("ktp,pb->ktb", P, W.real) + 1j * np.einsum("ktp,pb->ktb", Q, W.imag)
    # direct convolution on the 2L angles of the extension W(t + L) = conj(W(t))
    ext = np.concatenate([W, W.conj()])
    h = angular_filters(L)
    direct = np.fft.ifft(np.fft.fft(h, axis=1)[:, :, None] * np.fft.fft(ext, axis=0), axis=1)
    np.testing.assert_allclose(Y, direct[:, :L], atol=1e-14)
    np.testing.assert_allclose(direct[:, L:], direct[:, :L].conj(), atol=1e-14)
    # tight frame: the energy on the L stored angles is kept exactly
    np.testing.assert_allclose((np.abs(Y) ** 2).sum(), (np.abs(W) ** 2).sum(), rtol=1e-14)


@pytest.mark.parametrize("L", [1, 2, 3, 5, 8, 12, 16])
def test_fourier_bases_are_orthogonal_periodic_and_antiperiodic(L):
    DP, mP, DQ, mQ = angular_fourier_bases(L)
    assert DP.shape == DQ.shape == (L, L)
    np.testing.assert_allclose(DP @ DP.T, np.eye(L), atol=1e-14)
    np.testing.assert_allclose(DQ @ DQ.T, np.eye(L), atol=1e-14)
    assert np.all(mP % 2 == 0) and np.all(mQ % 2 == 1)
    assert np.all(np.diff(mP) >= 0) and np.all(np.diff(mQ) >= 0)
    # extended to 2L angles, the rows repeat (P) or change sign (Q) after L steps
    t = np.arange(2 * L)
    for D, m, s in ((DP, mP, 1), (DQ, mQ, -1)):
        ext = np.stack([np.cos(np.pi * f * t / L) for f in m])
        is_sin = np.abs(ext[:, :L] @ D.T).max(axis=1) < 1e-9  # not a cosine row
        ext[is_sin] = np.sin(np.pi * m[is_sin, None] * t / L)
        np.testing.assert_allclose(ext[:, L:], s * ext[:, :L], atol=1e-12)


@pytest.mark.parametrize("L", [1, 2, 3, 4, 6, 8, 12, 16])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_band_factors_reproduce_the_mixing_matrices(L, dtype):
    tol = max(L, 2) * np.finfo(dtype).eps  # sums of L products of entries at most 1
    P, Q = angular_mixing(L, dtype)
    DP, DQ, EP, EQ, bands = angular_band_factors(P, Q)
    assert DP.dtype == EP.dtype == np.dtype(dtype) and bands.shape == (P.shape[0], 4)
    F = angular_filters_fourier(L)
    _, mP, _, mQ = angular_fourier_bases(L)
    for k in range(P.shape[0]):
        plo, phi, qlo, qhi = bands[k]
        # only the band is read: its columns times the basis give P and Q back
        np.testing.assert_allclose(EP[k, :, plo:phi] @ DP[plo:phi], P[k], rtol=0, atol=tol)
        np.testing.assert_allclose(EQ[k, :, qlo:qhi] @ DQ[qlo:qhi], Q[k], rtol=0, atol=tol)
        # the band is the filter's support in frequency, nothing more
        assert set(mP[plo:phi]) == set(mP[F[k, mP] != 0])
        assert set(mQ[qlo:qhi]) == set(mQ[F[k, mQ] != 0])
    if L == 12:  # 2 L**2 products per filter before, 42 L all filters together after
        assert (bands[:, 1] - bands[:, 0] + bands[:, 3] - bands[:, 2]).sum() == 42
