"""The numba backend: the numpy backend's numbers, from fused parallel kernels.

- Every backend operation is compared with :class:`NumpyBackend` on random
  inputs (1-D and 2-D, odd and tiny sizes, several sub-sampling factors,
  float32 and float64, one or two threads).
- Every kernel's ``.py_func`` (the same code, run by the Python interpreter)
  is compared with NumPy on small inputs, so that coverage sees the kernels.
- The transforms give the numpy backend's coefficients (relative error at
  most 1e-14 in float64 and 2e-6 in float32) for many shapes, J, L,
  max_order, options, batch sizes and thread counts, and do not depend on
  the thread count.

No test here has a wall-clock bound; the timings are in ``benchmarks/``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from skscat import Scattering2D, ShapeWarning
from skscat.backends import _numba_kernels as K
from skscat.backends import available_backends, get_backend, resolve_backend_name
from skscat.backends import numba_backend as nbm
from skscat.backends.numba_backend import NumbaBackend
from skscat.backends.numpy_backend import NumpyBackend  # noqa: E402
from tests.conftest import relative_error as _real_relative_error  # noqa: E402

# Measured worst relative errors: 2.5e-16 (float64) and 2.5e-7 (float32), i.e. a
# couple of units in the last place; a float32 slip in a float64 path fails.
TOL = {np.float32: 2e-6, np.float64: 1e-14}
DTYPES = (np.float32, np.float64)
# the kernels' ``word`` arguments (one interleaved complex value)
_W32 = nbm._word(np.dtype(np.float32))
_W64 = nbm._word(np.dtype(np.float64))


def relative_error(a, b):
    """max |a - b| / max |b|, complex-aware."""
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        a = np.asarray(a, dtype=np.complex128)
        b = np.asarray(b, dtype=np.complex128)
        return float(np.abs(a - b).max() / np.abs(b).max())
    return _real_relative_error(a, b)


def _complex(rng, shape, dtype):
    ctype = np.result_type(dtype, np.complex64)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(ctype)


def _symmetric(rng, space, dtype):
    """A real filter with ``f[-k] == f[k]`` (like the low-pass)."""
    f = rng.standard_normal(space)
    flipped = f
    for axis in range(f.ndim):
        flipped = np.roll(np.flip(flipped, axis=axis), 1, axis=axis)
    return (f + flipped).astype(dtype)


def _spatial_reference(x, rows, cols, ndim, modulus):
    """``rows @ u @ cols.T`` in float64, the reference of ``lowpass_spatial``."""
    u = np.abs(x) if modulus else x
    u = np.asarray(u, dtype=np.float64)
    y = u @ np.asarray(cols, dtype=np.float64).T
    if ndim == 2:
        y = np.asarray(rows, dtype=np.float64) @ y
    return y


# -- registry ---------------------------------------------------------------
def test_registered_and_chosen_by_auto():
    assert "numba" in available_backends()
    assert resolve_backend_name("auto") == "numba"
    backend = get_backend("numba", n_jobs=2)
    assert isinstance(backend, NumbaBackend) and backend.workers == 2
    NumbaBackend.check_available()


# -- operations against the numpy backend -----------------------------------
CASES = [
    # (ndim, lead, space, k)
    (2, (3, 2), (8, 8), 1),
    (2, (3, 2), (8, 8), 2),
    (2, (2,), (12, 10), 2),
    (2, (2, 3), (6, 9), 1),
    (2, (4,), (16, 16), 4),
    (2, (1,), (16, 24), 8),
    (2, (2,), (1, 1), 1),
    (2, (3,), (2, 4), 2),
    (1, (3, 2), (16,), 2),
    (1, (2,), (12,), 1),
    (1, (2,), (32,), 8),
    (1, (5,), (3,), 1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ndim, lead, space, k", CASES)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fused_ops_match_numpy(rng, dtype, ndim, lead, space, k, n_jobs):
    ref, ops = NumpyBackend(), NumbaBackend(n_jobs=n_jobs)
    tol = TOL[dtype]
    n_last = space[-1]
    x = rng.standard_normal(lead + space).astype(dtype)
    X = ref.fft(x, ndim)
    Xh = ref.rfft(x, ndim)
    filters = rng.standard_normal((3,) + space).astype(dtype)
    filters[:, ..., : max(1, n_last // 3)] *= 1e-30  # negligible columns
    filters.flags.writeable = False  # like a filter bank (cached preparation)
    for f in (filters, filters[0]):
        got = ops.filter_subsample(X, f, k, ndim)
        want = ref.filter_subsample(X, f, k, ndim)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert relative_error(got, want) <= tol
        got = ops.filter_subsample_hermitian(Xh, f, k, ndim, n_last)
        want = ref.filter_subsample_hermitian(Xh, f, k, ndim, n_last)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert relative_error(got, want) <= tol
    phi = _symmetric(rng, space, dtype)
    got = ops.lowpass_hermitian(Xh, phi, k, ndim, n_last)
    want = ref.lowpass_hermitian(Xh, phi, k, ndim, n_last)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert relative_error(got, want) <= tol
    got = ops.modulus(X)
    assert got.dtype == np.abs(X).dtype
    assert relative_error(got, np.abs(X)) <= tol


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "ndim, lead, space",
    [(2, (3, 2), (9, 7)), (2, (70,), (5, 6)), (1, (4, 3), (20,)), (2, (1,), (1, 1))],
)
@pytest.mark.parametrize("modulus", [True, False])
def test_lowpass_spatial_matches_matrix_products(rng, dtype, ndim, lead, space, modulus):
    ops = NumbaBackend(n_jobs=2)
    if modulus:
        x = _complex(rng, lead + space, dtype)
    else:
        x = rng.standard_normal(lead + space).astype(dtype)
    rows = rng.standard_normal((3, space[0])) if ndim == 2 else None
    cols = rng.standard_normal((2, space[-1]))
    got = ops.lowpass_spatial(x, rows, cols, ndim, modulus=modulus)
    want = _spatial_reference(x, rows, cols, ndim, modulus)
    assert got.shape == want.shape
    assert got.dtype == dtype
    assert relative_error(got, want) <= 10 * TOL[dtype]
    ref = NumpyBackend().lowpass_spatial(x, rows, cols, ndim, modulus=modulus)
    assert relative_error(got, ref) <= 10 * TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "ndim, space, h, w",
    [
        (2, (9, 7), 3, 2),
        (2, (6, 6), 1, 1),
        (2, (40, 40), 5, 4),
        (2, (12, 70), 3, 5),
        (1, (20,), 1, 3),
        (1, (33,), 1, 1),
    ],
)
@pytest.mark.parametrize("modulus", [True, False])
@pytest.mark.parametrize("kron", [True, False])
@pytest.mark.parametrize("single", [False, True])
def test_lowpass_spatial_independent_of_batch_split(
    rng, monkeypatch, dtype, ndim, space, h, w, modulus, kron, single
):
    """Each map's low-pass is bit-identical however the samples (first axis) are
    split into calls and threads, down to one sample per call."""
    # groups < 6 maps, or (single) of one map: the products' other order
    group_bytes = 1 if single else 3 * int(np.prod(space)) * 8
    monkeypatch.setattr(nbm, "_SPATIAL_GROUP_BYTES", group_bytes)
    monkeypatch.setattr(nbm, "_KRON_FACTOR", 1e9 if kron else 0.0)
    lead = (7, 6)
    if modulus:
        x = _complex(rng, lead + space, dtype)
    else:
        x = rng.standard_normal(lead + space).astype(dtype)
    rows = rng.standard_normal((h, space[0])) if ndim == 2 else None
    cols = rng.standard_normal((w, space[-1]))
    ops = NumbaBackend(n_jobs=1)
    whole = ops.lowpass_spatial(x, rows, cols, ndim, modulus=modulus)
    assert whole.dtype == dtype
    want = _spatial_reference(x, rows, cols, ndim, modulus)
    assert relative_error(whole, want) <= 10 * TOL[dtype]
    bounds = [0, 1, 3, 4, 7]
    parts = [
        ops.lowpass_spatial(x[a:b], rows, cols, ndim, modulus=modulus)
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    threaded = NumbaBackend(n_jobs=2).lowpass_spatial(x, rows, cols, ndim, modulus=modulus)
    np.testing.assert_array_equal(threaded, whole)


def test_lowpass_spatial_leaves_blas_threads_as_they_were(rng):
    """Its BLAS products run on one thread; the libraries' settings come back after."""
    from threadpoolctl import threadpool_info

    def blas():
        return [(lib["filepath"], lib["num_threads"]) for lib in threadpool_info()
                if lib["user_api"] == "blas"]  # fmt: skip

    before = blas()
    x = _complex(rng, (3, 4, 20, 20), np.float32)
    NumbaBackend(n_jobs=2).lowpass_spatial(x, np.ones((3, 20)), np.ones((4, 20)), 2, modulus=True)
    assert blas() == before


@pytest.mark.parametrize("dtype", DTYPES)
def test_modulus_exact_at_extreme_scales(dtype):
    info = np.finfo(dtype)
    ops = NumbaBackend()
    values = np.array(
        [0, 1 + 1j, info.max / 2 * (1 + 1j), info.tiny * (3 + 4j), 1e-30 + 0j, -2j],
        dtype=np.result_type(dtype, np.complex64),
    )
    z = np.tile(values, (3, 1))
    want = np.abs(z)
    got = ops.modulus(z)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=4 * info.eps, atol=0)
    # the fused low-pass takes the same care
    rows, cols = np.eye(3), np.eye(6)
    np.testing.assert_allclose(
        ops.lowpass_spatial(z[None], rows, cols, 2, modulus=True)[0], want, rtol=4 * info.eps
    )


def test_ffts_batched_in_input_precision(rng):
    ops, ref = NumbaBackend(n_jobs=2), NumpyBackend()
    x = rng.standard_normal((4, 3, 10, 12)).astype(np.float32)
    for a, b in [(ops.rfft(x, 2), ref.rfft(x, 2)), (ops.fft(x, 2), ref.fft(x, 2))]:
        assert a.dtype == np.complex64
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    h = ops.rfft(x, 2)
    np.testing.assert_allclose(ops.irfft(h, 12, 2), x, atol=1e-5)
    np.testing.assert_allclose(
        ops.pad_reflect(x, ((1, 2), (3, 0)), 2), ref.pad_reflect(x, ((1, 2), (3, 0)), 2)
    )


def test_ifft_overwrites_only_its_own_products(rng):
    ops = NumbaBackend()
    X = _complex(rng, (2, 8, 8), np.float32)
    keep = X.copy()
    ops.ifft(X, 2)
    np.testing.assert_array_equal(X, keep)  # a caller's array is never modified
    F = rng.standard_normal((3, 8, 8)).astype(np.float32)
    W = ops.filter_subsample(X, F, 2, 2)
    expected = np.fft.ifft2(W.copy()).astype(np.complex64)
    out = ops.ifft(W, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    before = out.copy()
    ops.ifft(out, 2)  # the result belongs to the caller: not overwritten
    np.testing.assert_array_equal(out, before)


def test_kernel_calls_split_over_threads(rng):
    import threading

    seen = []

    def kernel(a, out):
        seen.append((len(a), threading.current_thread().name))
        out[:] = 2 * a

    a = rng.standard_normal(100)
    out = np.empty(100)
    NumbaBackend(n_jobs=1)._run(kernel, (a, out), (0, 1), 100, 1 << 20)
    assert seen == [(100, threading.current_thread().name)]
    np.testing.assert_array_equal(out, 2 * a)
    # n_jobs chunks of the batch (aligned), the first on the calling thread
    seen.clear()
    out[:] = 0
    NumbaBackend(n_jobs=3)._run(kernel, (a, out), (0, 1), 100, 1 << 20, align=8)
    assert sorted(n for n, _ in seen) == [20, 40, 40]
    assert sum(name.startswith("skscat-numba") for _, name in seen) == 2
    np.testing.assert_array_equal(out, 2 * a)
    # small calls stay on the calling thread
    seen.clear()
    NumbaBackend(n_jobs=3)._run(kernel, (a, out), (0, 1), 100, 10)
    assert seen == [(100, threading.current_thread().name)]

    def failing(a, out):
        raise ValueError("inside a kernel call")

    with pytest.raises(ValueError):
        NumbaBackend(n_jobs=2)._run(failing, (a, out), (0, 1), 100, 1 << 20)


def test_complex_filters_fall_back_to_numpy(rng):
    ops, ref = NumbaBackend(), NumpyBackend()
    X = _complex(rng, (2, 8, 8), np.float64)
    F = _complex(rng, (3, 8, 8), np.float64)
    np.testing.assert_allclose(ops.filter_subsample(X, F, 2, 2), ref.filter_subsample(X, F, 2, 2))
    Xh = ref.rfft(rng.standard_normal((2, 8, 8)), 2)
    np.testing.assert_allclose(
        ops.filter_subsample_hermitian(Xh, F, 2, 2, 8),
        ref.filter_subsample_hermitian(Xh, F, 2, 2, 8),
    )
    np.testing.assert_allclose(
        ops.lowpass_hermitian(Xh, F[0], 2, 2, 8), ref.lowpass_hermitian(Xh, F[0], 2, 2, 8)
    )
    np.testing.assert_array_equal(ops.modulus(np.array([-1.0, 2.0])), [1.0, 2.0])


def test_prepared_filters_cached_for_read_only_banks(rng):
    F = rng.standard_normal((2, 8, 8)).astype(np.float32)
    F.flags.writeable = False
    a = nbm._doubled(F, np.float32, 2, 0.25)
    assert nbm._doubled(F, np.float32, 2, 0.25) is a
    assert 0 < a[2] <= 1 and 0 <= a[3] <= F.size
    np.testing.assert_array_equal(a[0][..., ::2], 0.25 * F)
    W = rng.standard_normal((2, 8, 8))  # writeable: never cached
    assert nbm._doubled(W, np.float64, 2) is not nbm._doubled(W, np.float64, 2)


# -- the kernels as Python code ---------------------------------------------
def _iv(z):
    """Interleaved float view of a complex array, flattened per batch row."""
    z = np.ascontiguousarray(z)
    return z.view(z.real.dtype).reshape(z.shape[0], -1)


@pytest.mark.parametrize("half", [False, True])
@pytest.mark.parametrize(
    "M, N, kx, ky", [(4, 6, 1, 1), (4, 4, 2, 2), (8, 8, 4, 4), (1, 8, 1, 4), (1, 6, 1, 2)]
)
def test_filter_fold_py_func(rng, half, M, N, kx, ky):
    B, Kf = 3, 2
    x = rng.standard_normal((B, M, N))
    full = np.fft.fftn(x, axes=(1, 2))
    U = np.fft.rfftn(x, axes=(1, 2)) if half else full
    F = rng.standard_normal((Kf, M, N))
    F[:, :, 1] = 0.0  # a negligible column, skipped through the segments
    seg = K.filter_segments(F, 1e-12)
    scale = 1.0 / (kx * ky)
    F2 = K.double_filters(F * scale).reshape(Kf, -1)
    prod = full[:, None] * F[None]
    want = prod.reshape(B, Kf, kx, M // kx, ky, N // ky).mean(axis=(2, 4))
    for sparse, expand in [(False, False), (True, False), (True, True)]:
        out = np.empty((B, Kf, (M // kx) * (N // ky)), dtype=complex)
        K.filter_fold.py_func(
            _iv(U), half, M, N, F2, seg, sparse, expand, kx, ky, _W64, out.view(float)
        )
        np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("half", [False, True])
@pytest.mark.parametrize("M, N, kx, ky", [(4, 6, 1, 1), (8, 8, 4, 4), (6, 8, 2, 4)])
def test_filter_fold_lanes_py_func(rng, half, M, N, kx, ky):
    B, Kf, lanes = 5, 2, 2  # a last block with one input
    x = rng.standard_normal((B, M, N))
    full = np.fft.fftn(x, axes=(1, 2))
    U = np.fft.rfftn(x, axes=(1, 2)) if half else full
    F = rng.standard_normal((Kf, M, N))
    F[:, :, 1] = 0.0
    seg = K.filter_segments(F, 1e-12)
    Fs = (F / (kx * ky)).reshape(Kf, -1)
    want = (full[:, None] * F[None]).reshape(B, Kf, kx, M // kx, ky, N // ky).mean(axis=(2, 4))
    out = np.empty((B, Kf, (M // kx) * (N // ky)), dtype=complex)
    K.filter_fold_lanes.py_func(_iv(U), half, M, N, Fs, seg, kx, ky, lanes, _W64, out.view(float))
    np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lanes", [1, 4, 16])
def test_filter_fold_lanes_equals_segment_loops(rng, lanes):
    """The lane layout sums each output's terms in the segment loops' order: same bits."""
    B, Kf, M, N, k = 7, 3, 16, 16, 4
    x = rng.standard_normal((B, M, N)).astype(np.float32)
    U = np.fft.rfftn(x, axes=(1, 2)).astype(np.complex64)
    F = np.exp(-((np.arange(M)[:, None] - 3.0) ** 2 + (np.arange(N) - 5.0) ** 2) / 4.0)
    F = np.stack([np.roll(F, f, axis=1) for f in range(Kf)]).astype(np.float32)
    seg = K.filter_segments(F, float(np.finfo(np.float32).eps) ** 2)
    F2 = K.double_filters(F / np.float32(k * k)).reshape(Kf, -1)
    want = np.empty((B, Kf, (M // k) * (N // k)), dtype=np.complex64)
    got = np.empty_like(want)
    K.filter_fold(_iv(U), True, M, N, F2, seg, True, True, k, k, _W32, want.view(np.float32))
    Fs = np.ascontiguousarray(F2[:, ::2])
    K.filter_fold_lanes(_iv(U), True, M, N, Fs, seg, k, k, lanes, _W32, got.view(np.float32))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("M, N", [(4, 6), (8, 4), (6, 10)])
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_filter_fold_rows_equals_filter_fold(rng, M, N, k, dtype):
    """Row by row over all inputs and filters: the same expression, the same bits."""
    B, Kf = 3, 2
    word, ctype = (_W64, complex) if dtype == np.float64 else (_W32, np.complex64)
    x = rng.standard_normal((B, M, N))
    U = _iv(np.fft.rfftn(x, axes=(1, 2)).astype(ctype))
    F = rng.standard_normal((Kf, M, N)).astype(dtype)
    seg = K.filter_segments(F, 1e-12)
    F2 = K.double_filters(F / dtype(k * k)).reshape(Kf, -1)
    want = np.empty((B, Kf, (M // k) * (N // k)), dtype=ctype)
    K.filter_fold(U, True, M, N, F2, seg, False, True, k, k, word, want.view(dtype))
    # the filters as rows takes them not doubled
    Fs = np.ascontiguousarray(F2[:, ::2])
    for kernel in (K.filter_fold_rows, K.filter_fold_rows.py_func):
        got = np.empty_like(want)
        kernel(U, M, N, Fs, k, word, got.view(dtype))
        bits = np.dtype(f"u{np.dtype(dtype).itemsize}")
        np.testing.assert_array_equal(got.view(dtype).view(bits), want.view(dtype).view(bits))


@pytest.mark.parametrize(
    "M, N, k", [(8, 8, 2), (8, 8, 4), (6, 10, 2), (5, 7, 1), (12, 12, 3), (16, 16, 8)]
)
def test_filter_fold_half_matches_full_product(rng, M, N, k):
    """Stored half plus reflected half: the periodised product with the full spectrum."""
    B, Kf = 3, 3
    x = rng.standard_normal((B, M, N))
    U = _iv(np.fft.rfft2(x))
    F = rng.standard_normal((Kf, M, N))
    F[0, :, : N // 2] = 0.0  # only columns above N // 2: reflected part only
    F[1, :, 2:-1] = 0.0  # a range wrapping past column 0
    F[2, 1] = 0.0  # an empty row
    seg = K.filter_segments(F, 0.0)
    F2, runs, ptr = K.half_parts(F / (k * k), seg, k)
    prod = np.fft.fft2(x)[:, None] * F[None]
    want = prod.reshape(B, Kf, k, M // k, k, N // k).mean(axis=(2, 4))
    for kernel in (K.filter_fold_half, K.filter_fold_half.py_func):
        out = np.full((B, Kf, (M // k) * (N // k)), np.nan, dtype=complex)
        kernel(U, M, N, F2, runs, ptr, k, k, _W64, out.view(float))
        np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-13, atol=1e-13)
    # runs never cross a multiple of N // k (one contiguous output range each)
    assert np.all(runs[:, 1] + runs[:, 2] <= N // k) and np.all(runs[:, 2] > 0)


def test_filter_fold_half_independent_of_the_batch_split(rng):
    M = N = 16
    B, k = 6, 4
    U = _iv(np.fft.rfft2(rng.standard_normal((B, M, N))).astype(np.complex64))
    F = rng.standard_normal((2, M, N)).astype(np.float32)
    F2, runs, ptr = K.half_parts(F / np.float32(k * k), K.filter_segments(F, 0.0), k)
    out = np.empty((B, 2, 2 * (M // k) * (N // k)), dtype=np.float32)
    K.filter_fold_half(U, M, N, F2, runs, ptr, k, k, _W32, out)
    for lo, hi in [(0, 1), (1, 4), (4, 6)]:
        part = np.empty_like(out[lo:hi])
        K.filter_fold_half(U[lo:hi], M, N, F2, runs, ptr, k, k, _W32, part)
        np.testing.assert_array_equal(part, out[lo:hi])


@pytest.mark.parametrize("dtype", DTYPES)
def test_skipped_filter_entries_below_the_stated_bound(rng, dtype):
    """Entries under ``2**-10 eps`` of a filter's maximum are skipped; what they would add
    is at most ``2**-10 eps max|F| ||X||_2`` (L2 norm), and the op computes the rest."""
    from skscat.filters.morlet2d import morlet_filter_bank_2d

    M = N = 48
    filters = morlet_filter_bank_2d(M, N, 3, 8, np.dtype(dtype).name).psi[2][0]  # narrow
    k = 4
    x = rng.standard_normal((3, M, N))
    X = np.fft.fft2(x)
    _, seg, _, _ = nbm._doubled(filters, np.dtype(dtype), 2, 1.0 / k**2)
    kept = np.zeros(filters.shape, dtype=bool)
    for f, row, g in np.ndindex(kept.shape[0], M, 2):
        lo, hi = seg[f, row, 2 * g], seg[f, row, 2 * g + 1]
        kept[f, row, lo:hi] = True
    F = filters.astype(np.float64)

    def fold(v):
        return v.reshape(v.shape[:2] + (k, M // k, k, N // k)).mean(axis=(2, 4))

    skipped = fold(X[:, None] * np.where(kept, 0.0, F)[None])
    bound = nbm._negligible(dtype) * np.abs(F).max(axis=(1, 2)) * np.linalg.norm(X[0])
    assert 0 < np.abs(skipped).max()  # something is skipped
    for f in range(F.shape[0]):
        assert np.linalg.norm(skipped[0, f]) <= bound[f]
    got = NumbaBackend(1).filter_subsample_hermitian(
        np.fft.rfft2(x).astype(np.result_type(dtype, np.complex64)), filters, k, 2, N
    )
    assert relative_error(got, fold(X[:, None] * np.where(kept, F, 0.0)[None])) <= TOL[dtype]
    # the pruned op against the unpruned product: rounding, plus at most the bound
    assert relative_error(got, fold(X[:, None] * F[None])) <= TOL[dtype]


@pytest.mark.parametrize("half", [False, True])
@pytest.mark.parametrize("M, N", [(4, 6), (8, 4), (6, 10)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_filter_fold_quad_equals_filter_fold(rng, half, M, N, dtype):
    """Quadrant layout: the dense by-2 expression of filter_fold, the same bits."""
    B, Kf = 3, 2
    word, ctype = (_W64, complex) if dtype == np.float64 else (_W32, np.complex64)
    x = rng.standard_normal((B, M, N))
    X = np.fft.rfftn(x, axes=(1, 2)) if half else np.fft.fftn(x, axes=(1, 2))
    U = _iv(X.astype(ctype))
    F = rng.standard_normal((Kf, M, N)).astype(dtype)
    seg = K.filter_segments(F, 1e-12)
    F2 = K.double_filters(F / dtype(4)).reshape(Kf, -1)
    want = np.empty((B, Kf, (M // 2) * (N // 2)), dtype=ctype)
    K.filter_fold(U, half, M, N, F2, seg, False, True, 2, 2, word, want.view(dtype))
    F4 = K.quadrants(np.ascontiguousarray(F2[:, ::2]), M, N)
    bits = np.dtype(f"u{np.dtype(dtype).itemsize}")
    for kernel in (K.filter_fold_quad, K.filter_fold_quad.py_func):
        got = np.full_like(want, np.nan)
        kernel(U, half, M, N, F4, word, got.view(dtype))
        np.testing.assert_array_equal(got.view(dtype).view(bits), want.view(dtype).view(bits))


def test_filter_segments_cover_wrapped_support():
    F = np.zeros((1, 2, 10))
    F[0, 0, [0, 1, 9]] = 1.0  # around column 0, wrapping
    F[0, 1, [3, 5]] = 1.0
    seg = K.filter_segments(F, 1e-12)
    assert tuple(seg[0, 0]) == (9, 10, 0, 2)
    assert tuple(seg[0, 1]) == (3, 6, 0, 0)


def _lowpass_case(rng, B, M, N):
    """Signals, their half spectra, and a symmetric low-pass with negligible columns."""
    x = rng.standard_normal((B, M, N))
    U = np.fft.rfftn(x, axes=(1, 2))
    phi = _symmetric(rng, (M, N), np.float64)
    phi[:, 1:2] = 0.0  # negligible columns (kept symmetric: column N - 1 too)
    phi[:, N - 1 :] = 0.0 if N > 2 else phi[:, N - 1 :]
    F2 = K.double_filters(phi).reshape(-1)
    seg = K.filter_segments(phi[None], 1e-12)[0]
    return x, U, phi, F2, seg


@pytest.mark.parametrize("M, N, kx, ky", [(4, 6, 2, 2), (8, 8, 4, 4), (1, 8, 1, 2), (3, 5, 1, 1)])
def test_lowpass_fold_hermitian_py_func(rng, M, N, kx, ky):
    B = 2
    x, U, phi, F2, seg = _lowpass_case(rng, B, M, N)
    Mk, Nk = M // kx, N // ky
    out = np.empty((B, Mk * (Nk // 2 + 1)), dtype=complex)
    prod = np.fft.fftn(x, axes=(1, 2)) * phi
    want = prod.reshape(B, kx, Mk, ky, Nk).mean(axis=(1, 3))[..., : Nk // 2 + 1]
    for sparse in (False, True):
        K.lowpass_fold_hermitian.py_func(
            _iv(U), M, N, F2, seg, sparse, kx, ky, 1.0 / (kx * ky), out.view(float)
        )
        np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("M, N, kx, ky", [(4, 6, 2, 2), (8, 8, 4, 4), (1, 8, 1, 2), (3, 5, 1, 1)])
def test_lowpass_fold_terms_py_func(rng, M, N, kx, ky):
    B = 2
    x, U, phi, F2, seg = _lowpass_case(rng, B, M, N)
    Mk, Nk = M // kx, N // ky
    scale = 1.0 / (kx * ky)
    for sparse in (False, True):
        ptr, src, w, planes = K.lowpass_fold_plan(F2, seg, sparse, M, N, kx, ky)
        # dense: every output sums one term per row and periodised copy, laid out by term
        assert planes == (0 if sparse else kx * ky)
        if sparse:  # the negligible columns are not listed
            assert ptr[-1] < 2 * M * ky * (Nk // 2 + 1)
        want = np.empty((B, Mk * (Nk // 2 + 1)), dtype=complex)
        K.lowpass_fold_hermitian.py_func(
            _iv(U), M, N, F2, seg, sparse, kx, ky, scale, want.view(float)
        )
        got = np.empty_like(want)
        K.lowpass_fold_terms.py_func(_iv(U), ptr, src, w, planes, scale, kx * ky > 1, _iv(got))
        # the same terms added in the same order: the same bits
        np.testing.assert_array_equal(got.view(float), want.view(float))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("narrow", [False, True])
def test_lowpass_hermitian_term_list_same_bits_as_row_loops(rng, dtype, narrow):
    """2-D low-passes on short periodised rows go through the list of terms;
    it adds the same terms in the same order as the row loops."""
    M, N, k = 24, 40, 2
    x = rng.standard_normal((3, 2, M, N)).astype(dtype)
    Xh = NumpyBackend().rfft(x, 2)
    phi = _symmetric(rng, (M, N), dtype)
    if narrow:  # negligible outside a small box: only the segments are listed
        fy, fx = np.meshgrid(np.fft.fftfreq(N) * N, np.fft.fftfreq(M) * M)
        phi = np.where((np.abs(fx) <= 2) & (np.abs(fy) <= 3), phi, 0).astype(dtype)
    phi.flags.writeable = False
    got = NumbaBackend(n_jobs=1).lowpass_hermitian(Xh, phi, k, 2, N)
    F2, seg, density, _ = nbm._doubled(phi, np.dtype(dtype), 2)
    sparse = density < nbm._SPARSE_LOWPASS_BELOW
    assert sparse == narrow and (N // k) // 2 + 1 <= nbm._LOWPASS_TERMS_ROW
    U = np.ascontiguousarray(Xh).reshape(6, -1)
    rows = np.empty((6, got[0, 0].size), dtype=U.dtype)
    K.lowpass_fold_hermitian(
        _iv(U), M, N, F2.reshape(-1), seg.reshape(M, 4), sparse, k, k, dtype(0.25), _iv(rows)
    )
    np.testing.assert_array_equal(got.reshape(6, -1), rows)
    want = NumpyBackend().lowpass_hermitian(Xh, phi, k, 2, N)
    assert relative_error(got, want) <= TOL[dtype]


def test_modulus_py_func(rng):
    z = _complex(rng, (3, 7), np.float64)
    z[0, 0] = 1e-200 + 1e-200j  # squares underflow: hypot path
    z[1, 1] = 1e200 + 1e200j  # squares overflow: hypot path
    out = np.empty((3, 7))
    lo, hi = nbm._square_range(np.dtype(np.float64))
    with np.errstate(over="ignore", under="ignore"):
        K.modulus.py_func(_iv(z), lo, hi, out)
    np.testing.assert_allclose(out, np.abs(z), rtol=1e-15)
    assert K._inexact.py_func(1e-200, 0.0, lo, hi) and not K._inexact.py_func(0.0, 0.0, lo, hi)


@pytest.mark.parametrize("complex_input", [True, False])
@pytest.mark.parametrize("kron", [True, False])
@pytest.mark.parametrize("B, group", [(5, 2), (3, 8), (4, 4), (1, 1)])
def test_lowpass_spatial_py_func(rng, complex_input, kron, B, group):
    M, N, h, w = 5, 6, 2, 3
    rows, cols = rng.standard_normal((h, M)), rng.standard_normal((w, N))
    z = _complex(rng, (B, M, N), np.float64) if complex_input else rng.standard_normal((B, M, N))
    if complex_input:
        z[0, 0, 0] = 1e-200  # a hypot fix-up
    Z = _iv(z) if complex_input else z.reshape(B, -1)
    out = np.empty((B, h * w))
    lo, hi = nbm._square_range(np.dtype(np.float64))
    colsT = nbm._padded_transpose(cols, np.float64)
    one = nbm._padded_transpose(rows[:1], np.float64)  # one row: a zero column added
    assert one.shape == (M, 2) and np.array_equal(one[:, 0], rows[0]) and not one[:, 1].any()
    KT = nbm._padded_transpose(np.kron(rows, cols), np.float64) if kron else np.zeros((0, 2))
    args = (complex_input, M, N, False, rows, colsT, KT, lo, hi, group, h, w, out)
    K.lowpass_spatial.py_func(Z, *args)
    u = np.abs(z) if complex_input else z
    np.testing.assert_allclose(out.reshape(B, h, w), rows @ u @ cols.T, rtol=1e-12, atol=1e-14)


def test_double_filters():
    f = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(K.double_filters(f), [[0, 0, 1, 1, 2, 2], [3, 3, 4, 4, 5, 5]])


# -- the transforms ------------------------------------------------------------
SCATTERING_2D = [
    # (shape, J, L, max_order, average)
    ((28, 28), 2, 8, 2, False),
    ((32, 32), 3, 8, 2, False),
    ((17, 23), 2, 4, 2, False),
    ((9, 31), 3, 2, 2, True),
    ((16, 16), 1, 6, 1, False),
    ((5, 5), 2, 4, 2, False),  # smaller than 2**J
    ((1, 7), 1, 3, 2, False),
    ((3, 2), 2, 1, 2, True),
    ((40, 12), 4, 4, 2, False),
    ((64, 64), 4, 8, 2, True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, J, L, max_order, average", SCATTERING_2D)
def test_scattering2d_numba_equals_numpy(rng, dtype, shape, J, L, max_order, average):
    X = rng.standard_normal((5, shape[0] * shape[1])).astype(dtype)
    kw = dict(J=J, L=L, shape=shape, max_order=max_order, average=average)
    want = Scattering2D(backend="numpy", **kw).fit_transform(X)
    got = Scattering2D(backend="numba", n_jobs=2, **kw).fit_transform(X)
    assert got.dtype == dtype and got.shape == want.shape
    assert relative_error(got, want) <= TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_scattering2d_phase_relu_numba_equals_numpy(rng, dtype):
    X = rng.standard_normal((3, 20 * 20)).astype(dtype)
    kw = dict(J=2, L=4, shape=(20, 20), nonlinearity="relu", n_phases=2)
    want = Scattering2D(backend="numpy", **kw).fit_transform(X)
    got = Scattering2D(backend="numba", **kw).fit_transform(X)
    assert relative_error(got, want) <= TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_scattering2d_independent_of_batches_and_threads(rng, dtype):
    X = rng.standard_normal((37, 24 * 24)).astype(dtype)
    kw = dict(J=3, L=4, shape=(24, 24), backend="numba")
    full = Scattering2D(**kw, n_jobs=1).fit_transform(X)
    for batch_size, n_jobs in [(1, 1), (5, 2), (16, -1), (37, 2), (100, None)]:
        out = Scattering2D(**kw, batch_size=batch_size, n_jobs=n_jobs).fit_transform(X)
        np.testing.assert_array_equal(out, full)
    assert (
        relative_error(full, Scattering2D(**{**kw, "backend": "numpy"}).fit_transform(X))
        <= TOL[dtype]
    )


def test_scattering2d_default_shapes_with_numba(rng):
    X = rng.standard_normal((4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShapeWarning)
        got = Scattering2D(backend="numba").fit_transform(X)
        want = Scattering2D(backend="numpy").fit_transform(X)
    assert relative_error(got, want) <= 1e-6


SCATTERING_1D = [
    # (N, J, Q, T, max_order, average)
    (4096, 6, 8, None, 2, True),
    (1000, 5, 4, None, 2, True),
    (257, 4, 1, None, 2, True),
    (128, 3, (2, 1), 4, 2, True),
    (300, 4, 2, None, 1, True),
    (64, 3, 1, 0, 2, False),
    (5, 2, 1, None, 2, True),  # shorter than 2**J
    (33, 3, 3, None, 2, False),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("N, J, Q, T, max_order, average", SCATTERING_1D)
def test_scattering1d_numba_equals_numpy(rng, dtype, N, J, Q, T, max_order, average):
    from skscat.scattering import Scattering1D

    X = rng.standard_normal((4, N)).astype(dtype)
    kw = dict(J=J, Q=Q, T=T, max_order=max_order, average=average)
    want = Scattering1D(backend="numpy", **kw).fit_transform(X)
    got = Scattering1D(backend="numba", n_jobs=2, **kw).fit_transform(X)
    assert got.dtype == dtype and got.shape == want.shape
    assert relative_error(got, want) <= TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_scattering1d_independent_of_batches_and_threads(rng, dtype):
    from skscat.scattering import Scattering1D

    X = rng.standard_normal((23, 512)).astype(dtype)
    kw = dict(J=5, Q=4, backend="numba")
    full = Scattering1D(**kw, n_jobs=1).fit_transform(X)
    for batch_size, n_jobs in [(1, 2), (7, 1), (23, -1), (100, None)]:
        out = Scattering1D(**kw, batch_size=batch_size, n_jobs=n_jobs).fit_transform(X)
        np.testing.assert_array_equal(out, full)


def test_forked_child_can_transform_after_the_parent():
    """Kernels and their threads survive ``fork()`` (a fresh process: nothing
    else in it has started OpenMP, which would make forking abort)."""
    import multiprocessing
    import subprocess
    import sys

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    code = """
import multiprocessing, numpy as np
from skscat import Scattering2D
X = np.random.default_rng(0).standard_normal((64, 256)).astype(np.float32)
est = Scattering2D(J=2, L=4, shape=(16, 16), backend="numba", n_jobs=2).fit(X)
want = est.transform(X)
with multiprocessing.get_context("fork").Pool(1) as pool:
    got = pool.apply_async(est.transform, (X,)).get(timeout=120)
assert np.array_equal(got, want)
print("ok")
"""
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
        cwd=str(Path(__file__).resolve().parents[2]),
    )  # fmt: skip
    assert res.returncode == 0 and "ok" in res.stdout, res.stderr[-2000:]


@pytest.mark.parametrize("half", [False, True])
def test_accumulate_py_func(rng, half):
    M, N, ky = 4, 8, 2
    x = rng.standard_normal((M, N))
    full = np.fft.fft2(x)
    U = np.fft.rfft2(x) if half else full
    Ub = np.ascontiguousarray(U).view(float).reshape(-1)
    f = rng.standard_normal(N)
    w = K.double_filters(f)
    Nk = N // ky
    for row, lo, hi, qmax in [(1, 0, N, Nk), (2, 3, 7, Nk), (3, 5, 8, Nk // 2 + 1)]:
        d = np.zeros(Nk, dtype=complex)
        K._accumulate.py_func(Ub, half, M, N, w, row, lo, hi, ky, d.view(float), qmax)
        want = np.zeros(Nk, dtype=complex)
        for y in range(lo, hi):
            if y % Nk < qmax:
                want[y % Nk] += full[row, y] * f[y]
        np.testing.assert_allclose(d, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_phase_harmonic_matches_numpy(rng, dtype, n_jobs):
    ref, ops = NumpyBackend(), NumbaBackend(n_jobs=n_jobs)
    shape = (70, 3, 5, 6)
    z = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(
        np.result_type(dtype, np.complex64)
    )
    z[0, 0, :2] = 0  # [0]^2 = 0
    z[1, 1, 0, 0] = 1e-30 + 0j  # tiny, not zero
    r = np.abs(z)
    tol = TOL[dtype]
    for zz, rr in ((z, r), (z[:, 1:], r[:, 1:])):  # contiguous, and a slice of a batch
        got = ops.phase_harmonic(zz, 2, modulus=rr)
        want = ref.phase_harmonic(zz, 2, modulus=rr)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert relative_error(got, want) <= tol
        assert np.all(got[np.asarray(rr) == 0] == 0)
        np.testing.assert_allclose(np.abs(got), rr, rtol=10 * tol, atol=tol * rr.max())
    # other orders, and without the modulus: the numpy backend's own code
    for k in (0, 1, 3):
        assert relative_error(ops.phase_harmonic(z, k, modulus=r), ref.phase_harmonic(z, k)) == 0
    assert relative_error(ops.phase_harmonic(z, 2), ref.phase_harmonic(z, 2)) == 0


def test_phase_double_py_func_matches_numpy(rng):
    z = (rng.standard_normal((4, 7)) + 1j * rng.standard_normal((4, 7))).astype(np.complex128)
    z[2, 3] = 0
    r = np.abs(z)
    out = np.empty_like(z)
    K.phase_double.py_func(z.view(np.float64), r, 1.0, out.view(np.float64))
    np.testing.assert_allclose(out, NumpyBackend().phase_harmonic(z, 2, modulus=r), rtol=1e-15)


def test_cross_lag_sums_py_func_matches_numpy(rng):
    shape = (2, 3, 10, 6)
    F1, F2 = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape) for _ in range(2))
    cols = np.array([1, 5])
    E = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    views = [a.view(np.float64) for a in (F1, F2)]
    for rows in (np.array([0, 2, 4]), np.arange(9)):  # both loop orders
        out = np.empty((2, 3, rows.size, 3), dtype=np.complex128)
        K.cross_lag_sums.py_func(*views, rows, cols, E.view(np.float64), out.view(np.float64))
        want = NumpyBackend().cross_lag_sums(F1, F2, rows, cols, E)
        np.testing.assert_allclose(out, want, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_cross_lag_sums_matches_numpy(rng, dtype, n_jobs):
    shape = (5, 4, 7, 9)
    F1, F2 = (
        (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
        for _ in range(2)
    )
    E = (rng.standard_normal((9, 4)) + 1j * rng.standard_normal((9, 4))).astype(dtype)
    ops, ref = NumbaBackend(n_jobs=n_jobs), NumpyBackend()
    tol = 1e-14 if dtype == np.complex128 else 2e-6
    boxes = (
        (None, None),  # 7 rows: the rows-outer loop
        (np.array([0, 3, 6]), None),
        (np.array([1, 2]), np.array([0, 4, 8])),
        (np.array([0, 1, 2, 3, 4, 5, 6, 2]), np.array([0, 4, 8])),  # 8 rows: columns outer
    )
    for rows, cols in boxes:
        Eb = E if cols is None else E[cols]
        for f1, f2 in ((F1, F2), (F1[:, 1:3], F2[:, :2])):  # contiguous, and channel slices
            got = ops.cross_lag_sums(f1, f2, rows, cols, Eb)
            want = ref.cross_lag_sums(f1, f2, rows, cols, Eb)
            assert got.dtype == dtype and got.shape == want.shape
            assert relative_error(got, want) <= tol
    # mixed precisions: NumPy's promotion, not the kernel
    got = ops.cross_lag_sums(F1, F2.astype(np.complex128), None, None, E)
    assert got.dtype == np.complex128


def _angular_reference(W, index, sign, P, Q, window):
    """The angular step of the roto-translation scattering, one output at a time."""
    n, L = W.shape[:2]
    K, G = P.shape[0], L // window
    out = np.zeros((n, K, G, L) + W.shape[3:])
    for i in range(n):
        for b in range(L):
            Wb = np.stack([W[i, t, index[t, b]] for t in range(L)]).astype(np.complex128)
            re, im = Wb.real, Wb.imag * sign[:, b].reshape((L,) + (1,) * (W.ndim - 3))
            for k in range(K):
                for th in range(L):
                    y = np.tensordot(P[k, th], re, 1) + 1j * np.tensordot(Q[k, th], im, 1)
                    out[i, k, th // window, b] += np.abs(y) / window
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("L, window", [(4, 4), (6, 2), (8, 1)])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_angular_modulus_mean_matches_numpy(rng, dtype, L, window, n_jobs):
    from skscat.filters.angular import angular_mixing
    from skscat.scattering.core_roto2d import relative_gather

    P, Q = angular_mixing(L, np.dtype(dtype).name)
    index, sign = relative_gather(L)
    W = _complex(rng, (3, L, L, 5, 7), dtype)
    want = NumpyBackend().angular_modulus_mean(W, index, sign, P, Q, window)
    assert want.shape == (3, P.shape[0], L // window, L, 5, 7) and want.dtype == dtype
    assert relative_error(want, _angular_reference(W, index, sign, P, Q, window)) <= TOL[dtype]
    got = NumbaBackend(n_jobs=n_jobs).angular_modulus_mean(W, index, sign, P, Q, window)
    assert got.dtype == dtype and got.shape == want.shape
    assert relative_error(got, want) <= TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_angular_modulus_mean_any_matrices(rng, dtype):
    """Matrices neither band-limited nor even (no saving, no pairing) give the reference too."""
    from skscat.scattering.core_roto2d import relative_gather

    L, window = 6, 3
    P, Q = (rng.standard_normal((3, L, L)).astype(dtype) for _ in range(2))
    index, sign = relative_gather(L)
    W = _complex(rng, (2, L, L, 4, 3), dtype)
    want = _angular_reference(W, index, sign, P, Q, window)
    got = NumbaBackend(n_jobs=1).angular_modulus_mean(W, index, sign, P, Q, window)
    assert relative_error(got, want) <= TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("L, window", [(5, 5), (12, 4)])
def test_angular_modulus_mean_same_bits_whatever_the_chunk(rng, dtype, L, window, monkeypatch):
    """Chunks of the (relative angle, pixel) axis, cut inside maps or not, change no bit."""
    from skscat.filters.angular import angular_mixing
    from skscat.scattering.core_roto2d import relative_gather

    P, Q = angular_mixing(L, np.dtype(dtype).name)
    index, sign = relative_gather(L)
    W = _complex(rng, (2, L, L, 3, 7), dtype)
    want = NumpyBackend().angular_modulus_mean(W, index, sign, P, Q, window)
    results = []
    for chunk_bytes in (2**20, 8 * 21, 8 * 13):  # all at once; whole maps; across maps
        monkeypatch.setattr(nbm, "_ROTO_CHUNK_BYTES", chunk_bytes)
        results.append(NumbaBackend(n_jobs=1).angular_modulus_mean(W, index, sign, P, Q, window))
    assert relative_error(results[0], want) <= TOL[dtype]
    for got in results[1:]:
        np.testing.assert_array_equal(got, results[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_scattering2d_same_bits_whichever_fold_kernel(rng, dtype, monkeypatch):
    """The row kernel replaces the per-input loops by size only: the same bits.

    Narrow filters on half spectra take the lane kernel (small grids) or
    :func:`filter_fold_half` (which sums the reflected half separately: the
    same values to rounding), by grid size only, so whatever the batch.
    """
    nb = nbm
    X = rng.standard_normal((5, 32 * 32)).astype(dtype)
    est = Scattering2D(J=3, L=4, shape=(32, 32), n_jobs=1).fit(X)
    monkeypatch.setattr(nb, "_FOLD_ROWS_BYTES", 2**62)  # per-input loops
    want = est.transform(X)
    monkeypatch.setattr(nb, "_FOLD_ROWS_BYTES", 0)
    np.testing.assert_array_equal(est.transform(X), want)
    monkeypatch.setattr(nb, "_FOLD_LANES_BYTES", 0)  # filter_fold_half
    assert relative_error(est.transform(X), want) <= TOL[dtype]


def _narrow_filters(rng, N, K):
    """Real filters, each non-zero on an arc of columns (some wrapping past 0)."""
    F = np.zeros((K, N))
    for f in range(K):
        width = int(rng.integers(1, N // 2))
        start = int(rng.integers(0, N))
        F[f, (start + np.arange(width)) % N] = rng.standard_normal(width)
    return F


@pytest.mark.parametrize("N, k", [(16, 1), (16, 4), (32, 2), (15, 1), (64, 8)])
def test_fold_hermitian_1d_is_filter_fold(rng, N, k):
    """Same sums, same order: bit-identical to the general kernel, and its py_func too."""
    B, Kf = 5, 4
    x = rng.standard_normal((B, N))
    U = np.fft.rfft(x)
    F = _narrow_filters(rng, N, Kf)
    seg = K.filter_segments(F[:, None], 0.0)
    F2 = K.double_filters(F / k)
    F2c = F2.copy()
    F2c[:, 1::2] *= -1
    want = np.empty((B, Kf, N // k), dtype=complex)
    K.filter_fold(_iv(U), True, 1, N, F2, seg, True, False, 1, k, _W64, want.view(float))
    for kernel in (K.fold_hermitian_1d, K.fold_hermitian_1d.py_func):
        out = np.full((B, Kf, N // k), np.nan, dtype=complex)
        kernel(U, N, F2, F2c, seg.reshape(Kf, 4), k, out.view(float))
        np.testing.assert_array_equal(out, want)
    prod = np.fft.fft(x)[:, None] * F[None]
    np.testing.assert_allclose(want, prod.reshape(B, Kf, k, N // k).mean(axis=2), atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fold_hermitian_1d_backs_the_backend_op(rng, dtype):
    """Narrow 1-D filters take the 1-D kernel; the op still equals NumPy's."""
    N, k = 64, 4
    x = rng.standard_normal((2, 3, N)).astype(dtype)
    U = np.fft.rfft(x).astype(np.result_type(dtype, np.complex64))
    F = _narrow_filters(rng, N, 2).astype(dtype)
    F.flags.writeable = False
    be = NumbaBackend(1)
    assert be._fold_hermitian_1d(U, F, k, N) is not None
    got = be.filter_subsample_hermitian(U, F, k, 1, N)
    want = NumpyBackend().filter_subsample_hermitian(U, F, k, 1, N)
    assert got.shape == want.shape == (2, 3, 2, N // k) and got.dtype == want.dtype
    assert relative_error(got, want) <= TOL[dtype]
