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
    t = np.arange(L)
    for D, m in ((DP, mP), (DQ, mQ)):
        # cosines by increasing frequency, then sines by increasing frequency
        down = np.flatnonzero(np.diff(m) <= 0)
        n_cos = down[0] + 1 if down.size else len(m)
        assert np.all(np.diff(m[:n_cos]) > 0) and np.all(np.diff(m[n_cos:]) > 0)
        want = np.concatenate(
            [np.cos(np.pi * m[:n_cos, None] * t / L), np.sin(np.pi * m[n_cos:, None] * t / L)]
        )
        want /= np.linalg.norm(want, axis=1, keepdims=True)
        np.testing.assert_allclose(D, want, atol=1e-15)


@pytest.mark.parametrize("L", [1, 2, 3, 4, 6, 8, 12, 16])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_band_factors_reproduce_the_mixing_matrices(L, dtype):
    tol = max(L, 2) * np.finfo(dtype).eps  # sums of L products of entries at most 1
    P, Q = angular_mixing(L, dtype)
    DP, DQ, EP, EQ, groups, bands, mirror = angular_band_factors(P, Q)
    assert DP.dtype == EP.dtype == np.dtype(dtype) and bands.shape == (P.shape[0], 8)
    assert mirror  # the filters are even: outputs at th and L - th pair up
    F = angular_filters_fourier(L)
    _, mP, _, mQ = angular_fourier_bases(L)
    for j, (M, D, E, m) in enumerate(((P, DP, EP, mP), (Q, DQ, EQ, mQ))):
        (elo, ehi, olo, ohi) = groups[j]
        # the two groups split the rows: even, then odd under t -> L - t
        assert sorted([*range(elo, ehi), *range(olo, ohi)]) == list(range(L))
        if L > 2:
            np.testing.assert_allclose(D[elo:ehi, :0:-1], D[elo:ehi, 1:], atol=1e-14)
            np.testing.assert_allclose(D[olo:ohi, :0:-1], -D[olo:ohi, 1:], atol=1e-14)
        for k in range(P.shape[0]):
            a, b, c, d = bands[k, 4 * j : 4 * j + 4]
            assert (a == b or elo <= a < b <= ehi) and (c == d or olo <= c < d <= ohi)
            # only the bands are read: their columns times the basis give P and Q back
            got = E[k, :, a:b] @ D[a:b] + E[k, :, c:d] @ D[c:d]
            np.testing.assert_allclose(got, M[k], rtol=0, atol=tol)
            # each band is the filter's support in frequency, nothing more
            live = F[k, m] != 0
            assert set(m[a:b]) | set(m[c:d]) == set(m[live])
            if mirror:  # the reflected output is the even part minus the odd part
                np.testing.assert_allclose(E[k, :0:-1, a:b], E[k, 1:, a:b], atol=tol)
                np.testing.assert_allclose(E[k, :0:-1, c:d], -E[k, 1:, c:d], atol=tol)
    if L == 12:  # columns read per output angle: 42 for the 6 filters, against 2 L each
        assert (bands[:, 1::2] - bands[:, ::2]).sum() == 42
