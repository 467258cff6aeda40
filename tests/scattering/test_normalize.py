"""ScatteringNormalizer: a default, the 2-D refusal at fit, dask kept lazy."""

import dask.array as da
import numpy as np
import pytest

from skscat.scattering import Scattering1D, Scattering2D, ScatteringNormalizer


def _signals(n=6, N=128, seed=0):
    return np.random.default_rng(seed).standard_normal((n, N))


def test_default_is_a_1d_scattering():
    X = _signals()
    norm = ScatteringNormalizer().fit(X)
    assert isinstance(norm.scattering_, Scattering1D)
    ref = ScatteringNormalizer(Scattering1D()).fit(X).transform(X)
    np.testing.assert_array_equal(norm.transform(X), ref)


def test_2d_scattering_refused_at_fit_not_at_transform():
    X = _signals(N=64)
    norm = ScatteringNormalizer(Scattering2D(J=1, L=2, shape=(8, 8)))
    with pytest.raises(TypeError, match=r"1-D scattering.*Scattering2D.*Pass a Scattering1D"):
        norm.fit(X)
    assert not hasattr(norm, "scattering_")


def test_dask_input_stays_lazy_and_matches_numpy():
    X = _signals(n=8)
    norm = ScatteringNormalizer(Scattering1D(J=3, Q=2)).fit(X)
    lazy = norm.transform(da.from_array(X, chunks=(3, X.shape[1])))
    assert isinstance(lazy, da.Array)
    assert lazy.chunks[0] == (3, 3, 2)
    np.testing.assert_allclose(lazy.compute(), norm.transform(X), rtol=1e-13, atol=1e-13)


@pytest.mark.gpu
def test_cupy_output_stays_on_the_device():
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA device")
    except Exception:
        pytest.skip("no CUDA device")
    X = _signals()
    norm = ScatteringNormalizer(Scattering1D(J=3, Q=2, backend="cupy")).fit(cupy.asarray(X))
    Y = norm.transform(cupy.asarray(X))
    assert isinstance(Y, cupy.ndarray)
    ref = ScatteringNormalizer(Scattering1D(J=3, Q=2, backend="numpy")).fit(X).transform(X)
    np.testing.assert_allclose(cupy.asnumpy(Y), ref, rtol=1e-6, atol=1e-6)
