"""Scattering2D's vector-Jacobian product against central finite differences."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError

from skscat import Scattering2D
from skscat.backends import available_backends
from skscat.gradients import supports_gradients, value_and_grad, vjp

CPU_BACKENDS = [b for b in available_backends() if b in ("numpy", "numba")]


def fd_relative_errors(est, X, G, rng, n_dirs=3, eps=1e-5):
    """|FD - <grad, d>| / |<grad, d>| along random directions d, float64."""
    grad = vjp(est, X, G)
    errors = []
    for _ in range(n_dirs):
        d = rng.standard_normal(X.shape)
        plus = np.sum(est.transform(X + eps * d) * G)
        minus = np.sum(est.transform(X - eps * d) * G)
        fd = (plus - minus) / (2 * eps)
        errors.append(abs(fd - np.sum(grad * d)) / abs(np.sum(grad * d)))
    return max(errors)


CASES = [
    # (H, W, params)
    (16, 16, dict(J=2, L=4)),
    (17, 23, dict(J=2, L=3)),
    (32, 32, dict(J=3, L=4, average=True)),
    (12, 20, dict(J=2, L=4, max_order=1)),
    (1, 30, dict(J=2, L=4)),
    (5, 5, dict(J=3, L=2)),
    (16, 16, dict(J=2, L=2, nonlinearity="relu", n_phases=3)),
    (20, 16, dict(J=3, L=2, nonlinearity="relu", n_phases=4, average=True)),
    (16, 12, dict(J=2, L=4, nonlinearity="relu", n_phases=2, max_order=1)),
]


@pytest.mark.parametrize("backend", CPU_BACKENDS)
@pytest.mark.parametrize("H, W, params", CASES)
def test_vjp_matches_finite_differences(rng, backend, H, W, params):
    X = rng.standard_normal((2, H * W))
    est = Scattering2D(shape=(H, W), backend=backend, **params).fit(X)
    G = rng.standard_normal((2, est.n_features_out_))
    assert fd_relative_errors(est, X, G, rng) <= 1e-4


@pytest.mark.parametrize("params", [dict(J=2, L=4), dict(J=2, L=2, nonlinearity="relu")])
def test_values_equal_transform(rng, params):
    X = rng.standard_normal((3, 18 * 14))
    est = Scattering2D(shape=(18, 14), backend="numpy", **params).fit(X)
    values, grad = value_and_grad(est, X, np.ones((3, est.n_features_out_)))
    np.testing.assert_array_equal(values, est.transform(X))
    assert grad.shape == X.shape


def test_vjp_is_linear_in_cotangent_and_rowwise(rng):
    X = rng.standard_normal((3, 16 * 16))
    est = Scattering2D(J=2, L=4, shape=(16, 16), backend="numpy").fit(X)
    G1, G2 = rng.standard_normal((2, 3, est.n_features_out_))
    np.testing.assert_allclose(
        vjp(est, X, 2 * G1 - G2), 2 * vjp(est, X, G1) - vjp(est, X, G2), atol=1e-12
    )
    # Row i of the gradient depends on row i only; batches do not matter.
    one = vjp(est, X[1:2], G1[1:2])
    np.testing.assert_allclose(vjp(est, X, G1)[1:2], one, rtol=1e-12, atol=1e-15)
    est.set_params(batch_size=1)
    np.testing.assert_allclose(vjp(est, X, G1)[1:2], one, rtol=1e-12, atol=1e-15)


def test_float32_gradient_is_float32_and_close(rng):
    X = rng.standard_normal((2, 16 * 16))
    est = Scattering2D(J=2, L=4, shape=(16, 16), backend="numpy").fit(X)
    G = rng.standard_normal((2, est.n_features_out_))
    g64 = vjp(est, X, G)
    g32 = vjp(est, X.astype(np.float32), G)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-4 * np.abs(g64).max())


def test_order0_gradient_does_not_depend_on_the_image(rng):
    # Order 0 averaged is the mean of a low-passed image: its gradient is
    # linear in x and the same for every image.
    X = rng.standard_normal((2, 16 * 16))
    est = Scattering2D(J=2, L=4, shape=(16, 16), average=True, backend="numpy").fit(X)
    G = np.zeros((2, est.n_features_out_))
    G[:, 0] = 1.0
    grad = vjp(est, X, G)
    np.testing.assert_allclose(grad[0], grad[1], atol=1e-14)


def test_unsupported_estimator_is_a_type_error(rng):
    X = rng.standard_normal((3, 4))
    pca = PCA(n_components=2).fit(X)
    assert not supports_gradients(pca)
    with pytest.raises(TypeError, match="No vector-Jacobian product for PCA"):
        vjp(pca, X, np.ones((3, 2)))


def test_bad_input_is_refused(rng):
    X = rng.standard_normal((2, 16 * 16))
    est = Scattering2D(J=2, L=4, shape=(16, 16), backend="numpy")
    with pytest.raises(NotFittedError):
        vjp(est, X, np.ones((2, 10)))
    est.fit(X)
    n_out = est.n_features_out_
    with pytest.raises(ValueError, match="cotangent has shape"):
        vjp(est, X, np.ones((2, n_out + 1)))
    with pytest.raises(ValueError, match="NaN or infinity"):
        bad = np.ones((2, n_out))
        bad[0, 3] = np.nan
        vjp(est, X, bad)
    with pytest.raises(ValueError, match="real numeric"):
        vjp(est, X, np.ones((2, n_out), dtype=complex))
    with pytest.raises(ValueError, match="features"):
        vjp(est, X[:, :-1], np.ones((2, n_out)))
    Xn = X.copy()
    Xn[1, 0] = np.inf
    with pytest.raises(ValueError, match="NaN|infinity"):
        vjp(est, Xn, np.ones((2, n_out)))
    # The inputs are not modified.
    X_before, G = X.copy(), np.ones((2, n_out))
    vjp(est, X, G)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(G, np.ones((2, n_out)))


def test_vjp_equals_kymatio_torch_autograd(kymatio_numpy, rng):
    """The hand-written VJP against torch autograd through Kymatio 0.3 (same coefficients)."""
    import torch  # reference libraries of the test extra: missing is a failure
    from kymatio.torch import Scattering2D as KymatioTorch2D

    H, W, J, L = 24, 20, 2, 4
    X = rng.standard_normal((2, H * W))
    est = Scattering2D(J=J, L=L, shape=(H, W), backend="numpy").fit(X)
    G = rng.standard_normal((2, est.n_features_out_))
    ours = vjp(est, X.astype(np.float32), G).astype(np.float64)
    ky = KymatioTorch2D(J=J, shape=(H, W), L=L)
    xt = torch.tensor(X.reshape(2, H, W), dtype=torch.float32, requires_grad=True)
    S = ky(xt).reshape(2, -1)
    (S * torch.tensor(G, dtype=torch.float32)).sum().backward()
    theirs = xt.grad.numpy().reshape(2, -1).astype(np.float64)
    assert np.linalg.norm(ours - theirs) <= 1e-4 * np.linalg.norm(theirs)
