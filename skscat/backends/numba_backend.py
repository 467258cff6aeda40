"""The numba CPU backend: the numpy backend's operations with fused kernels.

FFTs go through :mod:`scipy.fft` (batched over samples and paths, ``workers``
from ``n_jobs``), in the input's precision: float32 input stays float32 /
complex64 end to end. The element-wise work runs in the numba kernels
of :mod:`skscat.backends._numba_kernels`:

- the filter product is fused with the Fourier periodisation (one pass over
  the spectrum, no full-size product in memory), on full spectra
  (:meth:`NumbaBackend.filter_subsample`) and on the half spectra of real
  signals (:meth:`NumbaBackend.filter_subsample_hermitian`,
  :meth:`NumbaBackend.lowpass_hermitian`), whose missing half is read through
  Hermitian symmetry inside the kernel; narrow filters (coarse scales) are
  applied only where they exceed ``2**-10 eps`` of their maximum (the
  error this adds is 1000 times below the input's own rounding, see
  ``_NEGLIGIBLE``);
- the modulus is fused with the low-pass that follows it at the last order
  (:meth:`NumbaBackend.lowpass_spatial`: two small matrices in space, as
  BLAS products on groups of maps whose moduli stay in cache), or
  writes the real array the following real FFT reads
  (:meth:`NumbaBackend.modulus`).

The thread count (``n_jobs``, or by default the cores available:
:func:`skscat._threads.effective_n_threads`) sets the FFT workers and the
threads of each kernel call: the batch axis is split into that many chunks
run concurrently on a shared pool of plain threads (the kernels release the
GIL). Usually the batching loop has already split the samples over threads
(:func:`skscat._threads.map_row_blocks`), and each sub-batch's backend has
one thread; the split per call serves batches too small to split. The
kernels themselves are serial numba code (``parallel=False``): numba's
OpenMP layer would make a later ``fork()`` abort, and its busy-waiting
workers starve the SciPy FFT threads that run next. Every kernel gives each
output element one fixed summation order, so results do not depend on
``n_jobs``.
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import scipy.fft

from .._blas import blas_threads
from .._threads import thread_pool
from ..filters._cache import BuildOnceCache
from .numpy_backend import NumpyBackend


def _numba():
    try:
        import numba
    except ImportError as exc:  # pragma: no cover - numba is a dependency
        raise ImportError(
            f"backend='numba' needs numba, which could not be imported ({exc}); "
            "install it with `pip install numba` or use backend='numpy'."
        ) from exc
    return numba


def _kernels():
    from . import _numba_kernels

    return _numba_kernels


def _complex_dtype(*arrays):
    """The complex dtype numpy's promotion gives the product of ``arrays``."""
    return np.result_type(np.complex64, *(a.dtype for a in arrays))


def _square_range(dtype):
    """Range of ``re**2 + im**2`` in which ``sqrt`` of it is an exact modulus.

    Below ``lo`` a square may have lost bits to underflow (then
    ``sqrt(s)`` is off); above ``hi`` it overflowed. Outside, the kernels
    use ``hypot``.
    """
    info = np.finfo(dtype)
    lo = info.tiny * 2.0 ** (info.nmant + 2)
    return dtype.type(lo), dtype.type(info.max)


# Filters whose non-negligible segments cover less than this fraction of the
# grid are applied segment by segment (narrow filters: coarse scales).
_SPARSE_BELOW = 0.5
# ... reading half spectra in place, where a column above N // 2 (mirrored
# through Hermitian symmetry) costs about this many vectorised ones.
_MIRRORED_COST = 4
# The low-pass is applied segment by segment below this density (narrow in
# Fourier: long 1-D signals, large 2-D grids at coarse scales).
_SPARSE_LOWPASS_BELOW = 0.25
# Dense 2-D low-passes whose periodised half rows hold at most this many
# values take the list of terms (measured: 1.3-2.4x faster at 5 to 19 values;
# even at 37 to 73 on 288 x 288, 0.8-0.9x at 37 to 145 on 576 x 576).
_LOWPASS_TERMS_ROW = 20

# Most bytes of moduli per group of maps multiplied together in
# :func:`~skscat.backends._numba_kernels.lowpass_spatial` (in the L2 cache).
_SPATIAL_GROUP_BYTES = 256 * 2**10
# ... and small maps go through one product with the Kronecker product of the
# two matrices when it takes at most this many times the multiply-adds of the
# two products: a long inner dimension runs much closer to BLAS's peak.
_KRON_FACTOR = 3.5

# Narrow 2-D filters on grids whose spectra, this many side by side, take at
# most this many bytes go through ``filter_fold_lanes`` (measured: 2.5x faster
# on a 48 x 48 grid; on 72 x 72 and up the laid-out block leaves the caches and
# the plain segment loops are faster). Larger grids, on half spectra, take
# ``filter_fold_half`` (measured against the segment loops: 1.5x faster on
# 288 x 288 sub-sampled by 4, 2x by 8, 3x on 576 x 576 by 16: no per-input
# rebuilding of the missing half).
_FOLD_LANES = 16
_FOLD_LANES_BYTES = 512 * 2**10

# Dense 2-D filters (sub-sampled by 1 or 2) whose doubled copies take more than
# this go through ``filter_fold_rows`` (measured, sub-sampled by 2: 1.5x faster
# on 288 x 288, 2.8x on 576 x 576; 1.4x slower on 144 x 144, whose filters
# stay in cache).
_FOLD_ROWS_BYTES = 2 * 2**20

# Bytes of one working row of the roto-translation angular kernel (its 4 L rows
# should stay in the L1 cache; measured at L=12, see angular_modulus_mean).
_ROTO_CHUNK_BYTES = 2048

# Values a kernel call must process per extra thread to be split.
_MIN_WORK = 1 << 16
# Voxels per block of the 3-D modulus kernel (its squares stay in the L2 cache).
_MODULUS_BLOCK = 1 << 14

# Filter entries below this fraction of the filter's maximum, times ``eps`` of
# the precision, are skipped. A skipped term ``F[w] X[w]`` is at most
# ``2**-10 eps max|F| |X[w]|``, so the skipped terms, in L2 norm, are at
# most ``2**-10 eps max|F| ||X||_2`` (the periodisation, a mean of
# aliases, does not increase it; nor the inverse DFT, relative to the
# output): 1000 times below the error the rounding of the input spectrum
# (about ``eps ||X||_2``) already carries through the filter's main lobe.
# The supports of Morlet spectra (Gaussian-like) shrink by a quarter against
# a threshold of ``eps**2``.
_NEGLIGIBLE = 2.0**-10


def _negligible(dtype) -> float:
    """Threshold, relative to a filter's maximum, below which its entries are skipped."""
    return float(np.finfo(dtype).eps) * _NEGLIGIBLE


# Prepared copies of filter banks, keyed by the banks' identities; each entry
# keeps its arrays alive, so an identity is not reused.
_prepared_cache = BuildOnceCache(1024)


def _per_bank(arrays: tuple, key: tuple, build):
    """``build()``, cached while ``arrays`` are the same read-only arrays.

    Filter banks are long-lived (module-level cache) and read-only, so what is
    prepared from them once serves every later call; any writeable array
    (its values could change) is prepared anew.
    """
    if not all(isinstance(a, np.ndarray) and not a.flags.writeable for a in arrays):
        return build()
    key = tuple(id(a) for a in arrays) + tuple(a.shape for a in arrays) + key
    held, value = _prepared_cache.get(key, lambda: (arrays, build()))
    if all(h is a for h, a in zip(held, arrays, strict=True)):
        return value
    return build()


def _doubled(filters, dtype, ndim, scale=1.0):
    """Prepared real filters: doubled copy times ``scale``, segments, density.

    Returns ``(doubled, seg, density, mirrored)``:
    :func:`~skscat.backends._numba_kernels.double_filters` of
    ``filters * scale``; the column ranges outside which each filter row is
    below :func:`_negligible` of the filter's maximum
    (:func:`~skscat.backends._numba_kernels.filter_segments`);
    the fraction of the grid those ranges cover; and how many of their
    entries, over all filters, lie in columns above ``N // 2`` (read through
    Hermitian symmetry from half spectra). ``scale`` is a power of
    two (the ``1 / k**ndim`` of a periodisation), so the scaled copy gives
    bit-identical products to scaling afterwards.

    Cached for read-only arrays (:func:`_per_bank`).
    """
    dtype = np.dtype(dtype)
    return _per_bank(
        (filters,),
        ("doubled", dtype.str, ndim, scale),
        lambda: _prepare_doubled(filters, dtype, ndim, scale),
    )


def _prepare_doubled(filters, dtype, ndim, scale):
    kern = _kernels()
    real = np.asarray(filters, dtype=dtype)
    doubled = kern.double_filters(real)
    if scale != 1.0:
        doubled *= dtype.type(scale)
    M = real.shape[-2] if ndim == 2 else 1
    stack = real.reshape(-1, M, real.shape[-1])
    seg = kern.filter_segments(stack, _negligible(dtype))
    covered = seg[..., 1] - seg[..., 0] + seg[..., 3] - seg[..., 2]
    density = float(covered.sum()) / stack.size
    # columns above N // 2: read through Hermitian symmetry from half spectra
    nh = stack.shape[-1] // 2 + 1
    above = np.clip(seg[..., 1], nh, None) - np.clip(seg[..., 0], nh, None)
    above += np.clip(seg[..., 3], nh, None) - np.clip(seg[..., 2], nh, None)
    return doubled, seg, density, int(above.sum())


def _conj_doubled(filters, doubled, dtype, k):
    """``doubled`` with its imaginary slots negated (products with conjugated spectra)."""

    def build():
        c = doubled.copy()
        c[..., 1::2] *= -1
        return c

    return _per_bank((filters,), ("conj", np.dtype(dtype).str, k), build)


def _single(filters, doubled, dtype, ndim, k):
    """``doubled`` (from :func:`_doubled`) without its repeats: one value per entry, cached."""

    def build():
        return np.ascontiguousarray(doubled[..., ::2])

    return _per_bank((filters,), ("single", np.dtype(dtype).str, ndim, k), build)


def _half_parts(filters, dtype, k, seg):
    """:func:`~skscat.backends._numba_kernels.half_parts` of ``filters / k**2``, cached.

    ``seg``: the filters' column ranges (from :func:`_doubled`).
    """

    def build():
        real = np.asarray(filters, dtype=dtype)
        stack = real.reshape(-1, *real.shape[-2:])
        return _kernels().half_parts(stack * dtype.type(1.0 / (k * k)), seg, k)

    dtype = np.dtype(dtype)
    return _per_bank((filters,), ("half", dtype.str, k), build)


def _quadrants(filters, doubled, dtype, M, N):
    """:func:`~skscat.backends._numba_kernels.quadrants` of ``doubled`` not doubled, cached."""

    def build():
        return _kernels().quadrants(np.ascontiguousarray(doubled[..., ::2]), M, N)

    return _per_bank((filters,), ("quadrants", np.dtype(dtype).str, M, N), build)


def _word(rtype):
    """An empty array of the type one interleaved complex value fills (moved as one word)."""
    return np.empty(0, dtype=np.uint64 if rtype.itemsize == 4 else np.complex128)


def _real_view(z):
    """Interleaved float view of a C-contiguous complex array (last axis doubled)."""
    return z.view(z.real.dtype)


def _padded_transpose(a, dtype):
    """``a.T`` as a C-contiguous ``dtype`` array of at least two columns (zeros added).

    A BLAS product with one column may go to a matrix-vector kernel, whose
    summation order differs from the matrix-matrix one's.
    """
    a = np.asarray(a, dtype=dtype)
    out = np.zeros((a.shape[1], max(a.shape[0], 2)), dtype=dtype)
    out[:, : a.shape[0]] = a.T
    return out


# The row matrix of signals (one row, unused).
_ONE_ROW = np.ones((1, 1))
_ONE_ROW.flags.writeable = False


def _lowpass_plan(phi, dtype, ndim, kx, ky, M, N):
    """:func:`~skscat.backends._numba_kernels.lowpass_fold_plan` of the low-pass ``phi``.

    Only the non-negligible terms when the low-pass covers less than
    ``_SPARSE_LOWPASS_BELOW`` of the grid. Cached for read-only arrays.
    """

    def build():
        F2, seg, density, _ = _doubled(phi, dtype, ndim)
        sparse = density < _SPARSE_LOWPASS_BELOW
        return _kernels().lowpass_fold_plan(F2.reshape(-1), seg.reshape(M, 4), sparse, M, N, kx, ky)

    return _per_bank((phi,), ("lowpass plan", np.dtype(dtype).str, ndim, kx, ky), build)


def _spatial_matrices(rows, cols, dtype):
    """``(rows, colsT, KT)`` for :func:`~skscat.backends._numba_kernels.lowpass_spatial`.

    ``rows`` and ``cols.T`` with zero rows or columns added up to two
    (:func:`_padded_transpose`) and, when it costs
    at most ``_KRON_FACTOR`` times the multiply-adds of the two products,
    their Kronecker product transposed (else an empty ``(0, 2)`` array).
    Cached for read-only arrays (the cached low-pass matrices).
    """

    def build():
        rows2 = np.ascontiguousarray(_padded_transpose(rows, dtype).T)
        colsT = _padded_transpose(cols, dtype)
        (hp, M), (N, wp) = rows2.shape, colsT.shape
        h, w = np.shape(rows)[0], np.shape(cols)[0]
        if M > 1 and M * N * h * w <= _KRON_FACTOR * (M * N * wp + M * wp * hp):
            KT = _padded_transpose(np.kron(np.asarray(rows, np.float64), cols), dtype)
        else:
            KT = np.zeros((0, 2), dtype=dtype)
        return rows2, colsT, KT

    return _per_bank((rows, cols), ("spatial", np.dtype(dtype).str, _KRON_FACTOR), build)


def _irfft_basis(m: int, n: int, dtype):
    """``(2 m, n)``: interleaved half-spectrum values times it is their real inverse DFT.

    Frequencies ``0 .. m - 1`` of a length-``n`` signal (``m <= n // 2 + 1``),
    with :func:`scipy.fft.irfft`'s conventions: weight 1 at frequency 0 and
    at ``n / 2``, 2 elsewhere, the imaginary parts there ignored, ``1 / n``.
    """
    k = np.arange(m)[:, None]
    u = np.arange(n)[None, :]
    weight = np.where((k == 0) | (2 * k == n), 1.0, 2.0) / n
    phase = 2 * np.pi * ((k * u) % n) / n
    basis = np.empty((2 * m, n))
    basis[0::2] = weight * np.cos(phase)
    basis[1::2] = -weight * np.sin(phase)
    basis[1::2][(k[:, 0] == 0) | (2 * k[:, 0] == n)] = 0.0
    return basis.astype(dtype)


class NumbaBackend(NumpyBackend):
    """CPU backend with fused numba kernels and batched, threaded ``scipy.fft``.

    Parameters
    ----------
    n_jobs : int or None
        Threads for FFTs and kernels. ``None``: the physical cores this
        process may use, fewer under ``threadpoolctl`` limits or
        ``OMP_NUM_THREADS``, one inside joblib or dask workers (see the
        backends page); ``-1``: all CPUs. Results do not depend on it.
    """

    name = "numba"

    def __init__(self, n_jobs: int | None = None):
        super().__init__(n_jobs)
        self._owned = weakref.WeakValueDictionary()

    # -- availability -----------------------------------------------------
    @classmethod
    def is_available(cls) -> bool:
        try:
            _numba()
        except ImportError:
            return False
        return True

    @classmethod
    def check_available(cls) -> None:
        _numba()

    # -- threads ----------------------------------------------------------
    def _run(self, kernel, args, batched, B, work, align=1):
        """``kernel(*args)``, its batch axis split over ``self.workers`` threads.

        ``args[i]`` for ``i`` in ``batched`` are arrays whose first axis (of
        length ``B``) is the batch; each thread runs the kernel (which
        releases the GIL) on a contiguous chunk of it, ``align`` elements at a
        time. ``work`` (values per batch element) keeps small calls on the
        calling thread. Every batch element is computed the same way whatever
        the chunk, so results do not depend on the split.
        """
        n = min(self.workers, (B + align - 1) // align, max(1, B * work // _MIN_WORK))
        if n <= 1:
            kernel(*args)
            return
        step = -(-B // (n * align)) * align
        bounds = [(lo, min(B, lo + step)) for lo in range(0, B, step)]

        def call(lo, hi):
            chunk = list(args)
            for i in batched:
                chunk[i] = args[i][lo:hi]
            kernel(*chunk)

        futures = [thread_pool("numba").submit(call, lo, hi) for lo, hi in bounds[1:]]
        try:
            call(*bounds[0])
        finally:
            for future in futures:
                future.result()

    # -- transforms -------------------------------------------------------
    def ifft(self, x, ndim: int):
        """Inverse FFT; in place when ``x`` is a filter product this backend made.

        The products of :meth:`filter_subsample` and
        :meth:`filter_subsample_hermitian` are temporaries of the cascade,
        so their buffer is reused; any other input is left untouched.
        """
        overwrite = self._is_owned(x)
        if overwrite:
            del self._owned[id(x)]  # the result, maybe the same buffer, is the caller's
        return scipy.fft.ifftn(
            x, axes=self._axes(ndim), workers=self.workers, overwrite_x=overwrite
        )

    def rotation_modulus_integrals(self, y, powers, extra=None, keep_modulus=True):
        """Same contract as :meth:`NumpyBackend.rotation_modulus_integrals`, one fused pass.

        The sum of squares over the harmonics, the square root and the
        integrals of its powers run in one kernel
        (:func:`~skscat.backends._numba_kernels3d.rotation_modulus_blocks`)
        over fixed blocks of voxels, split over ``n_jobs`` threads (also for
        a single volume); sums accumulate in float64, block by block in a
        fixed order.
        """
        from . import _numba_kernels3d

        n, K = y.shape[:2]
        space = y.shape[2:]
        dtype = y.dtype
        flat = np.ascontiguousarray(y).reshape(n, K, -1)
        G = flat.shape[-1]
        has_extra = extra is not None
        ex = np.ascontiguousarray(extra, dtype=dtype).reshape(n, G) if has_extra else flat[:, 0]
        U = np.empty((n, G), dtype=dtype) if keep_modulus else np.empty((n, 1), dtype=dtype)
        block = min(G, _MODULUS_BLOCK)
        n_blocks = -(-G // block)
        partial = np.empty((n, n_blocks, len(powers)), dtype=np.float64)
        qs = np.asarray([float(q) for q in powers], dtype=np.float64)
        units = np.arange(n * n_blocks, dtype=np.int64)
        self._run(
            _numba_kernels3d.rotation_modulus_blocks,
            (flat, ex, has_extra, qs, bool(keep_modulus), U, partial, units, block),
            (7,),
            n * n_blocks,
            K * block,
        )
        out = partial.sum(axis=1) if n_blocks > 1 else partial[:, 0]
        U = U.reshape((n, *space)) if keep_modulus else None
        return U, out.astype(dtype, copy=False)

    def box_modulus_integrals(self, z, box, shape, powers, extra=None, keep_modulus=True):
        """Same contract as :meth:`NumpyBackend.box_modulus_integrals`, the last pass fused.

        The inverse FFTs along axes 0 and 1 run on the box's lines
        (:meth:`NumpyBackend.irfft_box`); the real inverse DFT along axis 2,
        the modulus over the harmonics and the integrals then run line by
        line in one kernel
        (:func:`~skscat.backends._numba_kernels3d.dft_modulus_rows`: a small
        matrix product per line, from the box's ``c2 + 1`` frequencies), so
        the ``K`` convolutions never go through memory. Chunks of rows are
        split over ``n_jobs`` threads; sums accumulate in float64 in a fixed
        order.
        """
        from . import _numba_kernels3d

        w = np.ascontiguousarray(self._box_first_passes(z, box, shape))
        n, K = w.shape[:2]
        M, N, O = shape
        rdtype = w.real.dtype
        zf = w.view(rdtype)  # (n, K, M, N, 2 (c2 + 1)), real and imaginary parts interleaved
        basis = _irfft_basis(w.shape[-1], O, rdtype)
        has_extra = extra is not None
        ex = np.ascontiguousarray(extra, dtype=rdtype) if has_extra else np.empty((1,) * 4, rdtype)
        U = np.empty((n, M, N, O), rdtype) if keep_modulus else np.empty((1,) * 4, rdtype)
        rows = max(1, _MODULUS_BLOCK // (N * O))
        n_chunks = -(-M // rows)
        partial = np.empty((n, n_chunks, len(powers)), dtype=np.float64)
        qs = np.asarray([float(q) for q in powers], dtype=np.float64)
        units = np.arange(n * n_chunks, dtype=np.int64)
        self._run(
            _numba_kernels3d.dft_modulus_rows,
            (zf, basis, ex, has_extra, qs, bool(keep_modulus), U, partial, units, rows),
            (8,),
            n * n_chunks,
            K * rows * N * O * basis.shape[0] // 8,
        )
        out = partial.sum(axis=1) if n_chunks > 1 else partial[:, 0]
        return (U if keep_modulus else None), out.astype(rdtype, copy=False)

    def gaussian_modulus_integrals(self, R, weights, tau, h, cutoff, C, L, powers):
        """Same contract as :meth:`NumpyBackend.gaussian_modulus_integrals`, one pass.

        :func:`~skscat.backends._numba_kernels3d.gaussian_modulus_integrals`
        visits the lattice points around each molecule once, summing its
        atoms' wavelets there (no (point, atom) arrays); molecules are split
        over ``n_jobs`` threads.
        """
        from ..scattering.atomic3d import csr_columns, monomial_exponents
        from . import _numba_kernels3d

        n, D, _ = weights.shape
        expo = monomial_exponents(L)
        ptr, col, coef = csr_columns(C[: len(expo), : (L + 1) ** 2])
        out = np.empty((n, D, L + 1, len(powers)), dtype=np.float64)
        qs = np.asarray(powers, dtype=np.float64)
        args = (
            R,
            weights,
            float(tau),
            float(h),
            float(cutoff),
            expo,
            ptr,
            col,
            coef,
            int(L),
            qs,
            out,
        )
        self._run(_numba_kernels3d.gaussian_modulus_integrals, args, (0, 1, 11), n, _MIN_WORK)
        return out

    # -- fused element-wise operations ------------------------------------
    @staticmethod
    def _flat(x, ndim: int, dtype):
        """``x`` as a C-contiguous ``(B, M * n_last)`` array; a signal is a 1 x N image."""
        lead = x.shape[: x.ndim - ndim]
        space = x.shape[x.ndim - ndim :]
        M = space[0] if ndim == 2 else 1
        B = int(np.prod(lead, dtype=np.int64))
        flat = np.ascontiguousarray(x, dtype=dtype).reshape(B, -1)
        return flat, lead, M, space[-1]

    def _fold(self, x, filters, k, ndim, half, n_last):
        if np.iscomplexobj(filters) or filters.ndim < ndim:
            return None
        ctype = _complex_dtype(x, filters)
        rtype = np.dtype(ctype.char.lower())
        U, lead, M, _ = self._flat(x, ndim, ctype)
        stacked = filters.ndim > ndim
        kx = k if ndim == 2 else 1
        F2, seg, density, mirrored = _doubled(filters, rtype, ndim, 1.0 / (kx * k))
        F2 = F2.reshape(-1, 2 * M * n_last)
        seg = seg.reshape(F2.shape[0], M, 4)
        sparse = density < _SPARSE_BELOW
        # mirrored reads are scalar: expanding the spectrum once (M * N
        # copies) is cheaper when the filters need many of them (1-D, or
        # full spectra)
        expand = _MIRRORED_COST * mirrored > M * n_last
        Mk, Nk = M // kx, n_last // k
        out = np.empty((U.shape[0], F2.shape[0], Mk * Nk), dtype=ctype)
        lanes_bytes = M * n_last * 2 * _FOLD_LANES * rtype.itemsize
        if sparse and ndim == 2 and lanes_bytes <= _FOLD_LANES_BYTES:
            # small grids: runs too short to vectorise, so inputs side by side
            F = _single(filters, F2, rtype, ndim, k)
            self._run(
                _kernels().filter_fold_lanes,
                (
                    _real_view(U),
                    half,
                    M,
                    n_last,
                    F,
                    seg,
                    kx,
                    k,
                    _FOLD_LANES,
                    _word(rtype),
                    _real_view(out),
                ),
                (0, 10),
                U.shape[0],
                F2.size,
                align=_FOLD_LANES,
            )
        elif half and sparse and ndim == 2:
            # no per-input expansion (a full pass narrow filters do not repay),
            # no division in the loops, filter rows shared by the batch
            H2, runs, ptr = _half_parts(filters, rtype, k, seg)
            self._run(
                _kernels().filter_fold_half,
                (_real_view(U), M, n_last, H2, runs, ptr, kx, k, _word(rtype), _real_view(out)),
                (0, 9),
                U.shape[0],
                F2.size,
            )
        elif half and not sparse and ndim == 2 and kx == k <= 2 and F2.nbytes > _FOLD_ROWS_BYTES:
            # filters larger than the cache: read once per call, not per input
            F = _single(filters, F2, rtype, ndim, k)
            self._run(
                _kernels().filter_fold_rows,
                (_real_view(U), M, n_last, F, k, _word(rtype), _real_view(out)),
                (0, 6),
                U.shape[0],
                F2.size,
            )
        elif not sparse and ndim == 2 and kx == k == 2:
            # one loop per product over the whole output (short rows: small grids)
            F4 = _quadrants(filters, F2, rtype, M, n_last)
            self._run(
                _kernels().filter_fold_quad,
                (_real_view(U), half, M, n_last, F4, _word(rtype), _real_view(out)),
                (0, 6),
                U.shape[0],
                F2.size,
            )
        else:
            self._run(
                _kernels().filter_fold,
                (
                    _real_view(U),
                    half,
                    M,
                    n_last,
                    F2,
                    seg,
                    sparse,
                    expand,
                    kx,
                    k,
                    _word(rtype),
                    _real_view(out),
                ),
                (0, 11),
                U.shape[0],
                F2.size,
            )
        space = (Mk, Nk) if ndim == 2 else (Nk,)
        out = out.reshape(lead + ((F2.shape[0],) if stacked else ()) + space)
        self._mark_owned(out)
        return out

    def filter_subsample(self, x, filters, k: int, ndim: int):
        """Fused filter product and periodisation of full complex spectra.

        Same contract as :meth:`NumpyBackend.filter_subsample` (``x`` of shape
        ``(..., *S)``, ``filters`` of shape ``(K, *S)`` or ``S``).
        """
        out = self._fold(x, filters, k, ndim, False, x.shape[-1])
        return super().filter_subsample(x, filters, k, ndim) if out is None else out

    def filter_subsample_hermitian(self, x, filters, k: int, ndim: int, n_last: int):
        """:meth:`filter_subsample` of the full spectrum whose half ``x`` is given, fused."""
        out = self._fold_hermitian_1d(x, filters, k, n_last) if ndim == 1 else None
        if out is None:
            out = self._fold(x, filters, k, ndim, True, n_last)
        if out is None:
            return super().filter_subsample_hermitian(x, filters, k, ndim, n_last)
        return out

    def _fold_hermitian_1d(self, x, filters, k, n_last):
        """1-D half spectra times narrow real filters, periodised
        (:func:`~skscat.backends._numba_kernels.fold_hermitian_1d`); ``None``
        where :meth:`_fold` applies (dense, complex or 1-D ``filters``)."""
        if np.iscomplexobj(filters) or filters.ndim != 2 or x.shape[-1] != n_last // 2 + 1:
            return None
        ctype = _complex_dtype(x, filters)
        rtype = np.dtype(ctype.char.lower())
        F2, seg, density, _ = _doubled(filters, rtype, 1, 1.0 / k)
        if density >= _SPARSE_BELOW:
            return None
        F2c = _conj_doubled(filters, F2, rtype, k)
        lead = x.shape[:-1]
        U = np.ascontiguousarray(x, dtype=ctype).reshape(-1, x.shape[-1])
        K = F2.shape[0]
        out = np.empty((U.shape[0], K, n_last // k), dtype=ctype)
        self._run(
            _kernels().fold_hermitian_1d,
            (U, n_last, F2, F2c, seg.reshape(K, 4), k, _real_view(out)),
            (0, 6),
            U.shape[0],
            F2.size,
        )
        out = out.reshape(lead + (K, n_last // k))
        self._mark_owned(out)
        return out

    def lowpass_hermitian(self, x, phi, k: int, ndim: int, n_last: int):
        """Half spectrum of the periodised product with a real symmetric low-pass, fused.

        Narrow low-passes, and 2-D ones on short periodised rows (the
        cascades' coarse grids): as a list of terms per output value
        (:func:`~skscat.backends._numba_kernels.lowpass_fold_terms`, terms
        built once per low-pass and grid: short rows do not vectorise, and
        narrow low-passes visit only their terms). Otherwise (dense, long rows) the row loops
        (:func:`~skscat.backends._numba_kernels.lowpass_fold_hermitian`,
        vectorised along the rows). The same bits either way.
        """
        if np.iscomplexobj(phi) or phi.ndim != ndim:
            return super().lowpass_hermitian(x, phi, k, ndim, n_last)
        ctype = _complex_dtype(x, phi)
        rtype = np.dtype(ctype.char.lower())
        U, lead, M, _ = self._flat(x, ndim, ctype)
        kx = k if ndim == 2 else 1
        Mk, Nkh = M // kx, (n_last // k) // 2 + 1
        out = np.empty((U.shape[0], Mk * Nkh), dtype=ctype)
        scale = rtype.type(1.0 / (kx * k))
        F2, seg, density, _ = _doubled(phi, rtype, ndim)
        sparse = density < _SPARSE_LOWPASS_BELOW
        if sparse or (ndim == 2 and Nkh <= _LOWPASS_TERMS_ROW):
            ptr, src, w, planes = _lowpass_plan(phi, rtype, ndim, kx, k, M, n_last)
            kernel = _kernels().lowpass_fold_terms
            args = (_real_view(U), ptr, src, w, planes, scale, kx * k > 1, _real_view(out))
        else:
            kernel = _kernels().lowpass_fold_hermitian
            args = (_real_view(U), M, n_last, F2.reshape(-1), seg.reshape(M, 4), sparse, kx, k,
                    scale, _real_view(out))  # fmt: skip
        self._run(kernel, args, (0, len(args) - 1), U.shape[0], U.shape[1])
        return out.reshape(lead + ((Mk, Nkh) if ndim == 2 else (Nkh,)))

    def modulus(self, x):
        """``|x|``: real input as NumPy does it, complex input by the fused kernel."""
        if not np.iscomplexobj(x) or x.ndim == 0 or x.dtype.char not in "FD":
            return np.abs(x)
        z = np.ascontiguousarray(x)
        rows = z.shape[0] if z.ndim > 1 else 1
        out = np.empty(z.shape, dtype=z.real.dtype)
        lo, hi = _square_range(out.dtype)
        Z = _real_view(z).reshape(rows, -1)
        self._run(_kernels().modulus, (Z, lo, hi, out.reshape(rows, -1)), (0, 3), rows, Z.shape[1])
        return out

    def phase_harmonic(self, z, k: int, modulus=None):
        """:meth:`NumpyBackend.phase_harmonic`; ``k = 2`` with ``|z|`` given is one fused pass.

        That case is the phase doubling that phase-harmonic moments repeat
        (``P <- [P]^2``); every other case is NumPy's.
        """
        if (
            int(k) != 2
            or modulus is None
            or z.dtype.char not in "FD"
            or modulus.dtype != z.real.dtype
            or modulus.shape != z.shape
            or z.ndim == 0
        ):
            return super().phase_harmonic(z, k, modulus)
        zc = np.ascontiguousarray(z)
        r = np.ascontiguousarray(modulus)
        rows = zc.shape[0] if zc.ndim > 1 else 1
        out = np.empty(zc.shape, dtype=zc.dtype)
        R = r.reshape(rows, -1)
        self._run(
            _kernels().phase_double,
            (
                _real_view(zc).reshape(rows, -1),
                R,
                r.dtype.type(1),
                _real_view(out).reshape(rows, -1),
            ),
            (0, 1, 3),
            rows,
            R.shape[1],
        )
        return out

    def cross_lag_sums(self, F1, F2, rows, cols, E):
        """:meth:`NumpyBackend.cross_lag_sums` in one fused pass (no gathered copies).

        The box product and the contraction with ``E`` run in one kernel,
        threaded over samples, when both spectra and ``E`` share a complex
        dtype and a contiguous last axis; otherwise NumPy's.
        """
        dt = F1.dtype
        fits = (
            dt.char in "FD"
            and F2.dtype == dt
            and E.dtype == dt
            and F1.ndim == 4
            and F2.shape == F1.shape
            and F1.strides[-1] == dt.itemsize
            and F2.strides[-1] == dt.itemsize
        )
        if not fits:
            return super().cross_lag_sums(F1, F2, rows, cols, E)
        M, N = F1.shape[-2:]
        rows = np.arange(M) if rows is None else rows
        cols = np.arange(N) if cols is None else cols
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        cols = np.ascontiguousarray(cols, dtype=np.int64)
        n, C = F1.shape[:2]
        T = E.shape[1]
        out = np.empty((n, C, rows.size, T), dtype=dt)
        self._run(
            _kernels().cross_lag_sums,
            (
                _real_view(F1),
                _real_view(F2),
                rows,
                cols,
                _real_view(np.ascontiguousarray(E)),
                _real_view(out),
            ),
            (0, 1, 5),
            n,
            C * rows.size * cols.size * T,
        )
        return out

    def lowpass_spatial(self, x, rows, cols, ndim: int, modulus: bool = False):
        """``rows @ u @ cols.T`` over the last ``ndim`` axes, ``u = |x|`` if ``modulus``.

        Same contract as :meth:`NumpyBackend.lowpass_spatial`. One kernel
        (:func:`~skscat.backends._numba_kernels.lowpass_spatial`) takes the
        modulus of a group of maps into a buffer that stays in cache and
        applies both matrices as BLAS products on the whole group: the
        moduli never go through memory, and the products run at BLAS speed
        (2-4x faster than a hand-written fused loop). A group is a divisor
        of the maps per index of the first axis (the samples), so a map's
        place in its products, hence its value, does not depend on how the
        samples are split into batches; the groups are split over
        ``n_jobs`` threads, each calling BLAS on one thread.
        """
        if modulus and not np.iscomplexobj(x):
            x = np.abs(x)
        complex_input = bool(np.iscomplexobj(x))
        rtype = np.result_type(x.real.dtype if complex_input else x.dtype, np.float32)
        if rtype.char not in "fd":
            return super().lowpass_spatial(x, rows, cols, ndim, modulus)
        ctype = np.result_type(rtype, np.complex64)
        Z, lead, M, N = self._flat(x, ndim, ctype if complex_input else rtype)
        rows = _ONE_ROW if ndim == 1 else rows
        rows2, colsT, KT = _spatial_matrices(rows, cols, rtype)
        h, w = np.shape(rows)[0], np.shape(cols)[0]
        out = np.empty((Z.shape[0], h * w), dtype=rtype)
        lo, hi = _square_range(rtype)
        per_sample = max(1, math.prod(lead[1:]))  # maps per sample (1 for empty arrays)
        fit = max(1, _SPATIAL_GROUP_BYTES // (M * N * rtype.itemsize))
        group = max(d for d in range(1, min(per_sample, fit) + 1) if per_sample % d == 0)
        with blas_threads(1):
            self._run(
                _kernels().lowpass_spatial,
                (_real_view(Z) if complex_input else Z, complex_input, M, N, ndim == 1, rows2,
                 colsT, KT, lo, hi, group, h, w, out),
                (0, 13),
                Z.shape[0],
                Z.shape[1],
                align=group,
            )  # fmt: skip
        return out.reshape(lead + ((h, w) if ndim == 2 else (w,)))

    def angular_modulus_mean(self, W, index, sign, P, Q, window: int):
        """Same contract as :meth:`NumpyBackend.angular_modulus_mean`, fused.

        The gather by relative angle, the angular convolutions, the modulus and
        the mean over orientation windows run in one kernel
        (:mod:`skscat.backends._numba_roto`), without storing the ``K L``
        complex maps per relative angle; the batch is split over ``n_jobs``
        threads. ``P`` and ``Q`` are applied through their factors
        (:func:`~skscat.filters.angular.angular_band_factors`): for the
        band-limited filters of :func:`~skscat.filters.angular.angular_mixing`
        about a third of the products of ``P`` and ``Q`` themselves (any
        ``P`` and ``Q`` give the same result, without the saving).
        """
        from ..filters.angular import angular_band_factors
        from ._numba_roto import angular_modulus_mean

        z = np.ascontiguousarray(W)
        n, L = z.shape[:2]
        rtype = z.real.dtype
        K, G = P.shape[0], L // window
        out = np.empty((n, K, G, L) + z.shape[3:], dtype=rtype)
        Z = _real_view(z).reshape(n, L, L, -1)
        factors = angular_band_factors(np.asarray(P, dtype=rtype), np.asarray(Q, dtype=rtype))
        args = (
            Z,
            np.ascontiguousarray(index, dtype=np.intp),
            np.ascontiguousarray(sign, dtype=rtype),
            *factors,
            int(window),
            _ROTO_CHUNK_BYTES // rtype.itemsize,
            out.reshape(n, K, G, -1),
        )
        self._run(angular_modulus_mean, args, (0, 12), n, Z[0].size * K)
        return out

    # -- arrays this backend made (safe to overwrite) ---------------------
    def _mark_owned(self, a):
        self._owned[id(a)] = a

    def _is_owned(self, a) -> bool:
        return self._owned.get(id(a)) is a
