"""The separable low-pass matrices, and their shifted lattices."""

import numpy as np
import pytest

from skscat.filters.lowpass_matrices import lowpass_matrices_2d
from skscat.filters.morlet2d import morlet_filter_bank_2d


def lowpass_fourier(u, phi, k, offset):
    """``(u * phi)`` read at ``k p + offset`` (map samples), by a Fourier phase ramp."""
    M, N = u.shape
    fy = np.fft.fftfreq(M, 1.0 / M)[:, None]
    fx = np.fft.fftfreq(N, 1.0 / N)[None, :]
    ramp = np.exp(2j * np.pi * (fy * offset[0] / M + fx * offset[1] / N))
    return np.fft.ifft2(np.fft.fft2(u) * phi * ramp).real[::k, ::k]


@pytest.mark.parametrize("res", [0, 1])
@pytest.mark.parametrize("offset", [(0.0, 0.0), (3.5, -1.5), (8.0, 4.0)])
def test_matrices_equal_the_fourier_lowpass(rng, res, offset):
    M, N, J, L = 32, 40, 3, 4
    h, w = 2, 3
    phi = morlet_filter_bank_2d(M, N, J, L, "float64").phi[res]
    u = rng.standard_normal((M // 2**res, N // 2**res))
    rows, cols = lowpass_matrices_2d(M, N, J, L, res, (h, w), False, "float64", offset)
    k = 2 ** (J - res)
    shift = (offset[0] / 2**res, offset[1] / 2**res)
    want = lowpass_fourier(u, phi, k, shift)[1 : 1 + h, 1 : 1 + w]
    # a shift off the samples makes the Nyquist terms complex; the two forms
    # take their real parts per axis and in 2-D: they differ by phi there (1e-13)
    np.testing.assert_allclose(rows @ u @ cols.T, want, rtol=1e-12, atol=1e-12)


def test_whole_offsets_move_the_positions(rng):
    M, N, J, L = 32, 32, 3, 4
    plain = lowpass_matrices_2d(M, N, J, L, 0, (3, 3), False, "float64")
    moved = lowpass_matrices_2d(M, N, J, L, 0, (2, 3), False, "float64", (8.0, 0.0))
    np.testing.assert_allclose(moved[0], plain[0][1:], atol=1e-15)
    np.testing.assert_allclose(moved[1], plain[1], atol=0)
