"""PhaseHarmonics2D / PhaseHarmonics1D vector-Jacobian products against finite differences."""

import numpy as np
import pytest

import skscat.phase_harmonics as ph
from skscat.backends import available_backends
from skscat.gradients import supports_gradients, value_and_grad, vjp


def test_phase_harmonics_support_gradients():
    assert supports_gradients(ph.PhaseHarmonics2D())
    assert supports_gradients(ph.PhaseHarmonics1D())


CPU_BACKENDS = [b for b in available_backends() if b in ("numpy", "numba")]


def fd_relative_error(est, X, G, rng, n_dirs=3, eps=1e-6):
    grad = vjp(est, X, G)
    errors = []
    for _ in range(n_dirs):
        d = rng.standard_normal(X.shape)
        fd = (np.sum(est.transform(X + eps * d) * G) - np.sum(est.transform(X - eps * d) * G)) / (
            2 * eps
        )
        an = np.sum(grad * d)
        errors.append(abs(fd - an) / abs(an))
    return max(errors)


CASES_2D = [
    ((16, 16), dict(J=3, L=4)),
    ((16, 16), dict(J=3, L=4, normalize=None)),
    ((16, 16), dict(J=3, L=4, delta_n=2, normalize=None)),
    ((16, 16), dict(J=3, L=4, delta_n=1)),
    ((12, 20), dict(J=2, L=2, delta_n=1)),
    ((16, 16), dict(J=3, L=4, wavelet="morlet", delta_n=1)),
    ((16, 16), dict(J=3, L=4, moments=("S11",), delta_n=2)),
    ((16, 16), dict(J=3, L=4, moments=("Cphase", "L"), delta_n=1)),
]


@pytest.mark.parametrize("backend", CPU_BACKENDS)
@pytest.mark.parametrize("shape, params", CASES_2D)
def test_phase_harmonics2d_vjp_matches_finite_differences(rng, backend, shape, params):
    n_in = shape[0] * shape[1]
    X = rng.standard_normal((2, n_in))
    est = ph.PhaseHarmonics2D(shape=shape, backend=backend, **params).fit(X)
    G = rng.standard_normal((2, est.n_features_out_))
    assert fd_relative_error(est, X, G, rng) <= 1e-4


@pytest.mark.parametrize(
    "params",
    [dict(J=4), dict(J=4, delta_n=2), dict(J=3, delta_n=1, normalize=None), dict(J=5)],
)
def test_phase_harmonics1d_vjp_matches_finite_differences(rng, params):
    X = rng.standard_normal((2, 64))
    est = ph.PhaseHarmonics1D(backend="numpy", **params).fit(X)
    G = rng.standard_normal((2, est.n_features_out_))
    assert fd_relative_error(est, X, G, rng) <= 1e-4


def test_values_equal_transform(rng):
    X = rng.standard_normal((3, 16 * 16))
    est = ph.PhaseHarmonics2D(J=3, L=4, delta_n=1, shape=(16, 16), backend="numpy").fit(X)
    values, grad = value_and_grad(est, X, np.ones((3, est.n_features_out_)))
    np.testing.assert_array_equal(values, est.transform(X))
    assert grad.shape == X.shape


def test_translation_invariance_of_the_gradient(rng):
    # The statistics are invariant to circular shifts, so the gradient of a
    # shifted image is the shifted gradient.
    x = rng.standard_normal((16, 16))
    est = ph.PhaseHarmonics2D(J=3, L=4, delta_n=1, shape=(16, 16), backend="numpy").fit(
        x.reshape(1, -1)
    )
    G = rng.standard_normal((1, est.n_features_out_))
    g = vjp(est, x.reshape(1, -1), G).reshape(16, 16)
    g_shift = vjp(est, np.roll(x, (3, -5), (0, 1)).reshape(1, -1), G).reshape(16, 16)
    np.testing.assert_allclose(g_shift, np.roll(g, (3, -5), (0, 1)), atol=1e-12 * np.abs(g).max())


def test_vjp_equals_pywph_torch_autograd(rng):
    """Raw moments equal pywph's, so the gradients of the same loss must agree."""
    import pywph  # a reference library of the test extra: missing is a failure
    import torch
    M, J = 32, 3
    x, t = rng.standard_normal((M, M)), rng.standard_normal((M, M))
    est = ph.PhaseHarmonics2D(J=J, L=4, delta_n=1, shape=(M, M), normalize=None).fit(
        t.reshape(1, -1)
    )
    target = est.transform(t.reshape(1, -1))
    values = est.transform(x.reshape(1, -1))
    ours = vjp(est, x.reshape(1, -1), 2 * (values - target)).ravel()
    op = pywph.WPHOp(M, M, J, L=4, dn=1, device="cpu", precision="double")
    t_coeffs = op.apply(torch.tensor(t), norm=None).detach()
    xt = torch.tensor(x, requires_grad=True)
    ((op.apply(xt, norm=None) - t_coeffs).abs() ** 2).sum().backward()
    theirs = xt.grad.numpy().ravel()
    assert np.linalg.norm(ours - theirs) <= 1e-8 * np.linalg.norm(theirs)
