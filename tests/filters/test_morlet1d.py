"""Morlet 1-D filter banks: Kymatio 0.3's constants and filters, cached and vectorised."""

import warnings

import numpy as np
import pytest

from skscat.filters import FilterBank1D, morlet_1d, morlet_filter_bank_1d
from skscat.filters.morlet1d import morlet_params_1d, periodize_fourier_1d, temporal_support
from tests.conftest import import_kymatio_numpy


@pytest.fixture(scope="module")
def kfb():
    import_kymatio_numpy()
    from kymatio.scattering1d import filter_bank

    return filter_bank


@pytest.mark.parametrize("J", [1, 2, 4, 6, 8, 10])
@pytest.mark.parametrize("Q", [1, 2, 4, 8, 12, 16])
def test_params_equal_kymatio(kfb, J, Q):
    xi, sigma, j = kfb.compute_params_filterbank(0.1 / 2**J, Q, 5.0)
    ours = morlet_params_1d(J, Q)
    assert ours[0] == tuple(xi)
    assert ours[1] == tuple(sigma)
    assert ours[2] == tuple(j)


@pytest.mark.parametrize(
    "N, J, Q, T",
    [(8192, 6, (8, 1), 64), (1024, 4, (12, 2), 16), (4096, 8, (1, 1), 256), (512, 6, (4, 1), 20)],
)
def test_bank_equals_kymatio(kfb, N, J, Q, T):
    phi, psi1, psi2 = kfb.scattering_filter_factory(N, J, Q, T)
    bank = morlet_filter_bank_1d(N, J, Q[0], Q[1], T)
    assert isinstance(bank, FilterBank1D)
    assert bank.psi1.shape == (len(psi1), N)
    np.testing.assert_allclose(bank.psi1, [f["levels"][0] for f in psi1], rtol=0, atol=1e-14)
    for n2, f in enumerate(psi2):
        for k, level in enumerate(f["levels"][: len(bank.psi2)]):
            np.testing.assert_allclose(bank.psi2[k][n2], level, rtol=0, atol=1e-14)
    for k, level in enumerate(phi["levels"]):
        np.testing.assert_allclose(bank.phi[k], level, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(bank.xi1, [f["xi"] for f in psi1])
    np.testing.assert_array_equal(bank.sigma2, [f["sigma"] for f in psi2])
    np.testing.assert_array_equal(bank.j1, [f["j"] for f in psi1])
    assert bank.sigma_phi == phi["sigma"]


def test_bank_is_cached_readonly_and_typed():
    a = morlet_filter_bank_1d(1024, 6, 8, 1, 64)
    assert morlet_filter_bank_1d(1024, 6, 8, 1, 64) is a
    assert not a.psi1.flags.writeable and not a.phi[0].flags.writeable
    b = morlet_filter_bank_1d(1024, 6, 8, 1, 64, "float32")
    assert b.psi1.dtype == np.float32 and b.psi2[0].dtype == np.float32
    np.testing.assert_allclose(b.psi1, a.psi1, rtol=1e-6, atol=1e-7)
    # memoised blocks: same object each time, contiguous
    blk = a.block("psi2", 1, slice(3, 5))
    assert a.block("psi2", 1, slice(3, 5)) is blk and blk.flags.c_contiguous
    np.testing.assert_array_equal(blk, a.psi2[1][3:5])
    np.testing.assert_array_equal(a.block("psi1", 0, slice(0, 2), 0.5), 0.5 * a.psi1[:2])


def test_bank_rejects_non_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        morlet_filter_bank_1d(1000, 6, 1, 1, 64)


def test_morlet_zero_mean_unit_l1():
    psi = morlet_1d(2048, [0.35, 0.1, 0.01], [0.1, 0.03, 0.002])
    assert np.abs(psi[:, 0]).max() < 1e-12  # zero mean
    l1 = np.abs(np.fft.ifft(psi, axis=-1)).sum(-1)
    np.testing.assert_allclose(l1, 1.0, rtol=1e-12)
    phi = morlet_1d(2048, None, 0.001)
    np.testing.assert_allclose(np.abs(np.fft.ifft(phi)).sum(), 1.0, rtol=1e-12)


def test_morlet_vectorised_equals_kymatio(kfb):
    xi, sigma, _ = morlet_params_1d(6, 8)
    ours = morlet_1d(1024, xi, sigma)
    for row, (x, s) in zip(ours, zip(xi, sigma, strict=True), strict=True):
        np.testing.assert_allclose(row, kfb.morlet_1d(1024, x, s), rtol=0, atol=1e-15)


def test_too_narrow_filter_is_zero_not_nan():
    # all the energy of this wavelet falls between two frequency samples
    psi = morlet_1d(4, 0.003, 0.0004)
    assert np.isfinite(psi).all() and not psi.any()


def test_temporal_support_equals_kymatio(kfb):
    for N, sigma in [(4096, 0.1 / 64), (256, 0.1 / 64), (64, 0.01), (3, 0.05)]:
        h = kfb.gauss_1d(N, sigma).reshape(1, -1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = kfb.compute_temporal_support(h, criterion_amplitude=1e-3)
        assert temporal_support(h) == expected


def test_periodize_is_mean_of_aliases():
    h = np.arange(16.0)
    np.testing.assert_allclose(periodize_fourier_1d(h, 4), h.reshape(4, 4).mean(0))
    np.testing.assert_array_equal(periodize_fourier_1d(h, 1), h)
