"""Phase-aware scattering: Scattering2D(nonlinearity="relu", n_phases=A).

The rectifier acts on the phase: the DFT along alpha of
max(Re(exp(i alpha) z), 0) is gamma_hat(k) |z| exp(i k phase(z)), with
gamma_hat(0) = 1/pi, gamma_hat(+-1) = 1/4, gamma_hat(k) = 0 for odd |k| >= 3
(plus the aliases k + m A of a finite number of phases).
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat import Scattering2D, ShapeWarning
from skscat.scattering._nonlinearities import phase_relu


def gamma_hat(k):
    """Fourier coefficients of gamma(alpha) = max(cos(alpha), 0)."""
    k = np.asarray(k, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.cos(np.pi * k / 2) / (np.pi * (1 - k**2))
    return np.where(np.abs(k) == 1, 0.25, out)


def test_gamma_hat_values():
    assert gamma_hat(0) == pytest.approx(1 / np.pi)
    assert gamma_hat(1) == gamma_hat(-1) == 0.25
    assert gamma_hat(2) == pytest.approx(1 / (3 * np.pi))
    np.testing.assert_allclose(gamma_hat([3, 5, 7, -3]), 0, atol=1e-17)


@pytest.mark.parametrize("n_phases", [256, 1024])
def test_relu_over_phases_gives_phase_harmonics(rng, n_phases):
    z = (rng.standard_normal(50) + 1j * rng.standard_normal(50))[:, None]  # (K=50, S=1)
    u = phase_relu(z, n_phases, 1)  # (50 * A, 1): channel t * A + a
    u = u.reshape(50, n_phases)
    # Standard DFT along alpha, normalised: (1/A) sum_a u_a exp(-i k alpha_a).
    U = np.fft.fft(u, axis=-1) / n_phases
    r, phi = np.abs(z[:, 0]), np.angle(z[:, 0])
    for k in (0, 1, -1, 2, -2, 3, 4, 5, -5, 6, 7):
        expected = gamma_hat(k) * r * np.exp(1j * k * phi)
        # Aliasing of harmonics k + m A bounds the error by ~ 2 / (pi A^2) |z|.
        assert np.abs(U[:, k] - expected).max() <= 3.0 / n_phases**2 * r.max()
    # Odd harmonics beyond 1 vanish; +-1 is z / 4; 0 is |z| / pi.
    np.testing.assert_allclose(U[:, 0], r / np.pi, atol=3.0 / n_phases**2 * r.max())
    np.testing.assert_allclose(U[:, 1], z[:, 0] / 4, atol=3.0 / n_phases**2 * r.max())


def test_relu_over_phases_exact_with_aliases(rng):
    # With A phases the DFT is exactly sum_m gamma_hat(k + m A) |z| e^{i(k + mA) phi}.
    A = 8
    z = rng.standard_normal(20) + 1j * rng.standard_normal(20)
    U = np.fft.fft(phase_relu(z[:, None], A, 1).reshape(20, A), axis=-1) / A
    m = np.arange(-20000, 20001)
    for k in range(A):
        kk = k + m * A
        expected = (gamma_hat(kk)[None, :] * np.exp(1j * kk[None, :] * np.angle(z)[:, None])).sum(1)
        np.testing.assert_allclose(U[:, k], np.abs(z) * expected, atol=1e-5)


def test_mean_over_phases_is_modulus_over_pi(rng):
    A = 64
    X = rng.standard_normal((2, 16 * 16))
    modulus = Scattering2D(J=2, L=4, shape=(16, 16), max_order=1).fit_transform(X)
    relu = Scattering2D(
        J=2, L=4, shape=(16, 16), max_order=1, nonlinearity="relu", n_phases=A
    ).fit_transform(X)
    modulus = modulus.reshape(2, 1 + 2 * 4, -1)
    relu = relu.reshape(2, 1 + 2 * 4 * A, -1)
    np.testing.assert_array_equal(relu[:, 0], modulus[:, 0])  # order 0 unchanged
    mean = relu[:, 1:].reshape(2, 2 * 4, A, -1).mean(axis=2)
    err = np.abs(np.pi * mean - modulus[:, 1:]).max() / np.abs(modulus[:, 1:]).max()
    assert err <= 4.0 / A**2


def test_first_harmonic_is_linear_wavelet_response(rng):
    # The k = 1 harmonic of the rectified channels is z / 4: its low-pass is
    # (x * psi) * phi / 4, whatever the image, and the k = 0 one is |z| * phi / pi.
    A = 4
    X = rng.standard_normal((1, 16 * 16))
    est = Scattering2D(J=2, L=2, shape=(16, 16), max_order=1, nonlinearity="relu", n_phases=A)
    S = est.fit_transform(X).reshape(1 + 2 * 2 * A, -1)[1:].reshape(2 * 2, A, -1)
    # Even phase pairs: relu(a) - relu(-a) = a, so S(alpha) - S(alpha + pi) is linear in x.
    lin = S[:, 0] - S[:, 2]
    S2 = est.transform(2 * X).reshape(1 + 2 * 2 * A, -1)[1:].reshape(2 * 2, A, -1)
    np.testing.assert_allclose(S2[:, 0] - S2[:, 2], 2 * lin, rtol=1e-10, atol=1e-12)


def test_relu_paths_and_feature_names():
    J, L, A = 3, 2, 3
    X = np.zeros((1, 24 * 24))
    est = Scattering2D(J=J, L=L, shape=(24, 24), nonlinearity="relu", n_phases=A).fit(X)
    K = L * A
    assert est.n_paths_ == 1 + J * K + K * K * J * (J - 1) // 2
    assert est.transform(X).shape == (1, est.n_features_out_)
    names = est.get_feature_names_out()
    assert len(names) == est.n_features_out_ == len(set(names))
    per_path = est.output_shape_[0] * est.output_shape_[1]
    assert names[per_path] == "order1_j1=0_theta1=0_alpha1=0_y=0_x=0"
    assert names[2 * per_path] == "order1_j1=0_theta1=0_alpha1=1_y=0_x=0"
    assert names[(1 + A) * per_path] == "order1_j1=0_theta1=1_alpha1=0_y=0_x=0"
    assert names[(1 + J * K) * per_path] == (
        "order2_j1=0_theta1=0_alpha1=0_j2=1_theta2=0_alpha2=0_y=0_x=0"
    )
    assert all("alpha" in n for n in names[per_path:])


def test_relu_channels_are_phase_rotations(rng):
    # Phase alpha of one image is phase 0 of the image whose wavelet
    # coefficients are rotated by exp(i alpha): with two phases, channel 1 is
    # channel 0 of -x.
    X = rng.standard_normal((1, 16 * 16))
    est = Scattering2D(J=2, L=2, shape=(16, 16), max_order=1, nonlinearity="relu", n_phases=2)
    S = est.fit_transform(X).reshape(1 + 2 * 2 * 2, -1)
    Sm = est.transform(-X).reshape(1 + 2 * 2 * 2, -1)
    np.testing.assert_allclose(S[1::2], Sm[2::2], rtol=1e-10, atol=1e-13)


def test_default_is_modulus_and_parameters_are_checked():
    X = np.random.default_rng(0).standard_normal((2, 64))
    est = Scattering2D(J=1, L=2)
    assert est.nonlinearity == "modulus" and est.n_phases == 4
    ref = Scattering2D(J=1, L=2, nonlinearity="modulus", n_phases=7).fit_transform(X)
    np.testing.assert_array_equal(est.fit_transform(X), ref)  # n_phases ignored
    with pytest.raises(ValueError, match="nonlinearity"):
        Scattering2D(nonlinearity="tanh").fit(X)
    with pytest.raises(ValueError, match="n_phases"):
        Scattering2D(nonlinearity="relu", n_phases=0).fit(X)
    relu = Scattering2D(J=1, L=2, nonlinearity="relu", n_phases=2)
    assert clone(relu).get_params()["n_phases"] == 2
    relu.fit(X)
    relu.set_params(n_phases=3).fit(X)
    assert relu.n_paths_ == 1 + 2 * 3


@parametrize_with_checks([Scattering2D(J=1, L=2, nonlinearity="relu", n_phases=2)])
def test_sklearn_compatible_relu(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShapeWarning)
        check(estimator)


@pytest.mark.parametrize("average", [False, True])
def test_relu_same_numbers_on_every_cpu_backend(rng, average):
    from skscat.backends import available_backends

    X = rng.standard_normal((3, 20 * 18))
    params = dict(J=3, L=2, shape=(20, 18), nonlinearity="relu", n_phases=3, average=average)
    ref = Scattering2D(backend="numpy", **params).fit_transform(X)
    for backend in available_backends():
        if backend in ("numpy", "cupy"):
            continue
        got = Scattering2D(backend=backend, **params).fit_transform(X)
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())
