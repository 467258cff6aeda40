"""Scattering1D's vector-Jacobian product and signal reconstruction."""

import numpy as np
import pytest

from skscat.backends import available_backends
from skscat.gradients import synthesize, value_and_grad, vjp
from skscat.scattering import Scattering1D

CPU_BACKENDS = [b for b in available_backends() if b in ("numpy", "numba")]

CASES = [
    (256, dict(J=4, Q=4)),
    (200, dict(J=5, Q=8)),
    (256, dict(J=4, Q=(2, 2))),
    (256, dict(J=4, Q=4, max_order=1)),
    (128, dict(J=4, Q=2, average=False)),
    (100, dict(J=3, Q=1, T=16)),
    (20, dict(J=6, Q=2)),  # shorter than the window: repeated reflections
]


@pytest.mark.parametrize("backend", CPU_BACKENDS)
@pytest.mark.parametrize("N, params", CASES)
def test_vjp_matches_finite_differences(rng, backend, N, params):
    X = rng.standard_normal((2, N))
    est = Scattering1D(backend=backend, **params).fit(X)
    G = rng.standard_normal((2, est.n_features_out_))
    values, grad = value_and_grad(est, X, G)
    np.testing.assert_array_equal(values, est.transform(X))
    eps = 1e-6
    for _ in range(3):
        d = rng.standard_normal(X.shape)
        fd = (np.sum(est.transform(X + eps * d) * G) - np.sum(est.transform(X - eps * d) * G)) / (
            2 * eps
        )
        assert abs(fd - np.sum(grad * d)) <= 1e-4 * abs(np.sum(grad * d))


def test_vjp_equals_kymatio_torch_autograd(kymatio_numpy, rng):
    import torch  # reference libraries of the test extra: missing is a failure
    from kymatio.torch import Scattering1D as KymatioTorch1D

    N, J, Q = 256, 4, 4
    X = rng.standard_normal((2, N))
    est = Scattering1D(J=J, Q=Q, backend="numpy").fit(X)
    G = rng.standard_normal((2, est.n_features_out_))
    ours = vjp(est, X.astype(np.float32), G).astype(np.float64)
    ky = KymatioTorch1D(J=J, shape=N, Q=Q)
    xt = torch.tensor(X, dtype=torch.float32, requires_grad=True)
    (ky(xt).reshape(2, -1) * torch.tensor(G, dtype=torch.float32)).sum().backward()
    theirs = xt.grad.numpy().astype(np.float64)
    assert np.linalg.norm(ours - theirs) <= 1e-4 * np.linalg.norm(theirs)


def test_signal_reconstruction_lowers_coefficient_error():
    t = np.arange(256)
    target = np.sin(2 * np.pi * t / 16) * np.exp(-(((t - 128) / 40.0) ** 2)) + 0.3 * np.sin(
        2 * np.pi * t / 5
    )
    est = Scattering1D(J=2, Q=8, backend="numpy").fit(target.reshape(1, -1))
    x0 = target.mean() + target.std() * np.random.default_rng(0).standard_normal(target.shape)
    x = synthesize(est, target, n_iter=150, init=x0)
    S = est.transform(target.reshape(1, -1))

    def err(z):
        return np.linalg.norm(est.transform(z.reshape(1, -1)) - S) / np.linalg.norm(S)

    assert x.shape == target.shape
    assert err(x) <= 1e-2 * err(x0)
