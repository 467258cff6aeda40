"""HarmonicScattering3D: Kymatio parity, invariances, backends, estimator contract."""

from __future__ import annotations

import dataclasses
import pickle
import warnings

import numpy as np
import pytest
import scipy.special
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat import HarmonicScattering3D, ShapeWarning
from skscat.backends import get_backend
from skscat.backends.cupy_backend import CupyBackend
from skscat.filters import clear_filter_cache
from skscat.filters.solid_harmonic3d import solid_harmonic_filter_bank_3d
from skscat.scattering.core3d import scattering3d, scattering3d_paths
from tests.conftest import relative_error


def kymatio_numpy():
    """``kymatio.numpy`` (a test dependency: its absence fails, never skips)."""
    if not hasattr(scipy.special, "sph_harm") and hasattr(scipy.special, "sph_harm_y"):
        # Kymatio 0.3 imports sph_harm, which SciPy 1.17 removed.
        scipy.special.sph_harm = lambda m, n, theta, phi: scipy.special.sph_harm_y(n, m, phi, theta)
    import kymatio.numpy

    return kymatio.numpy


PARITY_CASES = [
    # shape, J, L, sigma_0, max_order, powers
    ((16, 16, 16), 2, 3, 1.0, 2, (0.5, 1.0, 2.0)),
    ((16, 12, 8), 1, 2, 1.0, 2, (1.0, 2.0, 3.0)),
    ((12, 16, 10), 2, 2, 1.5, 1, (0.5,)),
    ((8, 8, 8), 1, 4, 0.7, 2, (0.5, 1.0, 2.0)),
    ((10, 8, 12), 0, 1, 2.0, 2, (1.0, 1.5)),
    ((8, 14, 6), 2, 0, 1.0, 2, (2.0,)),
    # Kymatio's QM7 settings on a small grid: the coarse scales' boxes are pruned
    ((32, 24, 16), 2, 3, 2.0, 2, (0.5, 1.0, 2.0, 3.0)),
]


@pytest.mark.parametrize(("shape", "J", "L", "sigma_0", "max_order", "powers"), PARITY_CASES)
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_equals_kymatio(shape, J, L, sigma_0, max_order, powers, backend):
    kn = kymatio_numpy()
    x = np.random.default_rng(0).random((2, *shape))
    ref = kn.HarmonicScattering3D(
        J=J, shape=shape, L=L, sigma_0=sigma_0, max_order=max_order, integral_powers=powers
    )(x.astype(np.float32))
    est = HarmonicScattering3D(
        J=J,
        L=L,
        shape=shape,
        sigma_0=sigma_0,
        max_order=max_order,
        integral_powers=powers,
        backend=backend,
    )
    for dtype, tol in ((np.float64, 1e-6), (np.float32, 1e-5)):
        out = est.fit_transform(x.reshape(2, -1).astype(dtype))
        assert out.dtype == dtype
        # Kymatio builds its filters in complex64: agreement to its precision.
        assert relative_error(out, ref.reshape(2, -1)) < tol


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_pruned_transforms_equal_full_ones(rng, dtype, backend):
    # the boxes and the dropped Nyquist remainders change nothing the dtype sees
    shape, J, L, sigma_0 = (32, 24, 20), 2, 3, 2.0
    be = get_backend(backend)
    bank = solid_harmonic_filter_bank_3d(*shape, J, L, sigma_0, np.dtype(dtype).name)
    assert any(box is not None for boxes in bank.boxes for box in boxes)
    exact = solid_harmonic_filter_bank_3d(*shape, J, L, sigma_0, "float64")
    full = dataclasses.replace(exact, boxes=None, plane_scales=None)
    x = rng.random((2, *shape))
    powers = (0.5, 1.0, 2.0, 3.0)
    n_paths = len(scattering3d_paths(J, 2))
    out, ref = (np.empty((2, n_paths, L + 1, 4), dt) for dt in (dtype, np.float64))
    scattering3d(x.astype(dtype), be, bank, max_order=2, powers=powers, out=out)
    scattering3d(x, be, full, max_order=2, powers=powers, out=ref)
    tol = 1e-13 if dtype == np.float64 else 2e-6
    assert relative_error(out, ref) < tol
    assert np.max(np.abs(out - ref) / np.abs(ref)) < 10 * tol


def test_feature_names_follow_kymatio_order():
    est = HarmonicScattering3D(J=1, L=1, shape=(8, 8, 8), include_order0=True)
    est.fit(np.ones((1, 512)))
    names = list(est.get_feature_names_out())
    assert names[:3] == ["order0_q=0.5", "order0_q=1", "order0_q=2"]
    assert names[3:6] == ["order1_j1=0_l=0_q=0.5", "order1_j1=0_l=0_q=1", "order1_j1=0_l=0_q=2"]
    assert names[6] == "order1_j1=0_l=1_q=0.5"
    assert names[-1] == "order2_j1=0_j2=1_l=1_q=2"
    assert len(names) == est.n_features_out_ == (1 + 3 * 2) * 3
    assert scattering3d_paths(2, 2) == [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]


def test_order0_integrals(rng):
    X = rng.standard_normal((3, 6 * 6 * 6))
    est = HarmonicScattering3D(
        J=1, L=1, shape=(6, 6, 6), include_order0=True, integral_powers=(0.5, 1, 2)
    )
    out = est.fit_transform(X)
    a = np.abs(X)
    np.testing.assert_allclose(
        out[:, :3], np.stack([np.sqrt(a).sum(1), a.sum(1), (a * a).sum(1)], 1), rtol=1e-12
    )
    plain = HarmonicScattering3D(J=1, L=1, shape=(6, 6, 6), integral_powers=(0.5, 1, 2))
    np.testing.assert_allclose(out[:, 3:], plain.fit_transform(X), rtol=1e-12)


def _blob(shape, centre, widths):
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), -1)
    d = (grid - np.asarray(centre)) / np.asarray(widths)
    return np.exp(-0.5 * (d * d).sum(-1))


def test_translation_invariance_is_exact(rng):
    x = rng.random((1, 12, 10, 8))
    est = HarmonicScattering3D(J=2, L=2, shape=(12, 10, 8), backend="numpy")
    base = est.fit_transform(x.reshape(1, -1))
    moved = np.roll(x, (3, -4, 5), axis=(1, 2, 3))
    np.testing.assert_allclose(est.transform(moved.reshape(1, -1)), base, rtol=1e-11)


def test_rotation_invariance(rng):
    # an anisotropic, smooth density: 90-degree rotations and a reflection
    # permute and reverse the grid; an arbitrary rotation resamples it.
    shape = (24, 24, 24)
    x = _blob(shape, (12, 12, 12), (2.0, 3.0, 1.5)) + 0.5 * _blob(
        shape, (14, 10, 12), (1.5, 1.5, 2.5)
    )
    est = HarmonicScattering3D(J=2, L=3, shape=shape, sigma_0=1.5, backend="numpy")
    base = est.fit_transform(x.reshape(1, -1))
    turned = np.flip(np.transpose(x, (1, 0, 2)), axis=0)
    mirrored = np.flip(x, axis=2)
    for y in (turned, mirrored):
        # the grid's centre moves by a sample: a circular translation, exact
        out = est.transform(np.ascontiguousarray(y).reshape(1, -1))
        assert relative_error(out, base) < 1e-12
    # a generic rotation of the analytic density
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    c = np.array([12.0, 12.0, 12.0])
    grid = np.stack(np.meshgrid(*[np.arange(24.0)] * 3, indexing="ij"), -1) - c
    back = grid @ Q + c  # Q^T applied to the points: the rotated density
    d1 = (back - (12, 12, 12)) / (2.0, 3.0, 1.5)
    d2 = (back - (14, 10, 12)) / (1.5, 1.5, 2.5)
    rotated = np.exp(-0.5 * (d1 * d1).sum(-1)) + 0.5 * np.exp(-0.5 * (d2 * d2).sum(-1))
    out = est.transform(rotated.reshape(1, -1))
    # widths of 1.5 samples resampled on the grid: within 1 % coordinate-wise
    assert relative_error(out, base) < 5e-3
    assert np.max(np.abs(out - base) / np.abs(base)) < 2e-2


def test_backends_agree(rng):
    X = rng.random((3, 10 * 8 * 12))
    ref = HarmonicScattering3D(J=2, L=2, shape=(10, 8, 12), backend="numpy").fit_transform(X)
    numba = HarmonicScattering3D(J=2, L=2, shape=(10, 8, 12), backend="numba", n_jobs=2)
    assert relative_error(numba.fit_transform(X), ref) < 1e-13
    est = HarmonicScattering3D(J=2, L=2, shape=(10, 8, 12)).fit(X)
    standin = est._transform_batch(X, CupyBackend(xp=np))
    assert relative_error(standin, ref) < 1e-13
    for backend in ("numpy", "numba"):
        assert relative_error(est._transform_batch(X, get_backend(backend, 2)), ref) < 1e-13


def test_batch_size_and_n_jobs_do_not_change_results(rng):
    X = rng.random((5, 8 * 8 * 8))
    full = HarmonicScattering3D(J=1, L=2, shape=(8, 8, 8)).fit_transform(X)
    for batch_size in (1, 2, 5):
        est = HarmonicScattering3D(J=1, L=2, shape=(8, 8, 8), batch_size=batch_size, n_jobs=2)
        np.testing.assert_array_equal(est.fit_transform(X), full)


def test_shape_inference_and_errors(rng):
    est = HarmonicScattering3D(J=1, L=1).fit(rng.random((2, 216)))
    assert est.shape_ == (6, 6, 6)
    with pytest.warns(ShapeWarning, match="not a perfect cube"):
        est = HarmonicScattering3D(J=1, L=1).fit(rng.random((2, 10)))
    assert est.shape_ == (1, 1, 10)
    with pytest.raises(ValueError, match=r"holds 512 voxels but X has 500"):
        HarmonicScattering3D(shape=(8, 8, 8)).fit(rng.random((2, 500)))
    with pytest.raises(ValueError, match="positive numbers"):
        HarmonicScattering3D(shape=(4, 4, 4), integral_powers=(1.0, -2.0)).fit(rng.random((2, 64)))
    with pytest.raises(ValueError, match="NaN"):
        X = rng.random((2, 64))
        X[1, 3] = np.nan
        HarmonicScattering3D(shape=(4, 4, 4)).fit(X)


def test_pickle_has_no_filters_and_set_params_rebuilds(rng):
    X = rng.random((2, 512))
    est = HarmonicScattering3D(J=1, L=2, shape=(8, 8, 8)).fit(X)
    out = est.transform(X)
    blob = pickle.dumps(est)
    assert len(blob) < 2000
    clear_filter_cache()
    np.testing.assert_array_equal(pickle.loads(blob).transform(X), out)
    est.set_params(J=2, L=1).fit(X)
    fresh = HarmonicScattering3D(J=2, L=1, shape=(8, 8, 8)).fit_transform(X)
    np.testing.assert_array_equal(est.transform(X), fresh)
    assert est.filters_.J == 2 and est.filters_.L == 1
    assert clone(est).get_params() == est.get_params()


@parametrize_with_checks([HarmonicScattering3D()])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShapeWarning)
        check(estimator)


def _gpu_skip_reason():
    try:
        import cupy
    except ImportError as exc:
        return f"CuPy is not installed ({exc})"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "CuPy reports 0 CUDA devices"
    except Exception as exc:  # no driver
        return f"no usable CUDA device ({type(exc).__name__})"
    return None


@pytest.mark.gpu
@pytest.mark.skipif(_gpu_skip_reason() is not None, reason=str(_gpu_skip_reason()))
def test_cupy_matches_numpy_on_the_device(rng):
    import cupy

    X = rng.random((3, 10 * 8 * 12))
    ref = HarmonicScattering3D(J=2, L=2, shape=(10, 8, 12), backend="numpy").fit_transform(X)
    est = HarmonicScattering3D(J=2, L=2, shape=(10, 8, 12), backend="cupy").fit(X)
    out = est.transform(cupy.asarray(X))
    assert isinstance(out, cupy.ndarray)
    assert relative_error(cupy.asnumpy(out), ref) < 1e-12
