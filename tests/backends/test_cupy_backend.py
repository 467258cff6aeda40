"""The CuPy backend, tested on machines without a GPU and on machines with one.

- Its code path runs in CI with NumPy standing in for CuPy
  (``CupyBackend(xp=numpy)``: every fused kernel replaced by its NumPy
  reference, called with the very same arguments) and is compared with the
  numpy backend, op by op and through Scattering2D.
- Its CUDA sources compile through NVRTC without a GPU or driver, and run on
  the host, compiled as C++ with a small shim for the CUDA built-ins, against
  their NumPy references.
- Tests marked ``gpu`` compare ``backend="cupy"`` with ``backend="numpy"`` on a
  real device and skip cleanly where CuPy finds none.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import importlib.util
import shutil
import subprocess
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from skscat import Scattering2D, ShapeWarning
from skscat.backends import _cuda_kernels, _registry, available_backends
from skscat.backends import cupy_backend as cupy_backend_module
from skscat.backends.cupy_backend import CupyBackend
from skscat.backends.numpy_backend import NumpyBackend
from tests.conftest import relative_error

REPO = Path(__file__).resolve().parents[2]


# -- where a GPU is, and the stand-in ----------------------------------------
def _gpu_skip_reason() -> str | None:
    """None where CuPy sees a CUDA device, else why GPU tests skip."""
    try:
        import cupy
    except ImportError as exc:
        return f"CuPy is not installed ({exc})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no driver, driver too old, ...
        return f"no usable CUDA device ({type(exc).__name__}: {exc})"
    if count < 1:
        return "CuPy reports 0 CUDA devices"
    return None


GPU_SKIP_REASON = _gpu_skip_reason()
gpu = pytest.mark.gpu
requires_gpu = pytest.mark.skipif(GPU_SKIP_REASON is not None, reason=str(GPU_SKIP_REASON))


class StandinCupyBackend(CupyBackend):
    """``backend="cupy"`` with NumPy standing in for CuPy (host only)."""

    def __init__(self, n_jobs=None):
        super().__init__(n_jobs=n_jobs, xp=np)

    @classmethod
    def check_available(cls) -> None:
        """The stand-in runs anywhere."""


@pytest.fixture
def cupy_standin(monkeypatch):
    """Make the registry resolve ``"cupy"`` to the NumPy stand-in.

    The estimators then run their full path (fit, backend choice, batching,
    ``prepare_bank``, the backend ops) with ``backend="cupy"`` on the host.
    """
    original = _registry._backend_class

    def backend_class(name):
        return StandinCupyBackend if name == "cupy" else original(name)

    monkeypatch.setattr(_registry, "_backend_class", backend_class)
    return StandinCupyBackend


@pytest.fixture
def launches(monkeypatch):
    """Record the name of every fused kernel launched (stand-in or device)."""
    names = []
    original = CupyBackend._launch

    def spy(self, name, dtype, total, args):
        names.append(name)
        return original(self, name, dtype, total, args)

    monkeypatch.setattr(CupyBackend, "_launch", spy)
    return names


def _complex(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def public_ops(cls) -> set[str]:
    return {
        name
        for name, value in vars(cls).items()
        if not name.startswith("_") and callable(value) and not isinstance(value, classmethod)
    }


# -- every op of the reference backend, on the stand-in ------------------------
# One case list per public op of the numpy backend: a test below fails when
# the numpy backend gains an op that is not implemented and covered here.
def _cases_filter_subsample():
    # (x shape, filter shape, k, ndim, x real?)
    return [
        ((3, 16, 24), (5, 16, 24), 1, 2, False),
        ((3, 16, 24), (5, 16, 24), 2, 2, False),
        ((2, 3, 16, 24), (4, 16, 24), 4, 2, False),
        ((2, 16, 16), (16, 16), 8, 2, False),
        ((2, 16, 16), (16, 16), 16, 2, False),
        ((16, 16), (3, 16, 16), 2, 2, False),
        ((4, 32), (6, 32), 4, 1, False),
        ((2, 3, 48), (48,), 2, 1, False),
        ((2, 12, 12), (12, 12), 3, 2, False),
        ((2, 8, 8), (3, 8, 8), 2, 2, True),  # real x: promoted to complex
        ((0, 8, 8), (3, 8, 8), 2, 2, False),  # empty batch
        ((2, 4, 8, 8), (4, 1, 8, 8), 2, 2, False),  # two filter axes: generic path
        ((2, 4, 4, 6), (4, 4, 6), 2, 3, False),  # 3-D: generic path
    ]


def _cases_hermitian():
    # (real signal shape, filter shape (None: no filter axis), k, ndim)
    return [
        ((3, 16, 24), (5, 16, 24), 1, 2),
        ((3, 16, 24), (5, 16, 24), 2, 2),
        ((2, 3, 16, 16), (4, 16, 16), 4, 2),
        ((2, 16, 16), (16, 16), 8, 2),
        ((2, 8, 8), (8, 8), 8, 2),
        ((2, 6, 5), (3, 6, 5), 1, 2),  # odd last axis
        ((2, 12, 9), (3, 12, 9), 3, 2),  # odd last axis, odd k
        ((4, 32), (6, 32), 4, 1),
        ((2, 3, 33), (33,), 3, 1),
        ((2, 5, 7), (7,), 1, 1),
    ]


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("case", _cases_filter_subsample(), ids=str)
def test_filter_subsample_matches_numpy(case, dtype):
    x_shape, f_shape, k, ndim, real = case
    rng = np.random.default_rng(0)
    rtype = np.finfo(dtype).dtype
    x = rng.standard_normal(x_shape).astype(rtype) if real else _complex(rng, x_shape, dtype)
    filters = rng.standard_normal(f_shape).astype(rtype)
    got = CupyBackend(xp=np).filter_subsample(x, filters, k, ndim)
    expected = NumpyBackend().filter_subsample(x, filters, k, ndim)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(
        got, expected, rtol=1e-5, atol=1e-5 if rtype == np.float32 else 1e-12
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", _cases_hermitian(), ids=str)
def test_hermitian_ops_match_numpy(case, dtype):
    shape, f_shape, k, ndim = case
    rng = np.random.default_rng(1)
    signal = rng.standard_normal(shape).astype(dtype)
    filters = rng.standard_normal(f_shape).astype(dtype)
    n_last = shape[-1]
    cb, nb = CupyBackend(xp=np), NumpyBackend()
    half = nb.rfft(signal, ndim)
    tol = {"rtol": 1e-5, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    for op, args in [
        ("hermitian_full", (half, n_last, ndim)),
        ("filter_subsample_hermitian", (half, filters, k, ndim, n_last)),
        ("lowpass_hermitian", (half, filters, k, ndim, n_last)),
    ]:
        got = getattr(cb, op)(*args)
        expected = getattr(nb, op)(*args)
        assert got.shape == expected.shape, op
        assert got.dtype == expected.dtype, op
        np.testing.assert_allclose(got, expected, **tol, err_msg=op)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, ndim", [((3, 16, 24), 2), ((2, 2, 9, 7), 2), ((4, 30), 1), ((3, 31), 1), ((5, 5), 2)]
)
def test_fft_ops_match_numpy(shape, ndim, dtype):
    rng = np.random.default_rng(2)
    real = rng.standard_normal(shape).astype(dtype)
    cplx = _complex(rng, shape, np.result_type(dtype, np.complex64))
    cb, nb = CupyBackend(xp=np), NumpyBackend()
    cases = [
        ("fft", (real, ndim)),
        ("fft", (cplx, ndim)),
        ("ifft", (cplx, ndim)),
        ("ifft_real", (cplx, ndim)),
        ("rfft", (real, ndim)),
        ("irfft", (nb.rfft(real, ndim), shape[-1], ndim)),
        ("modulus", (cplx,)),
        ("modulus", (real,)),
        ("pad_reflect", (real, ((2, 3),) * ndim, ndim)),
        ("pad_reflect", (real[..., :1], ((1, 4),) * ndim, ndim)),  # wider than the axis
    ]
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for op, args in cases:
        got = getattr(cb, op)(*args)
        expected = getattr(nb, op)(*args)
        assert got.shape == expected.shape, op
        assert got.dtype == expected.dtype, op
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=op)


def test_data_movement_ops_on_the_standin():
    cb = CupyBackend(xp=np)
    x = np.arange(6.0).reshape(2, 3)
    assert cb.asarray(x) is x or np.shares_memory(cb.asarray(x), x)
    assert cb.asarray(x, dtype=np.float32).dtype == np.float32
    assert isinstance(cb.to_numpy(x), np.ndarray)
    assert cb.empty((2, 3), np.float32).shape == (2, 3)
    z = cb.zeros((2, 3), np.complex64)
    assert z.dtype == np.complex64 and not z.any()
    assert cb.device_id() == "host"


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_phase_ops_match_numpy(dtype):
    from skscat.scattering._nonlinearities import phase_relu

    rng = np.random.default_rng(17)
    z = _complex(rng, (2, 3, 6, 5), dtype)
    z[0, 0, 0, :2] = 0  # [0]^k = 0
    cb, nb = CupyBackend(xp=np), NumpyBackend()
    tol = 1e-5 if dtype == np.complex64 else 1e-12
    # The rectifier over phases: the backend's hook against the generic formula.
    for n_phases, ndim in [(4, 2), (1, 2), (3, 1)]:
        got = phase_relu(z, n_phases, ndim, backend=cb)
        expected = phase_relu(z, n_phases, ndim, backend=None)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    for k in range(6):
        got, expected = cb.phase_harmonic(z, k), nb.phase_harmonic(z, k)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=f"k={k}")
    np.testing.assert_allclose(
        cb.phase_harmonic(z, 3, modulus=np.abs(z)), nb.phase_harmonic(z, 3), rtol=tol, atol=tol
    )
    with pytest.raises(ValueError, match="k >= 0"):
        cb.phase_harmonic(z, -1)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_lowpass_spatial_matches_numpy(dtype):
    rng = np.random.default_rng(5)
    cb, nb = CupyBackend(xp=np), NumpyBackend()
    z = _complex(rng, (2, 3, 7, 6), dtype)
    rows, cols = rng.standard_normal((2, 7)), rng.standard_normal((3, 6))
    tol = 1e-5 if dtype == np.complex64 else 1e-12
    for x, modulus in [(z, True), (np.abs(z), False)]:
        for ndim in (2, 1):
            got = cb.lowpass_spatial(x, rows, cols, ndim, modulus=modulus)
            expected = nb.lowpass_spatial(x, rows, cols, ndim, modulus=modulus)
            assert got.shape == expected.shape and got.dtype == expected.dtype
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_cross_lag_sums_matches_numpy(dtype):
    rng = np.random.default_rng(6)
    cb, nb = CupyBackend(xp=np), NumpyBackend()
    F1, F2 = _complex(rng, (2, 3, 7, 6), dtype), _complex(rng, (2, 3, 7, 6), dtype)
    E = _complex(rng, (6, 4), dtype)
    tol = 1e-5 if dtype == np.complex64 else 1e-12
    for rows, cols in [(None, None), (np.array([0, 2, 6]), np.array([1, 5]))]:
        Eb = E if cols is None else E[cols]
        got = cb.cross_lag_sums(F1, F2, rows, cols, Eb)
        expected = nb.cross_lag_sums(F1, F2, rows, cols, Eb)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    # the definition: sum over the box's columns of F1 conj F2 times the factors
    direct = np.einsum("nlrq,qt->nlrt", F1[:, :, [0, 2, 6]][..., [1, 5]]
                       * F2[:, :, [0, 2, 6]][..., [1, 5]].conj(), E[[1, 5]])  # fmt: skip
    np.testing.assert_allclose(got, direct, rtol=tol, atol=tol)


def test_every_numpy_backend_op_is_implemented_and_covered():
    """The numpy backend is the reference: the CuPy backend has all its ops."""
    covered = {
        "asarray", "to_numpy", "empty", "zeros",  # test_data_movement_ops_on_the_standin
        "fft", "ifft", "ifft_real", "rfft", "irfft", "modulus", "pad_reflect",  # fft ops
        "filter_subsample",  # test_filter_subsample_matches_numpy
        "hermitian_full", "filter_subsample_hermitian", "lowpass_hermitian",  # hermitian
        "phase_harmonic", "phase_relu",  # test_phase_ops_match_numpy
        "lowpass_spatial",  # test_lowpass_spatial_matches_numpy
        "cross_lag_sums",  # test_cross_lag_sums_matches_numpy
        "prepare_bank",  # test_filter_bank_uploaded_once_per_bank
        "rotation_modulus_integrals",  # test_rotation_modulus_integrals_matches_numpy
        "irfft_box",  # test_irfft_box_is_the_zero_filled_irfft
        "box_modulus_integrals",  # test_box_modulus_integrals_matches_numpy
        "angular_convolutions", "angular_modulus_mean",  # test_angular_ops_match_numpy
        "gaussian_modulus_integrals",  # test_gaussian_modulus_integrals_matches_numpy
    }  # fmt: skip
    reference_ops = public_ops(NumpyBackend)
    missing = sorted(reference_ops - public_ops(CupyBackend))
    assert not missing, f"CupyBackend lacks the numpy backend's ops {missing}"
    uncovered = sorted(reference_ops - covered)
    assert not uncovered, f"ops {uncovered} are not compared with the numpy backend here"


@pytest.mark.parametrize("box", [(3, 2, 4), (7, 2, 1), (3, 6, 8), (0, 0, 0)])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_irfft_box_is_the_zero_filled_irfft(box, dtype):
    from skscat.backends.numba_backend import NumbaBackend

    shape = (14, 12, 16)  # box (7, ...) covers axis 0 (2 c + 1 >= 14): not cut
    rng = np.random.default_rng(6)
    c0, c1, c2 = box
    m0 = shape[0] if 2 * c0 + 1 >= shape[0] else 2 * c0 + 1
    m1 = shape[1] if 2 * c1 + 1 >= shape[1] else 2 * c1 + 1
    z = _complex(rng, (2, 3, m0, m1, c2 + 1), dtype)
    full = np.zeros((2, 3, shape[0], shape[1], shape[2] // 2 + 1), dtype)
    rows = np.r_[0 : c0 + 1, shape[0] - c0 : shape[0]] if m0 < shape[0] else np.arange(m0)
    cols = np.r_[0 : c1 + 1, shape[1] - c1 : shape[1]] if m1 < shape[1] else np.arange(m1)
    full[:, :, rows[:, None], cols[None, :], : c2 + 1] = z
    ref = NumpyBackend().irfft(full, shape[2], 3)
    tol = 1e-5 if dtype == np.complex64 else 1e-14
    for backend in (NumpyBackend(), NumbaBackend(n_jobs=2), CupyBackend(xp=np)):
        got = backend.irfft_box(z.copy(), box, shape)
        assert got.shape == ref.shape and got.dtype == ref.dtype
        assert np.abs(got - ref).max() <= tol * np.abs(ref).max()


@pytest.mark.parametrize(
    "box, shape",
    [((3, 2, 4), (14, 12, 16)), ((7, 6, 8), (14, 12, 16)), ((3, 2, 5), (9, 12, 15))],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_extra", [False, True])
def test_box_modulus_integrals_matches_numpy(box, shape, dtype, with_extra, monkeypatch):
    from skscat.backends import numba_backend as nbm

    # one row per chunk: several chunks per volume, split over threads
    monkeypatch.setattr(nbm, "_MODULUS_BLOCK", 1)
    monkeypatch.setattr(nbm, "_MIN_WORK", 1)
    rng = np.random.default_rng(8)
    c0, c1, c2 = box
    m0, m1 = min(2 * c0 + 1, shape[0]), min(2 * c1 + 1, shape[1])
    cdtype = np.result_type(dtype, np.complex64)
    z = _complex(rng, (2, 5, m0, m1, c2 + 1), cdtype)
    extra = rng.random((2, *shape)).astype(dtype) if with_extra else None
    powers = (0.5, 1.0, 2.0, 3.0, 1.5)
    y = NumpyBackend().irfft_box(z.copy(), box, shape)
    U, ref = NumpyBackend().rotation_modulus_integrals(y, powers, extra, True)
    tol = 2e-6 if dtype == np.float32 else 1e-13
    results = []
    for backend in (NumpyBackend(), CupyBackend(xp=np), nbm.NumbaBackend(1), nbm.NumbaBackend(2)):
        U2, out = backend.box_modulus_integrals(z.copy(), box, shape, powers, extra, True)
        assert out.shape == ref.shape and out.dtype == dtype and U2.dtype == dtype
        assert np.abs(U2 - U).max() <= tol * np.abs(U).max()
        np.testing.assert_allclose(out, ref, rtol=tol)
        assert backend.box_modulus_integrals(z.copy(), box, shape, powers, extra, False)[0] is None
        results.append(out)
    np.testing.assert_array_equal(results[2], results[3])  # threads change nothing
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_angular_ops_match_numpy(dtype):
    from skscat.filters.angular import angular_mixing
    from skscat.scattering.core_roto2d import relative_gather

    rng = np.random.default_rng(6)
    L, window = 6, 3
    rtype = np.finfo(dtype).dtype
    P, Q = angular_mixing(L, rtype.name)
    index, sign = relative_gather(L)
    W = _complex(rng, (2, L, L, 4, 5), dtype)
    cb, nb = CupyBackend(xp=np), NumpyBackend()
    Y = cb.angular_convolutions(W, index, sign, P, Q)
    assert Y.shape == (P.shape[0], L, 2, L, 4, 5) and Y.dtype == dtype
    np.testing.assert_array_equal(Y, nb.angular_convolutions(W, index, sign, P, Q))
    A = cb.angular_modulus_mean(W, index, sign, P, Q, window)
    assert A.shape == (2, P.shape[0], L // window, L, 4, 5) and A.dtype == rtype
    # the stand-in's modulus kernel rounds like the device's, not like np.abs
    tol = 1e-6 if dtype == np.complex64 else 1e-15
    want = nb.angular_modulus_mean(W, index, sign, P, Q, window)
    np.testing.assert_allclose(A, want, rtol=tol, atol=tol)
    # the low-pass filter (last) is the average over all angles of the gathered real parts
    Wg = np.stack([W[:, t, index[t]] for t in range(L)], axis=1)  # (n, theta', beta, ...)
    np.testing.assert_allclose(Y[-1, 0], Wg.real.mean(axis=1), rtol=tol, atol=tol)


@pytest.mark.parametrize("with_extra", [False, True])
def test_rotation_modulus_integrals_matches_numpy(with_extra):
    from skscat.backends.numba_backend import NumbaBackend

    rng = np.random.default_rng(5)
    y = rng.standard_normal((2, 5, 6, 4, 8))
    extra = rng.random((2, 6, 4, 8)) if with_extra else None
    powers = (0.5, 1.0, 2.0, 3.0, 1.5)
    U, ref = NumpyBackend().rotation_modulus_integrals(y, powers, extra, True)
    s = (y * y).sum(1) + (0 if extra is None else extra)
    np.testing.assert_allclose(U, np.sqrt(s), rtol=1e-15)
    np.testing.assert_allclose(ref[:, 1], np.sqrt(s).sum((1, 2, 3)), rtol=1e-14)
    for backend in (CupyBackend(xp=np), NumbaBackend(n_jobs=2)):
        U2, out = backend.rotation_modulus_integrals(y, powers, extra, True)
        np.testing.assert_allclose(U2, U, rtol=1e-15)
        np.testing.assert_allclose(out, ref, rtol=1e-13)
        assert backend.rotation_modulus_integrals(y, powers, extra, False)[0] is None


def test_rotation_modulus_blocks_do_not_depend_on_threads(monkeypatch):
    # several voxel blocks per volume, split over threads: identical sums
    from skscat.backends import numba_backend as nbm

    monkeypatch.setattr(nbm, "_MODULUS_BLOCK", 40)
    monkeypatch.setattr(nbm, "_MIN_WORK", 1)
    rng = np.random.default_rng(7)
    y = rng.standard_normal((3, 7, 6, 5, 9)).astype(np.float32)
    powers = (0.5, 1.0, 2.0, 3.0, 1.5)
    _, ref = NumpyBackend().rotation_modulus_integrals(y.astype(np.float64), powers)
    outs = [nbm.NumbaBackend(n_jobs=n).rotation_modulus_integrals(y, powers) for n in (1, 2)]
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert outs[0][1].dtype == np.float32
    np.testing.assert_allclose(outs[0][1], ref, rtol=2e-6)


def test_gaussian_modulus_integrals_matches_numpy():
    from skscat.backends.numba_backend import NumbaBackend
    from skscat.scattering.atomic3d import wavelet_polynomials

    rng = np.random.default_rng(7)
    R = rng.uniform(-1.5, 1.5, (3, 4, 3))
    W = rng.integers(0, 3, (3, 2, 4)).astype(np.float64)
    tau, C = wavelet_polynomials(2, 0.4, 0.2)
    args = (R, W, tau, tau / 1.5, 5 * tau, C, 2, np.array([0.5, 1.0, 2.0, 3.0]))
    ref = NumpyBackend().gaussian_modulus_integrals(*args)
    assert ref.shape == (3, 2, 3, 4)
    for backend in (CupyBackend(xp=np), NumbaBackend(n_jobs=2)):
        np.testing.assert_allclose(backend.gaussian_modulus_integrals(*args), ref, rtol=1e-12)


@pytest.mark.parametrize(
    "op, args, kernel",
    [
        ("filter_subsample", ((2, 16, 16), (3, 16, 16), 2, 2), "periodize_product"),
        ("filter_subsample_hermitian", ((2, 16, 9), (3, 16, 16), 2, 2, 16),
         "periodize_product_hermitian"),
        ("lowpass_hermitian", ((2, 16, 9), (16, 16), 4, 2, 16), "periodize_product_hermitian"),
        ("modulus", ((2, 16, 16),), "modulus"),
        ("phase_relu", ((2, 3, 16, 16), 4, 2), "phase_relu"),
    ],
)  # fmt: skip
def test_ops_take_the_fused_kernel(launches, op, args, kernel):
    rng = np.random.default_rng(3)
    x = _complex(rng, args[0], np.complex64)
    rest = list(args[1:])
    if rest and isinstance(rest[0], tuple):
        rest[0] = rng.standard_normal(rest[0]).astype(np.float32)
    getattr(CupyBackend(xp=np), op)(x, *rest)
    assert launches == [kernel]


# -- Scattering2D through the stand-in -----------------------------------------
SCATTERING_CASES = [
    # (H, W, J, L, max_order, average)
    (32, 32, 2, 8, 2, False),
    (28, 28, 2, 8, 2, True),
    (17, 23, 2, 6, 2, False),
    (31, 40, 3, 4, 2, False),
    (16, 16, 1, 8, 2, False),
    (24, 20, 2, 8, 1, False),
    (9, 12, 2, 3, 2, True),
    (33, 33, 4, 4, 2, False),
]


@pytest.mark.parametrize("H, W, J, L, max_order, average", SCATTERING_CASES)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_scattering2d_standin_matches_numpy(
    cupy_standin, launches, H, W, J, L, max_order, average, dtype, tol
):
    rng = np.random.default_rng(H * W + J)
    X = rng.standard_normal((5, H * W)).astype(dtype)
    params = dict(J=J, L=L, shape=(H, W), max_order=max_order, average=average, batch_size=2)
    expected = Scattering2D(backend="numpy", **params).fit_transform(X)
    est = Scattering2D(backend="cupy", **params).fit(X)
    assert est.backend_ == "cupy"
    got = est.transform(X)
    assert type(got) is np.ndarray
    assert got.dtype == dtype
    assert got.shape == expected.shape
    assert relative_error(got, expected) <= tol
    assert "periodize_product_hermitian" in launches and "modulus" in launches


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_scattering2d_relu_standin_matches_numpy(cupy_standin, launches, dtype, tol):
    rng = np.random.default_rng(18)
    X = rng.standard_normal((3, 20 * 20)).astype(dtype)
    params = dict(J=2, L=4, shape=(20, 20), nonlinearity="relu", n_phases=3, batch_size=2)
    expected = Scattering2D(backend="numpy", **params).fit_transform(X)
    got = Scattering2D(backend="cupy", **params).fit_transform(X)
    assert got.shape == expected.shape and got.dtype == dtype
    assert relative_error(got, expected) <= tol
    assert "phase_relu" in launches


def test_scattering2d_standin_inferred_shapes(cupy_standin):
    """The shapes scikit-learn's checks feed (a few features, non-square)."""
    rng = np.random.default_rng(4)
    for n_features in (1, 2, 3, 4, 20):
        X = rng.standard_normal((3, n_features))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ShapeWarning)
            expected = Scattering2D(backend="numpy").fit_transform(X)
            got = Scattering2D(backend="cupy").fit_transform(X)
        assert relative_error(got, expected) <= 1e-12


def _scattering1d():
    from skscat.scattering import Scattering1D

    return Scattering1D


SCATTERING1D_CASES = [
    # (N, J, Q, T, average)
    (256, 4, 1, None, True),
    (300, 5, (4, 1), None, True),
    (128, 3, 2, 0, True),
    (100, 4, 1, None, False),
]


@pytest.mark.parametrize("N, J, Q, T, average", SCATTERING1D_CASES)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_scattering1d_standin_matches_numpy(
    cupy_standin, launches, N, J, Q, T, average, dtype, tol
):
    Scattering1D = _scattering1d()
    X = np.random.default_rng(N + J).standard_normal((5, N)).astype(dtype)
    params = dict(J=J, Q=Q, T=T, average=average, batch_size=2)
    expected = Scattering1D(backend="numpy", **params).fit_transform(X)
    got = Scattering1D(backend="cupy", **params).fit_transform(X)
    assert type(got) is np.ndarray and got.dtype == dtype
    assert got.shape == expected.shape
    assert relative_error(got, expected) <= tol
    assert "modulus" in launches


def test_direct_transform_batch_on_the_standin():
    """An estimator's ``_transform_batch`` runs on a backend instance as given."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 24 * 24)).astype(np.float32)
    est = Scattering2D(J=2, shape=(24, 24), backend="numpy").fit(X)
    got = est._transform_batch(X, CupyBackend(xp=np))
    expected = est._transform_batch(X, NumpyBackend())
    assert relative_error(got, expected) <= 1e-5


# -- filter banks uploaded once ------------------------------------------------
def test_filter_bank_uploaded_once_per_bank(cupy_standin, monkeypatch):
    cupy_backend_module.clear_device_caches()
    uploads = []
    original = CupyBackend._upload_bank

    def spy(self, bank):
        uploads.append(bank)
        return original(self, bank)

    monkeypatch.setattr(CupyBackend, "_upload_bank", spy)
    rng = np.random.default_rng(6)
    X = rng.standard_normal((6, 20 * 20)).astype(np.float32)
    est = Scattering2D(J=2, shape=(20, 20), backend="cupy", batch_size=2).fit(X)
    est.transform(X)
    est.transform(X)
    Scattering2D(J=2, shape=(20, 20), backend="cupy").fit_transform(X)  # same parameters
    assert len(uploads) == 1
    est.transform(X.astype(np.float64))  # another precision is another bank
    assert len(uploads) == 2


@pytest.mark.parametrize("name", ["PhaseHarmonics2D", "PhaseHarmonics1D"])
def test_phase_harmonic_filters_uploaded_once_not_per_batch(cupy_standin, monkeypatch, name):
    """Phase harmonics take their filters through ``prepare_bank`` (one upload per
    bank and device), never ``backend.asarray(bank.psi)`` per batch."""
    import skscat.phase_harmonics as ph

    cupy_backend_module.clear_device_caches()
    uploads, host_filters = [], []
    original_upload, original_asarray = CupyBackend._upload_bank, CupyBackend.asarray

    def upload(self, bank):
        uploads.append(bank)
        host_filters.extend([bank.psi, bank.phi])
        return original_upload(self, bank)

    def asarray(self, x, dtype=None):
        assert not any(x is f for f in host_filters), "filters copied to the device per batch"
        return original_asarray(self, x, dtype)

    monkeypatch.setattr(CupyBackend, "_upload_bank", upload)
    monkeypatch.setattr(CupyBackend, "asarray", asarray)
    X = np.random.default_rng(0).standard_normal((6, 64))
    est = getattr(ph, name)(J=2, backend="cupy", batch_size=2).fit(X)
    Y = est.transform(X)
    est.transform(X)
    assert len(uploads) == 1
    ref = getattr(ph, name)(J=2, backend="numpy").fit(X).transform(X)
    np.testing.assert_allclose(Y, ref, rtol=1e-12, atol=1e-13)


def test_device_bank_dropped_with_its_host_bank():
    @dataclasses.dataclass(frozen=True)
    class Bank:
        J: int
        psi: tuple
        phi: np.ndarray

    cupy_backend_module.clear_device_caches()
    bank = Bank(J=1, psi=(np.ones((2, 4, 4)),), phi=np.ones((4, 4)))
    cb = CupyBackend(xp=np)
    prepared = cb.prepare_bank(bank)
    assert cb.prepare_bank(bank) is prepared
    assert prepared.J == 1 and prepared.psi[0].shape == (2, 4, 4)
    assert len(cupy_backend_module._device_banks) == 1
    del bank, prepared
    gc.collect()
    assert len(cupy_backend_module._device_banks) == 0


# -- availability and error messages -------------------------------------------
def _fake_cupy(get_device_count):
    """A ``cupy`` module whose runtime answers ``get_device_count()``."""
    runtime = types.SimpleNamespace(getDeviceCount=get_device_count)
    return types.SimpleNamespace(
        cuda=types.SimpleNamespace(runtime=runtime), ndarray=type("NoArray", (), {})
    )


def test_without_cupy_fit_raises_importerror_with_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ImportError
    with pytest.raises(ImportError, match=r'pip install "skscat\[gpu\]"'):
        CupyBackend.check_available()
    assert not CupyBackend.is_available()
    assert "cupy" not in available_backends()
    X = np.random.default_rng(7).standard_normal((2, 64))
    with pytest.raises(ImportError, match=r"backend='cupy' needs CuPy.*skscat\[gpu\]"):
        Scattering2D(backend="cupy").fit(X)
    # "auto" never picks (or trips over) the GPU backend.
    assert Scattering2D(backend="auto").fit(X).backend_ != "cupy"


def test_cupy_without_device_raises_runtimeerror_at_fit(monkeypatch):
    def no_driver():
        raise RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient")

    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(no_driver))
    with pytest.raises(RuntimeError, match="no usable CUDA device or driver.*Insufficient"):
        CupyBackend.check_available()
    assert not CupyBackend.is_available()
    X = np.random.default_rng(8).standard_normal((2, 64))
    with pytest.raises(RuntimeError, match="needs a CUDA GPU"):
        Scattering2D(backend="cupy").fit(X)


def test_cupy_with_zero_devices_raises_runtimeerror(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(lambda: 0))
    with pytest.raises(RuntimeError, match="reports 0 CUDA devices"):
        CupyBackend.check_available()
    with pytest.raises(RuntimeError, match="reports 0 CUDA devices"):
        Scattering2D(backend="cupy").fit(np.ones((2, 64)))


@pytest.mark.skipif(GPU_SKIP_REASON is None, reason="this machine has a CUDA device")
def test_real_environment_without_gpu_fails_clearly_at_fit():
    """Here (CI, developer machines): no silent CPU fall-back, a clear error."""
    X = np.random.default_rng(9).standard_normal((2, 64))
    est = Scattering2D(backend="cupy")
    expected = RuntimeError if importlib.util.find_spec("cupy") else ImportError
    with pytest.raises(expected, match="backend='cupy' needs"):
        est.fit(X)
    assert not hasattr(est, "backend_")


# -- device-array handling in the base class, with a fake device array type ----
class FakeDeviceArray(np.ndarray):
    """Stands for ``cupy.ndarray`` in the base class's device checks."""


@pytest.fixture
def fake_device_module(monkeypatch):
    fake = types.SimpleNamespace(ndarray=FakeDeviceArray, isfinite=np.isfinite)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    return fake


def test_device_input_with_a_cpu_backend_is_refused(fake_device_module):
    X = np.ones((2, 64)).view(FakeDeviceArray)
    for backend in ("numpy", "auto"):
        with pytest.raises(TypeError, match="CuPy .*backend='cupy'.*asnumpy"):
            Scattering2D(backend=backend).fit(X)


def test_device_input_stays_on_device_through_the_batching_loop(
    fake_device_module, cupy_standin, monkeypatch
):
    """Device input: validated without a host copy, output allocated by the backend."""
    calls = []
    monkeypatch.setattr(
        StandinCupyBackend, "to_numpy", lambda self, x: calls.append(x) or np.asarray(x)
    )
    rng = np.random.default_rng(10)
    X = rng.standard_normal((5, 16 * 16)).astype(np.float32)
    expected = Scattering2D(J=2, backend="numpy").fit_transform(X)
    est = Scattering2D(J=2, backend="cupy", batch_size=2).fit(X.view(FakeDeviceArray))
    assert est.n_features_in_ == 256
    got = est.transform(X.view(FakeDeviceArray))
    assert calls == []  # never moved to the host
    assert relative_error(got, expected) <= 1e-5
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.transform(bad.view(FakeDeviceArray))
    with pytest.raises(ValueError, match="features"):
        est.transform(X[:, :100].view(FakeDeviceArray))


def test_device_integer_input_is_computed_in_float64(fake_device_module, cupy_standin):
    """The device path follows the host's dtype policy: integers become float64."""
    X = np.round(np.random.default_rng(11).standard_normal((3, 16 * 16)) * 4).astype(np.int32)
    est = Scattering2D(J=2, backend="cupy").fit(X.view(FakeDeviceArray))
    got = est.transform(X.view(FakeDeviceArray))
    assert got.dtype == np.float64
    expected = Scattering2D(J=2, backend="numpy").fit_transform(X.astype(np.float64))
    assert relative_error(got, expected) <= 1e-13


# -- the CUDA sources: compiled by NVRTC ---------------------------------------
def _nvrtc():
    """``cupy_backends.cuda.libs.nvrtc`` if NVRTC loads here, else skip with why."""
    try:
        from cupy_backends.cuda.libs import nvrtc
    except ImportError as exc:
        pytest.skip(f"CuPy is not installed ({exc}); pip install cupy-cuda12x")
    try:
        nvrtc.getVersion()
    except Exception as exc:  # libnvrtc not found
        pytest.skip(
            f"NVRTC cannot be loaded ({type(exc).__name__}: {exc}); "
            "pip install nvidia-cuda-nvrtc-cu12"
        )
    return nvrtc


def _nvrtc_compile(nvrtc, source: str, name: str) -> str:
    prog = nvrtc.createProgram(source, f"{name}.cu", [], [])
    try:
        nvrtc.compileProgram(prog, ["-arch=compute_80"])
    except nvrtc.NVRTCError as exc:
        log = nvrtc.getProgramLog(prog)
        raise AssertionError(f"{name} does not compile:\n{log}") from exc
    ptx = nvrtc.getPTX(prog)
    return ptx.decode() if isinstance(ptx, bytes) else ptx


@pytest.mark.parametrize("name, source", _cuda_kernels.all_sources(), ids=lambda v: v[:40])
def test_kernel_source_compiles_with_nvrtc(name, source):
    nvrtc = _nvrtc()
    ptx = _nvrtc_compile(nvrtc, source, name)
    assert f".entry {name}(" in ptx  # extern "C": the name CuPy looks up
    if name.endswith("_f32"):
        assert ".f64 " not in ptx.replace("%f64", "")  # single precision stays single


def test_broken_kernel_source_raises_nvrtc_error():
    nvrtc = _nvrtc()
    spec = _cuda_kernels.PERIODIZE_PRODUCT
    broken = spec.source(np.float32).replace("r.x = re * scale;", "r.x = re * undefined_scale;")
    prog = nvrtc.createProgram(broken, "broken.cu", [], [])
    with pytest.raises(nvrtc.NVRTCError):
        nvrtc.compileProgram(prog, ["-arch=compute_80"])
    assert "undefined_scale" in nvrtc.getProgramLog(prog)


# -- the CUDA sources: run on the host as C++ ----------------------------------
_SHIM = """
#include <cmath>
struct skscat_dim3 { unsigned int x, y, z; };
extern "C" { skscat_dim3 blockIdx, blockDim, threadIdx, gridDim; }
struct float2 { float x, y; };
struct double2 { double x, y; };
using std::hypot;
#define __global__
"""


@pytest.fixture(scope="module")
def host_kernels(tmp_path_factory):
    """The kernel sources compiled as a host shared library (ctypes)."""
    compiler = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if compiler is None:
        pytest.skip("no C++ compiler to run the CUDA sources on the host")
    folder = tmp_path_factory.mktemp("host_kernels")
    source = folder / "kernels.cpp"
    source.write_text(_SHIM + "\n".join(src for _, src in _cuda_kernels.all_sources()))
    library = folder / "kernels.so"
    subprocess.run(
        [compiler, "-O1", "-std=c++14", "-shared", "-fPIC", str(source), "-o", str(library)],
        check=True,
        capture_output=True,
    )
    return ctypes.CDLL(str(library))


def _run_on_host(lib, spec, dtype, args, grid: int, block: int) -> None:
    """Launch a kernel as CUDA would: each (block, thread) calls the function."""
    func = getattr(lib, spec.function_name(dtype))
    ctype_args = []
    for (ctype, _), value in zip(spec.params, args, strict=True):
        if "*" in ctype:
            assert value.flags.c_contiguous
            ctype_args.append(ctypes.c_void_p(value.ctypes.data))
        else:
            ctype_args.append(ctypes.c_longlong(int(value)))
    dims = {
        n: (ctypes.c_uint * 3).in_dll(lib, n)
        for n in ("blockIdx", "blockDim", "threadIdx", "gridDim")
    }
    dims["gridDim"][:] = [grid, 1, 1]
    dims["blockDim"][:] = [block, 1, 1]
    for b in range(grid):
        for t in range(block):
            dims["blockIdx"][:] = [b, 0, 0]
            dims["threadIdx"][:] = [t, 0, 0]
            func(*ctype_args)


def _kernel_cases(rng, dtype):
    """(spec, argument tuple with flat arrays, index of the output argument)."""
    ctype = np.result_type(dtype, np.complex64)
    cases = []
    for B, K, n1, n2, k1, k2 in [(2, 3, 4, 5, 2, 2), (1, 1, 1, 12, 1, 4), (3, 2, 2, 3, 3, 1)]:
        x = _complex(rng, B * n1 * k1 * n2 * k2, ctype)
        f = rng.standard_normal(K * n1 * k1 * n2 * k2).astype(dtype)
        out = np.zeros(B * K * n1 * n2, ctype)
        cases.append((_cuda_kernels.PERIODIZE_PRODUCT, (x, f, out, B, K, n1, n2, k1, k2), 2))
    for B, K, n1, n2, m2, k1, k2, N2 in [
        (2, 3, 4, 4, 4, 2, 2, 8),
        (2, 3, 4, 4, 3, 2, 2, 8),  # half output
        (1, 2, 3, 3, 2, 3, 3, 9),  # odd length
        (2, 1, 1, 8, 5, 1, 4, 32),  # 1-D
    ]:
        n_half = N2 // 2 + 1
        x = _complex(rng, B * n1 * k1 * n_half, ctype)
        f = rng.standard_normal(K * n1 * k1 * N2).astype(dtype)
        out = np.zeros(B * K * n1 * m2, ctype)
        args = (x, f, out, B, K, n1, n2, m2, k1, k2, n_half)
        cases.append((_cuda_kernels.PERIODIZE_PRODUCT_HERMITIAN, args, 2))
    x = _complex(rng, 37, ctype)
    cases.append((_cuda_kernels.MODULUS, (x, np.zeros(37, dtype), 37), 1))
    for lead, K, A, S in [(2, 3, 4, 10), (1, 1, 1, 7), (3, 2, 5, 1)]:
        z = _complex(rng, lead * K * S, ctype)
        rot = np.exp(2j * np.pi * np.arange(A) / A).astype(ctype)
        out = np.zeros(lead * K * A * S, dtype)
        cases.append((_cuda_kernels.PHASE_RELU, (z, rot, out, lead, K, A, S), 2))
    return cases


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("grid, block", [(2, 3), (1, 1), (64, 32)])
def test_kernels_on_host_match_their_references(host_kernels, dtype, grid, block):
    rng = np.random.default_rng(11)
    assert {spec.name for spec, _, _ in _kernel_cases(rng, dtype)} == set(_cuda_kernels.KERNELS)
    for spec, args, out_at in _kernel_cases(rng, dtype):
        expected = list(args)
        expected[out_at] = args[out_at].copy()
        spec.reference(*expected)
        got = list(args)
        got[out_at] = np.full_like(args[out_at], np.nan)
        _run_on_host(host_kernels, spec, dtype, got, grid, block)
        np.testing.assert_allclose(
            got[out_at], expected[out_at], rtol=1e-5 if dtype == np.float32 else 1e-12,
            err_msg=spec.name,
        )  # fmt: skip


def test_launch_config_covers_any_size():
    for total in (0, 1, 255, 256, 257, 10**9):
        (blocks,), (threads,) = _cuda_kernels.launch_config(total)
        assert 1 <= blocks <= _cuda_kernels.MAX_BLOCKS
        assert threads == _cuda_kernels.THREADS_PER_BLOCK


# -- the benchmark script stays runnable ---------------------------------------
def test_gpu_benchmark_script_runs_small(capsys):
    spec = importlib.util.spec_from_file_location("bench_gpu", REPO / "benchmarks" / "bench_gpu.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--scale", "0.002", "--repeat", "1", "--only", "skscat-numpy", "skscat-cupy"])
    out = capsys.readouterr().out
    assert "images/s" in out
    if GPU_SKIP_REASON is not None:
        assert "skscat-cupy" in out and "unavailable" in out


# -- on a real GPU ---------------------------------------------------------------
@gpu
@requires_gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_kernels_match_their_references(dtype):
    import cupy

    rng = np.random.default_rng(12)
    for spec, args, out_at in _kernel_cases(rng, dtype):
        expected = list(args)
        expected[out_at] = args[out_at].copy()
        spec.reference(*expected)
        device_args = [cupy.asarray(a) if isinstance(a, np.ndarray) else np.int64(a) for a in args]
        kernel = cupy.RawKernel(spec.source(dtype), spec.function_name(dtype))
        for grid, block in [((1,), (1,)), ((2,), (32,)), _cuda_kernels.launch_config(10**4)]:
            device_args[out_at][...] = np.nan
            kernel(grid, block, tuple(device_args))
            np.testing.assert_allclose(
                cupy.asnumpy(device_args[out_at]), expected[out_at],
                rtol=1e-5 if dtype == np.float32 else 1e-12, err_msg=spec.name,
            )  # fmt: skip


@gpu
@requires_gpu
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_gpu_ops_match_numpy(dtype):
    import cupy

    rng = np.random.default_rng(13)
    rtype = np.finfo(dtype).dtype
    cb, nb = CupyBackend(), NumpyBackend()
    tol = 1e-4 if rtype == np.float32 else 1e-10
    for x_shape, f_shape, k, ndim, real in _cases_filter_subsample():
        x = rng.standard_normal(x_shape).astype(rtype) if real else _complex(rng, x_shape, dtype)
        f = rng.standard_normal(f_shape).astype(rtype)
        got = cb.filter_subsample(cupy.asarray(x), cupy.asarray(f), k, ndim)
        assert isinstance(got, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(got), nb.filter_subsample(x, f, k, ndim),
                                   rtol=tol, atol=tol)  # fmt: skip
    for shape, f_shape, k, ndim in _cases_hermitian():
        signal = rng.standard_normal(shape).astype(rtype)
        f = rng.standard_normal(f_shape).astype(rtype)
        half = nb.rfft(signal, ndim)
        np.testing.assert_allclose(cupy.asnumpy(cb.rfft(cupy.asarray(signal), ndim)), half,
                                   rtol=tol, atol=tol)  # fmt: skip
        for op in ("filter_subsample_hermitian", "lowpass_hermitian"):
            got = getattr(cb, op)(cupy.asarray(half), cupy.asarray(f), k, ndim, shape[-1])
            expected = getattr(nb, op)(half, f, k, ndim, shape[-1])
            np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=tol, atol=tol,
                                       err_msg=op)  # fmt: skip
        back = cb.irfft(cupy.asarray(half), shape[-1], ndim)
        np.testing.assert_allclose(cupy.asnumpy(back), signal, rtol=tol, atol=tol)
    z = _complex(rng, (3, 4, 16, 16), dtype)
    np.testing.assert_allclose(cupy.asnumpy(cb.modulus(cupy.asarray(z))), np.abs(z), rtol=tol)
    for op in ("fft", "ifft", "ifft_real"):
        np.testing.assert_allclose(cupy.asnumpy(getattr(cb, op)(cupy.asarray(z), 2)),
                                   getattr(nb, op)(z, 2), rtol=tol, atol=tol)  # fmt: skip


@gpu
@requires_gpu
@pytest.mark.parametrize("H, W, J, L, max_order, average", SCATTERING_CASES)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
def test_gpu_scattering2d_matches_numpy(H, W, J, L, max_order, average, dtype, tol):
    rng = np.random.default_rng(H * W + J)
    X = rng.standard_normal((7, H * W)).astype(dtype)
    params = dict(J=J, L=L, shape=(H, W), max_order=max_order, average=average, batch_size=3)
    expected = Scattering2D(backend="numpy", **params).fit_transform(X)
    got = Scattering2D(backend="cupy", **params).fit_transform(X)
    assert type(got) is np.ndarray  # numpy in, numpy out
    assert got.dtype == dtype
    assert relative_error(got, expected) <= tol


@gpu
@requires_gpu
def test_gpu_scattering2d_relu_and_phase_ops_match_numpy():
    import cupy

    rng = np.random.default_rng(19)
    X = rng.standard_normal((5, 24 * 24)).astype(np.float32)
    params = dict(J=2, L=4, shape=(24, 24), nonlinearity="relu", n_phases=4)
    expected = Scattering2D(backend="numpy", **params).fit_transform(X)
    got = Scattering2D(backend="cupy", **params).fit_transform(X)
    assert relative_error(got, expected) <= 1e-4
    z = _complex(rng, (2, 3, 8, 8), np.complex64)
    for k in range(5):
        np.testing.assert_allclose(
            cupy.asnumpy(CupyBackend().phase_harmonic(cupy.asarray(z), k)),
            NumpyBackend().phase_harmonic(z, k), rtol=1e-4, atol=1e-5,
        )  # fmt: skip


@gpu
@requires_gpu
@pytest.mark.parametrize("N, J, Q, T, average", SCATTERING1D_CASES)
def test_gpu_scattering1d_matches_numpy(N, J, Q, T, average):
    Scattering1D = _scattering1d()
    X = np.random.default_rng(N + J).standard_normal((7, N)).astype(np.float32)
    params = dict(J=J, Q=Q, T=T, average=average, batch_size=3)
    expected = Scattering1D(backend="numpy", **params).fit_transform(X)
    got = Scattering1D(backend="cupy", **params).fit_transform(X)
    assert type(got) is np.ndarray
    assert relative_error(got, expected) <= 1e-4


@gpu
@requires_gpu
def test_gpu_cupy_input_stays_on_device():
    import cupy

    rng = np.random.default_rng(14)
    X = rng.standard_normal((9, 32 * 32)).astype(np.float32)
    expected = Scattering2D(J=2, backend="numpy").fit_transform(X)
    X_gpu = cupy.asarray(X)
    est = Scattering2D(J=2, backend="cupy", batch_size=4).fit(X_gpu)
    got = est.transform(X_gpu)
    assert isinstance(got, cupy.ndarray)
    assert got.device.id == X_gpu.device.id
    assert got.dtype == np.float32
    assert relative_error(cupy.asnumpy(got), expected) <= 1e-4
    with pytest.raises(TypeError, match="backend='cupy'"):
        Scattering2D(backend="numpy").fit(X_gpu)


@gpu
@requires_gpu
def test_gpu_filters_uploaded_once_and_fft_plans_cached(monkeypatch):
    import cupy

    cupy_backend_module.clear_device_caches()
    uploads = []
    original = CupyBackend._upload_bank
    monkeypatch.setattr(
        CupyBackend, "_upload_bank", lambda self, bank: uploads.append(1) or original(self, bank)
    )
    X = np.random.default_rng(15).standard_normal((8, 32 * 32)).astype(np.float32)
    est = Scattering2D(J=2, backend="cupy", batch_size=4).fit(X)
    est.transform(X)
    est.transform(X)
    assert len(uploads) == 1
    assert cupy.fft.config.get_plan_cache().get_curr_size() > 0


@gpu
@requires_gpu
def test_gpu_pipeline_with_array_api_dispatch():
    """Scattering2D(backend="cupy") -> StandardScaler -> LDA, on the GPU end to end."""
    import cupy
    import sklearn
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pytest.importorskip("array_api_compat")
    rng = np.random.default_rng(16)
    n, side = 120, 16
    y = np.repeat([0, 1], n // 2)
    # Two texture classes: horizontal versus vertical stripes, noisy.
    stripes = np.sin(np.arange(side) * 1.3)
    X = rng.standard_normal((n, side, side)) * 0.5
    X[y == 0] += stripes[None, :, None]
    X[y == 1] += stripes[None, None, :]
    X = X.reshape(n, -1).astype(np.float32)

    def pipeline(backend):
        return make_pipeline(
            Scattering2D(J=2, L=4, average=True, backend=backend),
            StandardScaler(),
            LinearDiscriminantAnalysis(),
        )

    expected = pipeline("numpy").fit(X, y).predict(X)
    with sklearn.config_context(array_api_dispatch=True):
        model = pipeline("cupy").fit(cupy.asarray(X), cupy.asarray(y))
        predicted = model.predict(cupy.asarray(X))
    assert isinstance(predicted, cupy.ndarray)
    assert (cupy.asnumpy(predicted) == expected).mean() >= 0.95
    assert (cupy.asnumpy(predicted) == y).mean() >= 0.9
