"""PhaseHarmonics2D: parity with pywph, invariances, phase statistics, estimator contract."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat import ShapeWarning
from skscat.backends import available_backends
from skscat.phase_harmonics import FAMILIES, PhaseHarmonics2D, moment_table_2d
from tests.conftest import relative_error


def import_pywph():
    """pywph, a reference library of the test extra: missing is a failure, not a skip."""
    import pywph
    import torch  # noqa: F401 - pywph's dependency, imported first as pywph expects

    return pywph


def pywph_coefficients(X, H, W, J, L, dn, precision="single"):
    """pywph 1.1's raw moments (periodic, norm=None) of images ``X``, complex."""
    pw = import_pywph()
    import torch

    # cut_*_param only shapes pywph's weights for non-periodic data, unused
    # with pbc=True; small values let its constructor accept 2**J close to H, W.
    op = pw.WPHOp(H, W, J, L=L, dn=dn, cut_x_param=0.01, cut_y_param=0.01, precision=precision)
    return op.apply(torch.from_numpy(X.reshape(-1, H, W)), norm=None).numpy()


def textured_images(n, H, W, seed=0, dtype=np.float64):
    """Non-Gaussian test images (a Gaussian field and its square), so every family is non-zero."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, H, W))
    return (g + np.roll(g, 1, axis=-1) ** 2).reshape(n, H * W).astype(dtype)


def gaussian_field(n, size, slope=3.0, seed=0):
    """Stationary Gaussian random fields with a power-law spectrum."""
    rng = np.random.default_rng(seed)
    k = np.fft.fftfreq(size)
    kk = np.hypot(k[:, None], k[None, :])
    kk[0, 0] = 1.0
    amp = kk ** (-slope / 2)
    amp[0, 0] = 0.0
    white = rng.standard_normal((n, size, size))
    return np.fft.ifft2(np.fft.fft2(white) * amp).real.reshape(n, -1)


def spike_field(n, size, n_spikes=20, seed=0):
    """Sparse positive point sources on a zero background."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, size * size))
    for i in range(n):
        X[i, rng.choice(size * size, n_spikes, replace=False)] = 1 + rng.exponential(1, n_spikes)
    return X


def edge_field(n, size, seed=0):
    """Piecewise-constant images: overlapping bright rectangles (sharp edges)."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, size, size))
    for i in range(n):
        for _ in range(6):
            r0, c0 = rng.integers(0, size, 2)
            h, w = rng.integers(6, 20, 2)
            rect = np.zeros((size, size))
            rect[:h, :w] = 1.0
            X[i] += np.roll(rect, (r0, c0), axis=(0, 1))
    return X.reshape(n, -1)


def family_mask(est, family, part="_re"):
    names = est.get_feature_names_out()
    return np.array([n.startswith(family + "_") and n.endswith(part) for n in names])


# -- parity with pywph 1.1 -----------------------------------------------------
PARITY_CASES = [
    # (H, W, J, L, delta_n)
    (32, 32, 4, 4, 0),
    (32, 32, 4, 4, 2),
    (17, 23, 3, 3, 1),
    (40, 24, 4, 6, 2),
    (24, 24, 3, 8, 1),
    (33, 33, 5, 2, 0),
    (16, 20, 2, 1, 1),
]


@pytest.mark.parametrize("H, W, J, L, dn", PARITY_CASES)
def test_equals_pywph_float32(H, W, J, L, dn):
    X = textured_images(3, H, W, seed=H + W + J, dtype=np.float32)
    ref = pywph_coefficients(X, H, W, J, L, dn)
    expected = np.concatenate([ref.real, ref.imag], axis=1)
    est = PhaseHarmonics2D(J=J, L=L, shape=(H, W), delta_n=dn, normalize=None, backend="numpy")
    got = est.fit_transform(X)
    assert got.dtype == np.float32
    assert est.n_moments_ == ref.shape[1]
    assert got.shape == expected.shape
    assert relative_error(got, expected) <= 1e-5
    # each family on its own scale, too
    table = est.moment_table_
    for family in table.families:
        cols = np.flatnonzero(table.family == family)
        if not cols.size:  # C01 is empty for L = 1
            continue
        cols = np.concatenate([cols, cols + est.n_moments_])
        assert relative_error(got[:, cols], expected[:, cols]) <= 1e-5, family


@pytest.mark.parametrize("H, W, J, L, dn", [(32, 32, 4, 4, 2), (17, 23, 3, 3, 1)])
def test_equals_pywph_float64(H, W, J, L, dn):
    X = textured_images(2, H, W, seed=1)
    ref = pywph_coefficients(X, H, W, J, L, dn, precision="double")
    est = PhaseHarmonics2D(J=J, L=L, shape=(H, W), delta_n=dn, normalize=None, backend="numpy")
    got = est.fit_transform(X)
    assert got.dtype == np.float64
    assert relative_error(got, np.concatenate([ref.real, ref.imag], axis=1)) <= 1e-10


@pytest.mark.parametrize("J, L, dn", [(7, 4, 0), (8, 8, 0), (8, 8, 2), (5, 6, 1), (3, 3, 3)])
def test_counts_equal_pywph(J, L, dn):
    pw = import_pywph()
    size = 2**J + 2
    op = pw.WPHOp(size, size, J, L=L, dn=dn, cut_x_param=0.01, cut_y_param=0.01)
    table = moment_table_2d((size, size), J, L, dn, FAMILIES)
    assert len(table) == op.nb_wph_moments + op.nb_scaling_moments
    # and the same moments in the same order: (j1, t1, p1, j2, t2, p2, n, alpha)
    ours = np.stack(
        [table.j1, table.t1, table.p1, table.j2, table.t2, table.p2, table.n, table.a], 1
    )
    theirs = op.wph_moments_indices.cpu().numpy()[:, :8]
    np.testing.assert_array_equal(ours[: op.nb_wph_moments], theirs)


def test_513_moments_for_J7_L4():
    assert len(moment_table_2d((128, 128), 7, 4, 0, FAMILIES)) == 513
    est = PhaseHarmonics2D(J=7, L=4, normalize=None).fit(np.zeros((1, 128 * 128)))
    assert est.n_moments_ == 513
    assert est.n_features_out_ == 2 * 513


def test_filters_equal_pywph():
    pw = import_pywph()
    from skscat.filters.bump_steerable import K0, SIGMA0, bump_steerable_2d, gaussian_lowpass_2d

    for M, N, L in [(16, 16, 4), (17, 23, 3), (8, 12, 1)]:
        for j in range(3):
            for t in range(L):
                ref = pw.BumpSteerableWavelet(M, N, j, t * np.pi / L, k0=K0, L=L, fourier=True)
                np.testing.assert_allclose(
                    bump_steerable_2d(M, N, j, t * np.pi / L, L), ref.data, atol=1e-12
                )
        for j in (-1, 0, 2):
            ref = pw.GaussianFilter(M, N, j, sigma0=SIGMA0, fourier=True)
            np.testing.assert_allclose(gaussian_lowpass_2d(M, N, j), ref.data, atol=1e-12)


# -- invariances -----------------------------------------------------------------
@pytest.mark.parametrize("normalize", [None, "image"])
@pytest.mark.parametrize("wavelet", ["bump_steerable", "morlet"])
def test_circular_shift_invariance(normalize, wavelet):
    H, W = 24, 20
    X = textured_images(2, H, W, seed=3)
    shifted = np.roll(X.reshape(2, H, W), (5, -7), axis=(1, 2)).reshape(2, -1)
    est = PhaseHarmonics2D(
        J=3, L=4, shape=(H, W), delta_n=2, normalize=normalize, wavelet=wavelet, backend="numpy"
    ).fit(X)
    a, b = est.transform(X), est.transform(shifted)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12 * np.abs(a).max())


@pytest.mark.parametrize("wavelet", ["bump_steerable", "morlet"])
def test_contrast_and_offset_invariance(wavelet):
    X = textured_images(3, 32, 32, seed=4)
    est = PhaseHarmonics2D(J=4, L=4, delta_n=1, wavelet=wavelet, backend="numpy").fit(X)
    base = est.transform(X)
    for a, b in [(3.7, -12.0), (0.01, 250.0), (1.0, 1e3)]:
        np.testing.assert_allclose(est.transform(a * X + b), base, rtol=1e-7, atol=1e-9)
    # raw moments are not invariant: they scale like a**2
    raw = PhaseHarmonics2D(J=4, L=4, normalize=None, backend="numpy").fit(X)
    np.testing.assert_allclose(raw.transform(3 * X + 1), 9 * raw.transform(X), rtol=1e-7, atol=1e-9)


def test_contrast_inversion_flips_odd_moments():
    X = textured_images(2, 32, 32, seed=5)
    est = PhaseHarmonics2D(J=4, L=4, backend="numpy").fit(X)
    a, b = est.transform(X), est.transform(-X)
    odd = np.zeros(a.shape[1], dtype=bool)
    for family in ("S01", "C01", "Cphase"):
        odd |= family_mask(est, family, "_re") | family_mask(est, family, "_im")
    odd |= np.array(["p1=0_p2=1" in n for n in est.get_feature_names_out()])
    np.testing.assert_allclose(b[:, odd], -a[:, odd], atol=1e-9)
    np.testing.assert_allclose(b[:, ~odd], a[:, ~odd], atol=1e-9)


def test_normalised_features_are_bounded_and_named():
    X = textured_images(3, 32, 32, seed=6)
    est = PhaseHarmonics2D(J=4, L=4, delta_n=2, backend="numpy").fit(X)
    F = est.transform(X)
    names = est.get_feature_names_out()
    assert len(names) == F.shape[1] == est.n_features_out_
    assert len(set(names)) == len(names)
    assert np.all(np.abs(F) <= 1 + 1e-9)
    assert "Cphase_j1=1_j2=3_theta=2_re" in names
    assert "Cphase_j1=1_j2=3_theta=2_im" in names
    assert "S11_j=2_theta=1_n=1_alpha=3_re" in names
    assert "L_j=-1_p1=0_p2=1_re" in names
    # imaginary parts that vanish for real images are left out
    assert "S00_j=0_theta=0_im" not in names
    assert "S11_j=0_theta=0_im" not in names
    assert "L_j=0_p1=1_p2=1_im" not in names
    raw = PhaseHarmonics2D(J=4, L=4, delta_n=2, normalize=None, backend="numpy").fit(X)
    Fr = raw.transform(X)
    imag = Fr[:, raw.n_moments_ :]
    vanishing = raw.moment_table_.real
    assert np.abs(imag[:, vanishing]).max() <= 1e-12 * np.abs(Fr).max()


def test_constant_and_tiny_images_give_zeros_not_nan():
    est = PhaseHarmonics2D(backend="numpy")
    F = est.fit_transform(np.full((2, 64), 3.0))
    assert np.all(F == 0)
    for n_features in (1, 2, 3, 4, 5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ShapeWarning)
            F = PhaseHarmonics2D(backend="numpy").fit_transform(
                np.random.default_rng(n_features).standard_normal((3, n_features))
            )
        assert np.all(np.isfinite(F))


# -- phase statistics: zero for Gaussian fields, not for sparse ones -------------
def test_phase_moments_vanish_for_gaussian_fields_only():
    size, n = 64, 16
    est = PhaseHarmonics2D(J=4, L=4, shape=(size, size), backend="numpy")

    def phase_stats(X):
        F = est.fit_transform(X)
        cphase = F[:, family_mask(est, "Cphase")].mean(axis=0)
        c01 = F[:, family_mask(est, "C01")].mean(axis=0)
        return np.abs(cphase).mean(), np.abs(c01).mean()

    grf_cphase, grf_c01 = phase_stats(gaussian_field(n, size))
    spike_cphase, spike_c01 = phase_stats(spike_field(n, size))
    _, edge_c01 = phase_stats(edge_field(n, size))
    assert grf_cphase < 0.03 and grf_c01 < 0.03
    assert spike_cphase > 0.2 and spike_c01 > 0.2
    assert edge_c01 > 0.08


# -- estimator contract ---------------------------------------------------------
def test_default_J_follows_the_image():
    for size, J in [(8, 3), (32, 5), (33, 5), (64, 6)]:
        est = PhaseHarmonics2D(backend="numpy").fit(np.zeros((1, size * size)))
        assert est.J_ == J
    est = PhaseHarmonics2D(backend="numpy", shape=(4, 40)).fit(np.zeros((1, 160)))
    assert est.J_ == 2


def test_J_too_large_is_a_clear_error():
    with pytest.raises(ValueError, match="J=6 needs"):
        PhaseHarmonics2D(J=6).fit(np.zeros((2, 32 * 32)))


@pytest.mark.parametrize("moments", [(), ("S11", "nope"), 3])
def test_bad_moments(moments):
    with pytest.raises((ValueError, TypeError)):
        PhaseHarmonics2D(moments=moments).fit(np.zeros((2, 16)))


def test_moment_subsets_are_slices_of_the_full_transform():
    X = textured_images(2, 32, 32, seed=7)
    full = PhaseHarmonics2D(J=4, delta_n=1, normalize=None, backend="numpy").fit(X)
    F = full.transform(X)
    names = list(full.get_feature_names_out())
    for subset in [("Cphase",), ("S11", "L"), ("C01", "S00")]:
        part = PhaseHarmonics2D(J=4, delta_n=1, moments=subset, normalize=None, backend="numpy")
        G = part.fit_transform(X)
        idx = [names.index(n) for n in part.get_feature_names_out()]
        np.testing.assert_allclose(G, F[:, idx], rtol=1e-12, atol=1e-14)


def test_set_params_rebuilds_and_clone_pickle():
    X = textured_images(2, 32, 32, seed=8)
    est = PhaseHarmonics2D(J=2, backend="numpy").fit(X)
    n_small = est.n_features_out_
    est.set_params(J=4, delta_n=1).fit(X)
    assert est.n_features_out_ > n_small
    assert est.transform(X).shape == (2, est.n_features_out_)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(X), est.transform(X))
    assert clone(est).get_params() == est.get_params()


def test_batches_and_threads_do_not_change_results():
    X = textured_images(5, 24, 24, seed=9)
    ref = PhaseHarmonics2D(J=3, delta_n=1, backend="numpy").fit_transform(X)
    for kw in ({"batch_size": 1}, {"batch_size": 2, "n_jobs": 2}, {"n_jobs": -1}):
        got = PhaseHarmonics2D(J=3, delta_n=1, backend="numpy", **kw).fit_transform(X)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("backend", [b for b in available_backends() if b != "numpy"])
def test_backends_agree(backend):
    X = textured_images(3, 32, 32, seed=10, dtype=np.float32)
    ref = PhaseHarmonics2D(J=4, delta_n=1, normalize=None, backend="numpy").fit_transform(X)
    got = PhaseHarmonics2D(J=4, delta_n=1, normalize=None, backend=backend).fit_transform(X)
    if not isinstance(got, np.ndarray):
        got = got.get()
    assert relative_error(got, ref) <= 1e-5


def test_pandas_output():
    pd = pytest.importorskip("pandas")
    X = textured_images(2, 16, 16, seed=11)
    est = PhaseHarmonics2D(J=2, backend="numpy").set_output(transform="pandas")
    out = est.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(est.get_feature_names_out())


@parametrize_with_checks([PhaseHarmonics2D()])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShapeWarning)
        check(estimator)


def test_absurd_L_is_a_clear_error_before_the_moment_table_is_built():
    X = np.random.default_rng(0).random((2, 32 * 32))
    with pytest.raises(ValueError, match="single sample needs about .* lower J, L"):
        PhaseHarmonics2D(J=4, L=10**4).fit(X)


@pytest.mark.parametrize("wavelet", ["bump_steerable", "morlet"])
def test_normalised_features_stay_in_the_unit_interval_and_reach_it(wavelet):
    """Every normalised feature lies in [-1, 1]; a plane cosine at the frequency
    the j = -1 low-pass passes most gives exactly 1 for L(-1, 1, 1)."""
    M = 32  # a grid on which the raw j = -1 gain exceeds 1 (1.0081)
    est = PhaseHarmonics2D(J=2, L=2, wavelet=wavelet, backend="numpy")
    est.fit(np.zeros((1, M * M)))
    names = list(est.get_feature_names_out())
    u = np.arange(M)
    waves = [
        np.cos(2 * np.pi * (a * u[:, None] + b * u[None, :]) / M).ravel()
        for a in range(M // 2 + 1)
        for b in range(-M // 2 + 1, M // 2 + 1)
        if (a, b) != (0, 0) and not (a == 0 and b < 0)
    ]
    noise = np.random.default_rng(0).standard_normal((10, M * M))
    Y = est.transform(np.vstack(waves + [noise]))
    top = Y[: len(waves), names.index("L_j=-1_p1=1_p2=1_re")]
    assert np.abs(Y).max() <= 1 + 1e-12, top.max()
    assert abs(top.max() - 1) < 1e-12
