"""The VJPs on the CuPy backend's code path, with NumPy standing in for CuPy."""

import numpy as np
import pytest

from skscat import Scattering2D
from skscat.backends import _registry, cupy_backend
from skscat.gradients import value_and_grad


class StandinCupyBackend(cupy_backend.CupyBackend):
    def __init__(self, n_jobs=None):
        super().__init__(n_jobs=n_jobs, xp=np)

    @classmethod
    def check_available(cls) -> None:
        """The stand-in runs anywhere."""


@pytest.fixture
def cupy_standin(monkeypatch):
    original = _registry._backend_class
    monkeypatch.setattr(
        _registry,
        "_backend_class",
        lambda name: StandinCupyBackend if name == "cupy" else original(name),
    )


def estimators():
    yield Scattering2D(J=2, L=4, shape=(16, 16))
    yield Scattering2D(J=2, L=2, shape=(16, 16), nonlinearity="relu", n_phases=3)
    try:
        from skscat.phase_harmonics import PhaseHarmonics2D
    except ImportError:
        return
    yield PhaseHarmonics2D(J=3, L=4, delta_n=1, shape=(16, 16))


@pytest.mark.parametrize("est", list(estimators()), ids=lambda e: type(e).__name__)
def test_vjp_on_the_cupy_code_path_equals_numpy(cupy_standin, rng, est):
    X = rng.standard_normal((2, 256))
    ref = est.set_params(backend="numpy").fit(X)
    G = rng.standard_normal((2, ref.n_features_out_))
    v_ref, g_ref = value_and_grad(ref, X, G)
    standin = est.set_params(backend="cupy").fit(X)
    v, g = value_and_grad(standin, X, G)
    np.testing.assert_allclose(v, v_ref, rtol=1e-10, atol=1e-12 * np.abs(v_ref).max())
    np.testing.assert_allclose(g, g_ref, rtol=1e-8, atol=1e-10 * np.abs(g_ref).max())
