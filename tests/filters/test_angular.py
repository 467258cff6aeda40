"""The angular wavelet frame of the roto-translation scattering."""

import numpy as np
import pytest

from skscat.filters.angular import (
    angular_filters,
    angular_filters_fourier,
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
