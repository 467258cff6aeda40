"""PhaseHarmonics1D: a direct reference, invariances, phase coupling, estimator contract."""

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat.phase_harmonics import FAMILIES, PhaseHarmonics1D, moment_table_1d
from skscat.phase_harmonics._banks import gaussian_lowpass_1d, morlet_bank_1d
from tests.conftest import relative_error


def signals(n, N, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, N))
    return (g + np.roll(g, 1, axis=-1) ** 2).astype(dtype)


def gaussian_process(n, N, seed=0):
    rng = np.random.default_rng(seed)
    f = np.abs(np.fft.fftfreq(N))
    f[0] = 1.0
    amp = 1.0 / f
    amp[0] = 0.0
    return np.fft.ifft(np.fft.fft(rng.standard_normal((n, N))) * amp).real


def spike_train(n, N, n_spikes=10, seed=0):
    rng = np.random.default_rng(seed)
    X = np.zeros((n, N))
    for i in range(n):
        X[i, rng.choice(N, n_spikes, replace=False)] = 1 + rng.exponential(1, n_spikes)
    return X


def direct_moments(x, J, dn):
    """The 1-D moments by their definition, with explicit lags (np.roll), in table order."""
    N = x.size
    table = moment_table_1d(N, J, dn, FAMILIES)
    psi, _, _ = morlet_bank_1d(N, J)
    psi[:, 0] = 0.0
    W = np.fft.ifft(np.fft.fft(x)[None] * psi, axis=-1)

    def harmonic(z, k):
        return np.abs(z) if k == 0 else np.abs(z) * np.exp(1j * k * np.angle(z))

    def cov(U, V, tau):
        U = U - U.mean()
        V = V - V.mean()
        return np.mean(np.roll(U, -tau) * np.conj(V))

    out = []
    for i in range(len(table)):
        fam, j1, p1, j2, p2, tau = (
            table.family[i],
            table.j1[i],
            table.p1[i],
            table.j2[i],
            table.p2[i],
            table.tau[i, 0],
        )
        if fam == "L":
            y = np.fft.ifft(np.fft.fft(x) * gaussian_lowpass_1d(N, j1)[0]).real
            y = y - y.mean()
            out.append(cov(harmonic(y, p1), harmonic(y, p2), 0))
        else:
            out.append(cov(harmonic(W[j1], p1), harmonic(W[j2], p2), tau))
    return np.array(out)


@pytest.mark.parametrize("N, J, dn", [(64, 4, 0), (64, 4, 2), (100, 5, 1), (37, 3, 2)])
def test_equals_direct_definition(N, J, dn):
    X = signals(2, N, seed=N)
    est = PhaseHarmonics1D(J=J, delta_n=dn, normalize=None, backend="numpy").fit(X)
    got = est.transform(X)
    for i in range(2):
        ref = direct_moments(X[i], J, dn)
        assert relative_error(got[i], np.concatenate([ref.real, ref.imag])) <= 1e-10


def test_counts():
    J, dn = 6, 2
    table = moment_table_1d(256, J, dn, FAMILIES)
    pairs = J * (J - 1) // 2
    cphase = sum(1 + 2 * min(J - 1 - j2, dn) for j1 in range(J) for j2 in range(j1 + 1, J))
    expected = 2 * J * (1 + dn) + J + pairs * (1 + 2 * dn) + cphase + 3 * (J // 4 + 2)
    assert len(table) == expected


def test_wavelets_are_analytic_dyadic_and_zero_mean():
    psi, xi, sigma = morlet_bank_1d(512, 6)
    np.testing.assert_allclose(xi[:-1] / xi[1:], 2.0)
    f = np.fft.fftfreq(512)
    peaks = f[np.argmax(psi, axis=1)]
    np.testing.assert_allclose(peaks, xi, atol=2.0 / 512)
    # nearly analytic: little response at negative frequencies (away from the
    # Nyquist wrap of the finest wavelet)
    negative = (f < 0) & (f > -0.25)
    assert np.all(np.abs(psi[:, negative]).max(axis=1) < 0.05 * psi.max(axis=1))
    assert np.abs(psi[:, 0]).max() < 1e-12


@pytest.mark.parametrize("normalize", [None, "image"])
def test_circular_shift_invariance(normalize):
    X = signals(2, 96, seed=1)
    est = PhaseHarmonics1D(J=5, delta_n=2, normalize=normalize, backend="numpy").fit(X)
    a, b = est.transform(X), est.transform(np.roll(X, 17, axis=1))
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12 * np.abs(a).max())


def test_contrast_and_offset_invariance():
    X = signals(3, 128, seed=2)
    est = PhaseHarmonics1D(J=6, delta_n=1, backend="numpy").fit(X)
    base = est.transform(X)
    for a, b in [(2.5, 7.0), (1e-3, -40.0)]:
        np.testing.assert_allclose(est.transform(a * X + b), base, rtol=1e-7, atol=1e-9)
    assert np.all(np.abs(base) <= 1 + 1e-9)


def test_phase_coupling_vanishes_for_gaussian_processes_only():
    N, n = 1024, 8
    est = PhaseHarmonics1D(J=8, backend="numpy")

    def coupling(X):
        F = est.fit_transform(X)
        names = est.get_feature_names_out()
        out = []
        for family in ("Cphase", "C01"):
            mask = np.array([s.startswith(family) and s.endswith("_re") for s in names])
            out.append(np.abs(F[:, mask].mean(axis=0)).mean())
        return out

    gp = coupling(gaussian_process(n, N))
    spikes = coupling(spike_train(n, N))
    assert max(gp) < 0.05
    assert min(spikes) > 0.25


def test_names_and_shapes():
    X = signals(2, 256)
    est = PhaseHarmonics1D(J=5, delta_n=2, backend="numpy").fit(X)
    names = est.get_feature_names_out()
    assert len(names) == len(set(names)) == est.transform(X).shape[1]
    assert "Cphase_j1=1_j2=3_tau=-2_re" in names
    assert "S11_j=2_tau=+4_re" in names
    assert "S00_j=2_re" in names and "S00_j=2_im" not in names


def test_default_J_and_errors():
    assert PhaseHarmonics1D(backend="numpy").fit(np.zeros((1, 300))).J_ == 8
    assert PhaseHarmonics1D(backend="numpy").fit(np.zeros((1, 1))).J_ == 1
    with pytest.raises(ValueError, match="J=9 needs"):
        PhaseHarmonics1D(J=9).fit(np.zeros((1, 300)))
    with pytest.raises(ValueError, match="shape"):
        PhaseHarmonics1D(shape=10).fit(np.zeros((1, 12)))


@parametrize_with_checks([PhaseHarmonics1D()])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_normalised_features_stay_in_the_unit_interval_and_reach_it():
    """Every normalised feature lies in [-1, 1]; a cosine at the frequency the
    j = -1 low-pass passes most gives exactly 1 for L(-1, 1, 1), whose raw gain
    exceeds 1 there (aliasing of a narrow Gaussian)."""
    N = 64
    est = PhaseHarmonics1D(J=3, backend="numpy").fit(np.zeros((1, N)))
    names = list(est.get_feature_names_out())
    t = np.arange(N)
    cosines = np.cos(2 * np.pi * np.arange(1, N // 2 + 1)[:, None] * t / N)
    noise = np.random.default_rng(0).standard_normal((20, N))
    Y = est.transform(np.vstack([cosines, noise]))
    assert np.abs(Y).max() <= 1 + 1e-12
    top = Y[: N // 2, names.index("L_j=-1_p1=1_p2=1_re")]
    assert abs(top.max() - 1) < 1e-12
    raw = PhaseHarmonics1D(J=3, normalize=None, backend="numpy").fit(cosines)
    raw_l11 = raw.transform(cosines)[:, names.index("L_j=-1_p1=1_p2=1_re")]
    assert raw_l11.max() / 0.5 > 1.005  # the raw low-pass gain the normalisation divides out
