"""Numba kernels of the numba backend: the element-wise work of the cascades.

Every kernel works on two spatial axes ``(M, N)`` stored flat (row-major) per
batch element; a 1-D signal of length ``N`` is the ``1 x N`` image. Leading
(sample, path) axes are flattened by the caller into one batch axis ``B``
(the ``prange`` loops), which the backend splits over threads. Complex arrays are passed as
interleaved real views (``z.view(float)``: real part at ``2 y``, imaginary part
at ``2 y + 1``) so that the loops are plain float arithmetic in the input's
precision (float32 stays float32); the real Fourier filters are passed
"doubled" (each value repeated for the real and the imaginary part, see
:func:`double_filters`) so that a complex-by-real product is one contiguous,
vectorisable loop, except where the dense products take them as they are
(:func:`filter_fold_rows`, :func:`filter_fold_quad`: the real and imaginary
parts of one value in one loop iteration, which LLVM vectorises as
interleaved accesses, with half the filter bytes). Each kernel writes into
arrays the caller allocates.

The fusions, and what they replace in :class:`~skscat.backends.numpy_backend.NumpyBackend`:

- :func:`filter_fold` -- the Fourier product with ``K`` filters fused with the
  periodisation (sub-sampling by ``kx, ky`` in space): one pass over the
  input, no full-size product in memory. On half spectra of real signals
  (``rfft`` output) the missing half is rebuilt once per input through
  Hermitian symmetry, in a scratch row set, and shared by the ``K`` filters.
  Variants by filter shape and grid size, chosen by the backend (never by
  the batch): :func:`filter_fold_half` (narrow filters on half spectra: the
  missing half is never rebuilt, each filter is split into a stored and a
  reflected part), :func:`filter_fold_lanes` (narrow filters on small
  grids, inputs side by side), :func:`filter_fold_rows` (dense filters
  larger than the caches, output row by output row) and
  :func:`filter_fold_quad` (dense filters periodised by 2 on small grids,
  laid out by quadrants).
- :func:`lowpass_fold_hermitian` -- product with a real, symmetric low-pass
  and periodisation, half spectrum in, half spectrum out (for ``irfft``);
  for narrow low-passes, and on 2-D grids whose periodised rows are a few
  values long, the same as a list of terms per output value:
  :func:`lowpass_fold_terms` (terms from :func:`lowpass_fold_plan`).
- :func:`modulus` -- complex to real modulus.
- :func:`phase_double` -- the phase harmonic ``[z]^2 = z^2 / |z|`` given
  ``|z|`` (phase harmonics' repeated phase doubling), in one pass.
- :func:`lowpass_spatial` -- the modulus fused with the low-pass that follows
  it, applied in space as two small matrices (``rows @ |z| @ cols.T``; the
  separable low-pass, periodisation and crop in one linear map per axis), as
  BLAS matrix products over groups of maps whose moduli stay in cache.

Loops index through 1-D views whose indices are loop counters, so that LLVM
sees non-negative indices and vectorises them. Each output element has one
fixed summation order whatever the thread count, so results do not depend
on ``n_jobs``.

Each kernel's ``.py_func`` is the same code run by the Python interpreter
(``prange`` is ``range`` there); the tests call it on small inputs.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

# Kernels run on the calling thread without the GIL; the backend runs chunks
# of the batch on several threads (``n_jobs``). ``parallel=False``: numba's
# OpenMP layer would make every later ``fork()`` of the process abort ("fork()
# called from a process already using GNU OpenMP") and its workers busy-wait
# after each kernel, starving SciPy's FFT threads; ``prange`` still marks the
# batch loops that are independent (``parallel=True`` would run them on numba
# threads unchanged).
_JIT = dict(parallel=False, fastmath=False, cache=True, error_model="numpy", nogil=True)

# Inputs per parallel task in :func:`filter_fold` (its scratch is per task).
_CHUNK = 16

# Pairs of output rows per block of :func:`filter_fold_half`: each (input,
# filter) writes that many consecutive output rows at a time (streams the
# prefetchers follow) while the block's filter rows stay in the L2 cache
# (measured on 288 x 288 by 4 and 8: 1.1x to 1.3x faster than one pair).
_HALF_PAIRS = 8


def filter_segments(filters: np.ndarray, threshold: float) -> np.ndarray:
    """Where each row of each filter is not negligible, as column ranges.

    Parameters
    ----------
    filters : array (K, M, N)
    threshold : float
        Entries with ``|f| <= threshold * max |f|`` (per filter) are
        negligible.

    Returns
    -------
    seg : int64 array (K, M, 4)
        ``(lo1, hi1, lo2, hi2)``: the smallest circular arc of columns
        holding every non-negligible entry of the row, as at most two
        ranges ``[lo, hi)`` (empty ranges have ``lo == hi``).
    """
    K, M, N = filters.shape
    mag = np.abs(filters)
    mask = mag > threshold * mag.reshape(K, -1).max(axis=1)[:, None, None]
    seg = np.zeros((K, M, 4), dtype=np.int64)
    for f in range(K):
        for x in range(M):
            idx = np.flatnonzero(mask[f, x])
            if idx.size == 0:
                continue
            # the complement of the widest circular gap between kept columns
            gaps = np.diff(np.append(idx, idx[0] + N))
            g = int(np.argmax(gaps))
            start, end = int(idx[(g + 1) % idx.size]), int(idx[g]) + 1
            if start < end:
                seg[f, x] = (start, end, 0, 0)
            else:
                seg[f, x] = (start, N, 0, end)
    return seg


def double_filters(filters: np.ndarray) -> np.ndarray:
    """Real filters ``(..., N)`` repeated along the last axis as ``(..., 2 N)``.

    ``out[..., 2 y] = out[..., 2 y + 1] = filters[..., y]``: the layout of an
    interleaved complex array, so a complex-by-real product is element-wise.
    """
    return np.ascontiguousarray(np.repeat(filters, 2, axis=-1))


@njit(fastmath=False, cache=True, error_model="numpy", inline="always")
def _accumulate(Ub, half, M, N, w, x, lo, hi, ky, d, qmax):
    """``d[q] += X[x, y] * w[y]`` for ``y`` in ``[lo, hi)``, ``q = y mod (N // ky)``.

    ``Ub`` is one spectrum (interleaved; if ``half``, only columns
    ``<= N // 2`` are stored and ``X[x, y] = conj(X[-x, -y])`` gives the
    others), ``w`` the doubled filter of row ``x`` (``2 * N`` values), ``d`` an
    interleaved output row; columns with ``q >= qmax`` are not accumulated.
    """
    Nh = N // 2 + 1 if half else N
    rowu = 2 * Nh
    Nk = N // ky
    xr = (M - x) % M
    for c in range(lo // Nk, (hi - 1) // Nk + 1):
        y0 = max(lo, c * Nk)
        y1 = min(hi, c * Nk + qmax)
        # stored columns: one contiguous, vectorised loop
        ya, yb = y0, min(y1, Nh)
        if ya < yb:
            n2 = 2 * (yb - ya)
            s0 = Ub[x * rowu + 2 * ya : x * rowu + 2 * ya + n2]
            w0 = w[2 * ya : 2 * ya + n2]
            dd = d[2 * (ya - c * Nk) : 2 * (ya - c * Nk) + n2]
            for i in range(n2):
                dd[i] += s0[i] * w0[i]
        # mirrored columns of a half spectrum
        for y in range(max(y0, Nh), y1):
            j = xr * rowu + 2 * (N - y)
            q = y - c * Nk
            d[2 * q] += Ub[j] * w[2 * y]
            d[2 * q + 1] -= Ub[j + 1] * w[2 * y]


# The sign bit of the imaginary part of a complex64 moved as one uint64 word
# (little-endian: the real part is the low half).
_IMAG_SIGN = np.uint64(1 << 63)


def _conj_word(w):
    """Conjugate of one complex value moved as a word (``uint64`` or ``complex128``)."""
    if isinstance(w, np.uint64):
        return w ^ _IMAG_SIGN
    return w.conjugate()


@overload(_conj_word, inline="always")
def _conj_word_impl(w):
    # flipping the sign bit is the exact negation of the imaginary part, as a
    # product by -1 is: one integer vector instruction per word
    if isinstance(w, types.Integer):
        return lambda w: w ^ _IMAG_SIGN
    return lambda w: w.conjugate()


@njit(fastmath=False, cache=True, error_model="numpy", inline="always")
def _expand_row(Uw, x, M, N, dw, w0):
    """Row ``x`` of the full spectrum whose half ``Uw`` is given, into ``dw[w0:]``.

    ``Uw`` and ``dw`` hold one word per complex value (:func:`filter_fold`'s
    ``word``). The columns above ``N // 2``, ``conj(X[-x, N - y])``, are a
    reversed copy of words with the imaginary sign flipped (:func:`_conj_word`,
    exact), in the same loop: vector shuffles and one bitwise operation, no
    second pass.
    """
    Nh = N // 2 + 1
    base = np.uint64(x * Nh)
    d0 = np.uint64(w0)
    for i in range(np.uint64(Nh)):
        dw[d0 + i] = Uw[base + i]
    # X[x, y] = conj(X[-x, N - y]) for y > N // 2
    wr = np.uint64(((M - x) % M) * Nh + N)  # word of column N - y is wr - y
    for y in range(np.uint64(Nh), np.uint64(N)):
        dw[d0 + y] = _conj_word(Uw[wr - y])


@njit(**_JIT)
def filter_fold(U, half, M, N, F2, seg, sparse, expand, kx, ky, word, out):
    """Fourier products with real filters, each periodised by ``(kx, ky)``.

    Parameters
    ----------
    U : float array (B, M * 2 * Nu)
        Interleaved spectra: full (``Nu = N``) or, if ``half``, the half
        spectra of real signals (``Nu = N // 2 + 1``).
    half : bool
        Whether ``U`` holds half spectra.
    M, N : int
        Size of the full spectra.
    F2 : float array (K, M * 2 * N)
        Doubled real filters (:func:`double_filters`), already multiplied by
        ``1 / (kx * ky)`` (the periodisation is the mean over the aliases; a
        power of two, so scaling the filter instead of the sum is exact).
    seg : int array (K, M, 4)
        For each filter row, at most two ranges ``[lo, hi)`` of columns
        outside which the filter is negligible (:func:`filter_segments`).
    sparse : bool
        Visit only the segments (narrow filters); otherwise every column.
    expand : bool
        Expand half spectra once per input into a scratch full spectrum
        shared by the ``K`` filters (needed by dense filters; worth it when
        the segments reach the mirrored half). Without it, sparse filters
        read the half spectra in place, mirrored columns one by one.
    kx, ky : int
        Sub-sampling factors in space (dividing ``M`` and ``N``).
    word : array (0,)
        Empty, of the type one interleaved complex value fills (``uint64``
        for float32, ``complex128`` for float64): the missing half is copied
        reversed one value at a time (see :func:`_expand_row`).
    out : float array (B, K, (M // kx) * 2 * (N // ky))
        Interleaved products, periodised.

    Notes
    -----
    Output row ``p`` is the sum, over ``a < kx`` and ``c < ky``, of block
    ``c`` of input row ``a * M // kx + p`` times the filter. Dense filters with
    ``ky <= 2`` are written in one pass (the first term assigns, the others
    add); otherwise the output is zeroed and the segments accumulated.
    """
    B = U.shape[0]
    K = F2.shape[0]
    Mk = M // kx
    Nk = N // ky
    row = 2 * N
    rowk = 2 * Nk
    size = M * row
    expand = half and (expand or not sparse)
    n_chunks = (B + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        full = np.empty(size if expand else 0, dtype=U.dtype)
        fullw = full.view(word.dtype)
        for b in range(chunk * _CHUNK, min(B, (chunk + 1) * _CHUNK)):
            if expand:
                Ub = U[b]
                Uw = Ub.view(word.dtype)
                for x in range(M):
                    _expand_row(Uw, x, M, N, fullw, x * N)
                src = full
            else:
                src = U[b]
            for f in range(K):
                o = out[b, f]
                w = F2[f]
                if not sparse and kx * ky == 1:
                    for i in range(size):
                        o[i] = src[i] * w[i]
                    continue
                if not sparse and kx == 2 and ky == 2:
                    # the common 2-D case: the four aliases in one pass
                    rk = np.uint64(rowk)
                    for p in range(Mk):
                        d0 = np.uint64(p * rowk)
                        x0 = np.uint64(p * row)
                        x1 = np.uint64((Mk + p) * row)
                        for i in range(rk):
                            o[d0 + i] = (
                                src[x0 + i] * w[x0 + i] + src[x0 + rk + i] * w[x0 + rk + i]
                            ) + (src[x1 + i] * w[x1 + i] + src[x1 + rk + i] * w[x1 + rk + i])
                    continue
                if not sparse and ky == 2:
                    for p in range(Mk):
                        d = o[p * rowk : (p + 1) * rowk]
                        for a in range(kx):
                            x0 = (a * Mk + p) * row
                            s0 = src[x0 : x0 + rowk]
                            s1 = src[x0 + rowk : x0 + 2 * rowk]
                            w0 = w[x0 : x0 + rowk]
                            w1 = w[x0 + rowk : x0 + 2 * rowk]
                            if a == 0:
                                for i in range(rowk):
                                    d[i] = s0[i] * w0[i] + s1[i] * w1[i]
                            else:
                                for i in range(rowk):
                                    d[i] += s0[i] * w0[i] + s1[i] * w1[i]
                    continue
                # narrow filters (or larger factors): zero, then accumulate
                # the segments of every row
                for i in range(Mk * rowk):
                    o[i] = 0
                for x in range(M):
                    p = x % Mk
                    d = o[p * rowk : (p + 1) * rowk]
                    wx = w[x * row : (x + 1) * row]
                    for g in range(2):
                        lo = seg[f, x, 2 * g]
                        hi = seg[f, x, 2 * g + 1]
                        if lo >= hi:
                            continue
                        if half and not expand:
                            _accumulate(src, True, M, N, wx, x, lo, hi, ky, d, Nk)
                            continue
                        # a full spectrum: each block of the segment is one loop
                        base = np.uint64(x * row)
                        for c in range(lo // Nk, (hi - 1) // Nk + 1):
                            y0 = max(lo, c * Nk)
                            n2 = np.uint64(2 * (min(hi, c * Nk + Nk) - y0))
                            s0 = base + np.uint64(2 * y0)
                            d0 = np.uint64(2 * (y0 - c * Nk))
                            w0 = np.uint64(2 * y0)
                            for i in range(n2):
                                d[d0 + i] += src[s0 + i] * wx[w0 + i]


@njit(**_JIT)
def lowpass_fold_hermitian(U, M, N, F2, seg, sparse, kx, ky, scale, out):
    """Product with a real symmetric filter and periodisation, on half spectra.

    Parameters
    ----------
    U : float array (B, M * 2 * (N // 2 + 1))
        Interleaved half spectra of real signals.
    M, N : int
        Size of the full spectra.
    F2 : float array (M * 2 * N)
        Doubled real filter with ``F[x, y] == F[-x, -y]`` (so the product is
        again the spectrum of a real signal).
    seg : int array (M, 4)
        Column ranges of each row outside which the filter is negligible
        (:func:`filter_segments`).
    sparse : bool
        Visit only the segments (a narrow low-pass) instead of every column.
    kx, ky, scale : as in :func:`filter_fold`
    out : float array (B, (M // kx) * 2 * ((N // ky) // 2 + 1))
        Interleaved half spectra of the periodised products.
    """
    B = U.shape[0]
    Nh = N // 2 + 1
    Mk = M // kx
    Nk = N // ky
    Nkh = Nk // 2 + 1
    row = 2 * N
    rowh = 2 * Nh
    rowkh = 2 * Nkh
    for b in prange(B):
        o = out[b]
        Ub = U[b]
        for i in range(Mk * rowkh):
            o[i] = 0
        for x in range(M):
            p = x % Mk
            d = o[p * rowkh : (p + 1) * rowkh]
            if sparse:
                wx = F2[x * row : (x + 1) * row]
                for g in range(2):
                    lo = seg[x, 2 * g]
                    hi = seg[x, 2 * g + 1]
                    if lo < hi:
                        _accumulate(Ub, True, M, N, wx, x, lo, hi, ky, d, Nkh)
                continue
            xr = (M - x) % M
            for c in range(ky):
                y0 = c * Nk
                # columns y0 + q below Nh are stored, the others are mirrored
                split = min(max(Nh - y0, 0), Nkh)
                s = Ub[x * rowh + 2 * y0 : x * rowh + 2 * y0 + 2 * split]
                ws = F2[x * row + 2 * y0 : x * row + 2 * y0 + 2 * split]
                for i in range(2 * split):
                    d[i] += s[i] * ws[i]
                for q in range(split, Nkh):
                    wv = F2[x * row + 2 * (y0 + q)]
                    yr = N - y0 - q
                    d[2 * q] += Ub[xr * rowh + 2 * yr] * wv
                    d[2 * q + 1] -= Ub[xr * rowh + 2 * yr + 1] * wv
        if kx * ky > 1:
            for i in range(Mk * rowkh):
                o[i] *= scale


def lowpass_fold_plan(F2, seg, sparse, M, N, kx, ky):
    """The product with a real symmetric filter and periodisation, on half spectra, as terms.

    Half spectrum in, half spectrum out (for ``irfft``), the product with a
    real filter ``F`` with ``F[x, y] == F[-x, -y]`` (so the product is again
    the spectrum of a real signal) then the periodisation (sub-sampling by
    ``kx, ky`` in space) is a fixed sparse linear map on interleaved values:
    output value ``i`` is the sum over its terms ``t`` of ``U[src[t]] *
    w[t]``, in :func:`lowpass_fold_terms`. Columns above ``N // 2`` are read
    through Hermitian symmetry, ``X[x, y] = conj(X[-x, N - y])``: the
    imaginary part's weight is negated (``a - u w`` is ``a + u (-w)``
    exactly). Each output's terms are added in one fixed order: input rows
    ``x`` ascending, then the row's segments, then the periodised copies
    ``c`` (columns ``c * (N // ky) + q``) ascending.

    Parameters
    ----------
    F2 : float array (M * 2 * N)
        Doubled real filter (:func:`double_filters`).
    seg : int array (M, 4)
        Column ranges of each row outside which the filter is negligible
        (:func:`filter_segments`).
    sparse : bool
        List only the terms in the segments (a narrow low-pass) instead of
        every column.
    M, N, kx, ky : int
        Size of the full spectra and sub-sampling factors.

    Returns
    -------
    ptr : int64 array (n + 1,)
        ``n = (M // kx) * 2 * ((N // ky) // 2 + 1)`` output values; the
        terms of value ``i`` are ``ptr[i] .. ptr[i + 1] - 1``.
    src : int32 array
        Indices into one interleaved half spectrum.
    w : array of ``F2``'s dtype
    planes : int
        When every output value has the same number of terms (no segments),
        that number, and ``src`` and ``w`` are laid out term by term (the
        ``r``-th terms of all outputs at ``r * n .. (r + 1) * n - 1``);
        else 0.
    """
    Nh, Mk, Nk = N // 2 + 1, M // kx, N // ky
    Nkh = Nk // 2 + 1
    n = Mk * 2 * Nkh
    F = np.asarray(F2).reshape(M, 2 * N)[:, 0::2]
    if sparse:
        ranges = [(seg[:, 0], seg[:, 1]), (seg[:, 2], seg[:, 3])]
    else:
        ranges = [(np.zeros(M, np.int64), np.full(M, N, np.int64))]
    y = np.arange(N)
    xs, ys, keys = [], [], []
    for g, (lo, hi) in enumerate(ranges):
        x_g, y_g = np.nonzero((y >= lo[:, None]) & (y < hi[:, None]) & (y % Nk < Nkh))
        xs.append(x_g)
        ys.append(y_g)
        keys.append(((x_g * 2 + g) * ky + y_g // Nk) * N + y_g)  # the order of the sums
    x, y, key = (np.concatenate(a).astype(np.int64) for a in (xs, ys, keys))
    stored = y < Nh
    src = np.where(stored, x * 2 * Nh + 2 * y, ((M - x) % M) * 2 * Nh + 2 * (N - y))
    dst = 2 * ((x % Mk) * Nkh + y % Nk)
    w = F[x, y]
    src = np.stack([src, src + 1], axis=1).reshape(-1)
    dst = np.stack([dst, dst + 1], axis=1).reshape(-1)
    w = np.stack([w, np.where(stored, w, -w)], axis=1).reshape(-1)
    order = np.lexsort((np.repeat(key, 2), dst))
    counts = np.bincount(dst, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    src, w = src[order].astype(np.int32), w[order]
    planes = 0 if sparse or counts.min() != counts.max() else int(counts[0])
    if planes:
        src, w = (a.reshape(n, planes).T.reshape(-1) for a in (src, w))
    return ptr, np.ascontiguousarray(src), np.ascontiguousarray(w), planes


@njit(**_JIT)
def lowpass_fold_terms(U, ptr, src, w, planes, scale, scaled, out):
    """``out[b, i] = sum(U[b, src[t]] * w[t])`` over the terms of output ``i``, times ``scale``.

    Parameters
    ----------
    U : float array (B, M * 2 * (N // 2 + 1))
        Interleaved half spectra of real signals.
    ptr, src, w, planes :
        The terms (:func:`lowpass_fold_plan`).
    scale : float
        Applied when ``scaled`` (the ``1 / (kx ky)`` of the periodisation).
    out : float array (B, n)
        Interleaved half spectra of the periodised products.

    Notes
    -----
    Laid out term by term (``planes``: a dense filter) the inner loops run
    over the outputs, one gathering the inputs, one multiplying and adding
    (vectorised), where loops over the periodised rows would run a few
    values at a time on the coarse grids. Otherwise (a narrow filter)
    each output's sum is one register over its listed terms, four inputs at
    a time, and only the non-negligible terms are read (no scan of the rows
    for their segments). Both add each output's terms in the plan's order,
    whatever the batch split.
    """
    n = out.shape[1]
    B = U.shape[0]
    zero = scale - scale
    if not planes:
        # four inputs at a time: four independent sums hide the latency of
        # the additions (2x faster than one); the last group repeats its last
        # input, rewriting the same values
        for b4 in prange((B + 3) // 4):
            b0 = 4 * b4
            b1, b2, b3 = min(b0 + 1, B - 1), min(b0 + 2, B - 1), min(b0 + 3, B - 1)
            u0, u1, u2, u3 = U[b0], U[b1], U[b2], U[b3]
            for i in range(n):
                a0 = a1 = a2 = a3 = zero
                for t in range(ptr[i], ptr[i + 1]):
                    s = src[t]
                    wt = w[t]
                    a0 += u0[s] * wt
                    a1 += u1[s] * wt
                    a2 += u2[s] * wt
                    a3 += u3[s] * wt
                if scaled:
                    a0, a1, a2, a3 = a0 * scale, a1 * scale, a2 * scale, a3 * scale
                out[b0, i] = a0
                out[b1, i] = a1
                out[b2, i] = a2
                out[b3, i] = a3
        return
    for b in prange(B):
        u = U[b]
        o = out[b]
        g = np.empty(n, dtype=out.dtype)  # per input: the loop is parallel
        for i in range(n):
            o[i] = zero
        for r in range(planes):
            s = src[r * n : (r + 1) * n]
            ws = w[r * n : (r + 1) * n]
            # the gather alone (LLVM leaves gathers scalar here), then a
            # vectorised product: 1.1-1.2x faster than one loop
            for i in range(n):
                g[i] = u[s[i]]
            for i in range(n):
                o[i] += g[i] * ws[i]
        if scaled:
            for i in range(n):
                o[i] *= scale


@njit(fastmath=False, cache=True, error_model="numpy")
def _inexact(re, im, lo, hi):
    """Whether ``sqrt(re**2 + im**2)`` may differ from ``hypot(re, im)`` by more
    than rounding: the sum of squares overflowed, or underflowed while the
    number is not zero. Decided per element, so results never depend on
    which elements are processed together."""
    s = re * re + im * im
    return s > hi or (s < lo and (re != 0 or im != 0))


@njit(inline="always", **_JIT)  # called per row: numba's inlining keeps it vectorised
def _modulus_into(z, lo, hi, u):
    """``u = |z|`` for one interleaved complex vector ``z`` (see :func:`modulus`)."""
    S = u.size
    bad = False  # a boolean OR reduction: half the cost of counting (float32, in cache)
    for i in range(S):
        s = z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1]
        u[i] = math.sqrt(s)
        bad |= (s < lo) | (s > hi)
    if bad:
        for i in range(S):
            if _inexact(z[2 * i], z[2 * i + 1], lo, hi):
                u[i] = math.hypot(z[2 * i], z[2 * i + 1])


@njit(**_JIT)
def modulus(Z, lo, hi, out):
    """``out = |Z|`` for interleaved complex rows ``Z`` (B, 2 S) into ``out`` (B, S).

    ``sqrt(re**2 + im**2)``, vectorised; where the sum of squares leaves
    ``[lo, hi]`` (it underflowed or overflowed, :func:`_inexact`) the value is
    recomputed with ``hypot``, so the result matches :func:`numpy.abs` to
    rounding at every scale.
    """
    for b in prange(Z.shape[0]):
        _modulus_into(Z[b], lo, hi, out[b])


@njit(**_JIT)
def lowpass_spatial(Z, complex_input, M, N, signals, rows, colsT, KT, lo, hi, group, h, w, out):
    """``out = rows @ u @ colsT`` for each map, ``u = |Z|`` (fused) or ``Z``.

    Parameters
    ----------
    Z : float array (B, M * N) or (B, M * 2 * N)
        Real maps, or interleaved complex maps whose modulus is taken.
    complex_input : bool
        Whether ``Z`` is complex (interleaved) and its modulus is wanted.
    M, N : int
        Size of each map.
    signals : bool
        Whether the maps are signals (``M = 1``): only ``colsT`` is applied.
    rows : float array (hp, M)
        Low-pass, sub-sampling and crop along the first axis; ``hp >= 2``
        rows, those past ``h`` zero (unused for signals).
    colsT : float array (N, wp)
        The same along the second axis, ``wp >= 2`` columns.
    KT : float array (M * N, hwp) or (0, 2)
        When not empty, the two applied as one matrix: ``KT[x N + y, p w + q]
        = rows[p, x] cols[q, y]`` (``hwp >= 2`` columns, those past ``h w``
        zero); ``rows`` and ``colsT`` are then unused.
    lo, hi : float
        Range of ``re**2 + im**2`` outside which the modulus is recomputed
        with ``hypot`` (see :func:`modulus`).
    group : int
        Maps per matrix product: the maps ``[group * i, group * (i + 1))``.
    h, w : int
        Output rows and columns kept.
    out : float array (B, h * w), or (B, w) for signals

    Notes
    -----
    The products are BLAS GEMMs (``np.dot``, SciPy's BLAS under numba) on
    ``group`` maps at a time, whose moduli (or a copy) are written into a
    buffer ``U`` that stays in cache. Either ``U``, read as ``(M, group *
    N)``, holds row ``x`` of map ``c`` at columns ``c * N + y`` of its row
    ``x``, so that ``R = rows @ U`` holds ``rows @ u_c`` side by side, and
    ``R`` read as ``(hp * group, N)`` times ``colsT`` is the second GEMM,
    with map ``c``'s output row ``p`` at row ``p * group + c`` (no
    transposes; the first GEMM is the long one, faster than ``colsT``
    first), except for groups of one map, which take ``rows @ (U
    @ colsT)``; or (small maps) ``U`` holds map ``c`` flat in row ``c`` and
    ``U @ KT`` is the only GEMM. A
    BLAS library's summation order may depend on a row's position in the
    product and on the product's size (kernels for edges and small sizes),
    never on the other rows' values: every product here has the same size (a
    last, partial group is completed with stale rows; at least two rows and
    two columns), and a map always sits at the same place, ``b % group``, so
    its result does not depend on how the batch was split, as long as
    splits fall on multiples of ``group``.
    """
    B = Z.shape[0]
    hp = rows.shape[0]
    wp = colsT.shape[1]
    S = M * N
    dt = out.dtype
    kron = KT.shape[0] > 0
    rows_u = max(group, 2) if kron else max(group * M, 2)
    Uf = np.zeros(rows_u * (S if kron else N), dtype=dt)
    U = Uf.reshape(rows_u, Uf.size // rows_u)
    one = kron or signals  # one product
    # a single map (large maps) takes colsT first: 1.1-1.2x faster at 288 x 288
    cols_first = not one and group == 1
    T = np.empty((rows_u if one or cols_first else hp * group, KT.shape[1] if kron else wp), dt)
    O = np.empty((hp if cols_first else 0, wp), dtype=dt)
    Uv = Uf[: 0 if one else group * S].reshape(M, 0 if one else group * N)  # (x, (c, y))
    R = np.empty(0 if one else hp * group * N, dtype=dt)
    R2 = R.reshape(hp, R.size // hp)  # rows @ Uv: (p, (c, y))
    R1 = R.reshape(R.size // N, N)  # the same as ((p, c), y)
    V = np.empty(0 if kron or group == 1 else S, dtype=dt)
    for b0 in range(0, B, group):
        nc = min(group, B - b0)
        for c in range(nc):
            z = Z[b0 + c]
            if kron or group == 1:  # the map is flat in U: one long, vectorised pass
                if complex_input:
                    _modulus_into(z, lo, hi, Uf[c * S : (c + 1) * S])
                else:
                    Uf[c * S : (c + 1) * S] = z
                continue
            if complex_input:  # the whole map at once, then its rows into place
                _modulus_into(z, lo, hi, V)
            src = V if complex_input else z
            for x in range(M):
                d = Uf[(x * group + c) * N : (x * group + c + 1) * N]
                s = src[x * N : (x + 1) * N]
                for y in range(N):
                    d[y] = s[y]
        if one:
            np.dot(U, KT if kron else colsT, T)
            for c in range(nc):
                o = out[b0 + c]
                t = T[c]
                for i in range(o.size):
                    o[i] = t[i]
            continue
        if cols_first:
            np.dot(U, colsT, T)
            np.dot(rows, T[:M], O)
            o = out[b0]
            for p in range(h):
                for q in range(w):
                    o[p * w + q] = O[p, q]
            continue
        np.dot(rows, Uv, R2)
        np.dot(R1, colsT, T)
        for p in range(h):
            for c in range(nc):
                o = out[b0 + c]
                t = T[p * group + c]
                for q in range(w):
                    o[p * w + q] = t[q]


@njit(**_JIT)
def phase_double(Z, R, one, out):
    """``out = Z * Z / R`` (0 where ``R`` is 0): the phase harmonic ``[z]^2`` given ``|z|``.

    ``Z`` and ``out`` are interleaved complex rows (B, 2 S), ``R`` the moduli
    (B, S), ``one`` is 1 in their precision. The operations and their order
    are those of :meth:`~skscat.backends.numpy_backend.NumpyBackend.phase_harmonic`
    (complex square, then the product with ``1 / |z|``), in one pass instead of
    a temporary array per step.
    """
    B = Z.shape[0]
    S = R.shape[1]
    zero = one - one
    for b in prange(B):
        z = Z[b]
        r = R[b]
        o = out[b]
        for i in range(S):
            re = z[2 * i]
            im = z[2 * i + 1]
            inv = one / r[i] if r[i] > zero else zero
            o[2 * i] = (re * re - im * im) * inv
            o[2 * i + 1] = (re * im + im * re) * inv


@njit(**_JIT)
def cross_lag_sums(F1, F2, rows, cols, E, out):
    """``out[b, l, r] = sum_c F1[b, l, rows[r], cols[c]] conj(F2[...]) E[c]``.

    The first stage of phase harmonics' lag sums (see
    :func:`skscat.phase_harmonics.core._lag_sums`): the product of two spectra
    restricted to a frequency box, contracted with the column phase factors
    ``E`` (C, 2 T), in one pass instead of two gathers, a conjugate copy, a
    product and a matrix product. ``F1``, ``F2`` (B, L, M, 2 N) and ``out``
    (B, L, R, 2 T) are interleaved complex. Columns outer, rows inner: the
    accumulation over the box's rows is one contiguous, vectorisable loop
    per lag; with fewer than 8 rows (1-D signals), rows outer. Every output
    sums its ``C`` terms in column order either way.
    """
    B, Lc = F1.shape[0], F1.shape[1]
    R, C = rows.shape[0], cols.shape[0]
    T = E.shape[1] // 2
    zero = out.dtype.type(0)
    if R < 8:
        for b in prange(B):
            for li in range(Lc):
                for ri in range(R):
                    f1 = F1[b, li, rows[ri]]
                    f2 = F2[b, li, rows[ri]]
                    o = out[b, li, ri]
                    for t in range(2 * T):
                        o[t] = zero
                    for ci in range(C):
                        c = cols[ci]
                        a_re, a_im = f1[2 * c], f1[2 * c + 1]
                        b_re, b_im = f2[2 * c], f2[2 * c + 1]
                        g_re = a_re * b_re + a_im * b_im
                        g_im = a_im * b_re - a_re * b_im
                        e = E[ci]
                        for t in range(T):
                            e_re, e_im = e[2 * t], e[2 * t + 1]
                            o[2 * t] += g_re * e_re - g_im * e_im
                            o[2 * t + 1] += g_re * e_im + g_im * e_re
        return
    for b in prange(B):
        g_re = np.empty(R, dtype=out.dtype)
        g_im = np.empty(R, dtype=out.dtype)
        acc_re = np.empty(T * R, dtype=out.dtype)
        acc_im = np.empty(T * R, dtype=out.dtype)
        for li in range(Lc):
            f1 = F1[b, li]
            f2 = F2[b, li]
            for i in range(T * R):
                acc_re[i] = zero
                acc_im[i] = zero
            for ci in range(C):
                c = cols[ci]
                for ri in range(R):
                    r = rows[ri]
                    a_re, a_im = f1[r, 2 * c], f1[r, 2 * c + 1]
                    b_re, b_im = f2[r, 2 * c], f2[r, 2 * c + 1]
                    g_re[ri] = a_re * b_re + a_im * b_im
                    g_im[ri] = a_im * b_re - a_re * b_im
                e = E[ci]
                for t in range(T):
                    e_re, e_im = e[2 * t], e[2 * t + 1]
                    s_re = acc_re[t * R : (t + 1) * R]
                    s_im = acc_im[t * R : (t + 1) * R]
                    for ri in range(R):
                        s_re[ri] += g_re[ri] * e_re - g_im[ri] * e_im
                        s_im[ri] += g_re[ri] * e_im + g_im[ri] * e_re
            o = out[b, li]
            for ri in range(R):
                for t in range(T):
                    o[ri, 2 * t] = acc_re[t * R + ri]
                    o[ri, 2 * t + 1] = acc_im[t * R + ri]


KERNELS = (
    filter_fold,
    lowpass_fold_hermitian,
    lowpass_fold_terms,
    modulus,
    lowpass_spatial,
    phase_double,
    cross_lag_sums,
)


@njit(**_JIT)
def filter_fold_lanes(U, half, M, N, F, seg, kx, ky, lanes, word, out):
    """:func:`filter_fold` of narrow filters, ``lanes`` inputs side by side.

    Same products and periodisation as :func:`filter_fold`'s segment path,
    for filters whose rows are short runs of columns (coarse scales), where a
    loop along one run is too short to vectorise. Here the spectra of a block
    of ``lanes`` inputs are first laid out ``(row, column, lane)`` (half
    spectra expanded through Hermitian symmetry), so that every filter value
    multiplies one contiguous vector of ``2 * lanes`` floats, whatever the run
    length.

    Parameters
    ----------
    U, half, M, N, kx, ky, out : as in :func:`filter_fold`
    F : float array (K, M * N)
        Real filters (not doubled), already multiplied by ``1 / (kx * ky)``.
    seg : int array (K, M, 4)
        Column ranges of each filter row (:func:`filter_segments`).
    lanes : int
        Inputs processed side by side.
    word : array (0,)
        As in :func:`filter_fold`: the results are moved out one complex word
        at a time.

    Notes
    -----
    Every output value sums its terms in the order of the filter's rows,
    then ranges, then columns, starting from zero, whatever its lane and
    block: results do not depend on how the batch is split.
    """
    B = U.shape[0]
    K = F.shape[0]
    Nh = N // 2 + 1
    Nu = Nh if half else N
    rowu = 2 * Nu
    Mk = M // kx
    Nk = N // ky
    L2 = 2 * lanes
    n_blocks = (B + lanes - 1) // lanes
    T = np.empty(M * N * L2, dtype=U.dtype)
    A = np.empty(K * Mk * Nk * L2, dtype=U.dtype)
    Aw = A.view(word.dtype)
    Ow = out.view(word.dtype)
    step = np.uint64(L2)
    one = np.uint64(1)
    two = np.uint64(2)
    for blk in range(n_blocks):
        b0 = np.uint64(blk * lanes)
        nl = np.uint64(min(lanes, B - blk * lanes))
        if nl < lanes:
            T[:] = 0
        # lanes innermost: contiguous writes (measured faster than moving
        # whole complex words here)
        for x in range(M):
            for y in range(Nu):
                t = np.uint64((x * N + y) * L2)
                s0 = np.uint64(x * rowu + 2 * y)
                for lane in range(nl):
                    T[t + two * lane] = U[b0 + lane, s0]
                    T[t + two * lane + one] = U[b0 + lane, s0 + one]
            if half:
                # X[x, y] = conj(X[-x, -y]) for y > N // 2
                xr = (M - x) % M
                for y in range(Nh, N):
                    t = np.uint64((x * N + y) * L2)
                    s0 = np.uint64(xr * rowu + 2 * (N - y))
                    for lane in range(nl):
                        T[t + two * lane] = U[b0 + lane, s0]
                        T[t + two * lane + one] = -U[b0 + lane, s0 + one]
        A[:] = 0
        for f in range(K):
            for x in range(M):
                p = x % Mk
                for g in range(2):
                    lo = seg[f, x, 2 * g]
                    hi = seg[f, x, 2 * g + 1]
                    q = lo % Nk  # the output column, y mod Nk, counted (no division per value)
                    for y in range(lo, hi):
                        w = F[f, x * N + y]
                        s0 = np.uint64((x * N + y) * L2)
                        d0 = np.uint64(((f * Mk + p) * Nk + q) * L2)
                        for i in range(step):
                            A[d0 + i] += T[s0 + i] * w
                        q += 1
                        if q == Nk:
                            q = 0
        for f in range(K):
            for j in range(Mk * Nk):
                a = np.uint64((f * Mk * Nk + j) * lanes)
                for lane in range(nl):
                    Ow[b0 + lane, f, j] = Aw[a + lane]


KERNELS += (filter_fold_lanes,)


@njit(**_JIT)
def filter_fold_rows(U, M, N, F, k, word, out):
    """:func:`filter_fold` of dense filters on half spectra with ``kx = ky = k``, by rows.

    The same values as :func:`filter_fold` (the same expression, in the same
    order, for every output), in another loop order: output row ``p`` of
    every input and filter before row ``p + 1``. The input rows of a
    ``(p, input)`` are expanded through Hermitian symmetry once and serve the
    ``K`` filters, and the ``K`` filters' rows serve every input while they
    are in cache: large grids (whose filters do not fit in cache) are read
    once per call instead of once per input. The filters are not doubled:
    each value multiplies the real and the imaginary part of one complex
    value (half the filter bytes to move, fewer vector loads: LLVM
    vectorises the pair as interleaved loads and stores).

    Parameters
    ----------
    U : float array (B, M * 2 * (N // 2 + 1))
        Interleaved half spectra of real signals.
    M, N : int
        Size of the full spectra (even if ``k == 2``).
    F : float array (K, M * N)
        Real filters, already multiplied by ``1 / k**2``.
    k : {1, 2}
        Sub-sampling factor along both axes.
    word : array (0,)
        As in :func:`filter_fold`.
    out : float array (B, K, (M // k) * 2 * (N // k))
        Interleaved products, periodised.
    """
    B = U.shape[0]
    K = F.shape[0]
    Mk = M // k
    row = 2 * N
    nk = np.uint64(N // k)  # one output row, in complex values
    rk = np.uint64(row // k)  # ... in floats
    r1 = np.uint64(row)
    one = np.uint64(1)
    two = np.uint64(2)
    full = np.empty(k * row, dtype=U.dtype)
    fullw = full.view(word.dtype)
    for p in range(Mk):
        x0 = np.uint64(p * N)
        x1 = np.uint64((Mk + p) * N)
        d0 = np.uint64(p) * rk
        for b in range(B):
            Ub = U[b]
            Uw = Ub.view(word.dtype)
            for r in range(k):
                _expand_row(Uw, p + r * Mk, M, N, fullw, r * N)
            for f in range(K):
                w = F[f]
                o = out[b, f]
                if k == 1:
                    for j in range(nk):
                        i = two * j
                        o[d0 + i] = full[i] * w[x0 + j]
                        o[d0 + i + one] = full[i + one] * w[x0 + j]
                    continue
                for j in range(nk):
                    i = two * j
                    wa = w[x0 + j]
                    wb = w[x0 + nk + j]
                    wc = w[x1 + j]
                    wd = w[x1 + nk + j]
                    o[d0 + i] = (full[i] * wa + full[rk + i] * wb) + (
                        full[r1 + i] * wc + full[r1 + rk + i] * wd
                    )
                    o[d0 + i + one] = (full[i + one] * wa + full[rk + i + one] * wb) + (
                        full[r1 + i + one] * wc + full[r1 + rk + i + one] * wd
                    )


KERNELS += (filter_fold_rows,)


@njit(**_JIT)
def fold_hermitian_1d(Uc, N, F2, F2c, seg, k, out):
    """:func:`filter_fold` for half spectra of real 1-D signals and narrow filters.

    The same sums in the same order as ``filter_fold(U, True, 1, N, F2,
    seg, True, False, 1, k, out)``, in fewer passes: the output is zeroed
    only outside the first range of columns it receives, which is assigned
    instead of added; and the columns above ``N // 2``, ``X[y] =
    conj(X[N - y])``, are copied reversed into a scratch row (a vectorised
    copy) and multiplied by ``F2c``, the doubled filter with its imaginary
    slots negated, in one contiguous loop instead of one column at a time.

    Parameters
    ----------
    Uc : complex array (B, N // 2 + 1)
        Half spectra (``rfft`` output).
    N : int
        Length of the full spectra.
    F2, F2c : float array (K, 2 * N)
        Doubled real filters times ``1 / k`` (:func:`double_filters`), and
        the same with every odd entry negated.
    seg : int array (K, 4)
        Column ranges outside which each filter is negligible
        (:func:`filter_segments`).
    k : int
        Sub-sampling factor.
    out : float array (B, K, 2 * (N // k))
        Interleaved products, periodised.
    """
    B = Uc.shape[0]
    K = F2.shape[0]
    Nh = N // 2 + 1
    Nk = N // k
    n_chunks = (B + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        tmpc = np.empty(Nh, dtype=Uc.dtype)
        tmp = tmpc.view(out.dtype)
        for b in range(chunk * _CHUNK, min(B, (chunk + 1) * _CHUNK)):
            uc = Uc[b]
            u = uc.view(out.dtype)
            for f in range(K):
                o = out[b, f]
                w = F2[f]
                wc = F2c[f]
                # pass 0 finds the first range (its output is not zeroed),
                # pass 1 writes: that range assigned, the others added
                qa = 0
                qb = 0
                first = True
                for ps in range(2):
                    if ps == 1:
                        for i in range(2 * qa):
                            o[i] = 0
                        for i in range(2 * qb, 2 * Nk):
                            o[i] = 0
                    first = True
                    for g in range(2):
                        lo = seg[f, 2 * g]
                        hi = seg[f, 2 * g + 1]
                        if lo >= hi:
                            continue
                        for c in range(lo // Nk, (hi - 1) // Nk + 1):
                            y0 = max(lo, c * Nk)
                            y1 = min(hi, c * Nk + Nk)
                            for part in range(2):
                                if part == 0:  # stored columns
                                    ya, yb = y0, min(y1, Nh)
                                else:  # mirrored columns
                                    ya, yb = max(y0, Nh), y1
                                if ya >= yb:
                                    continue
                                q = ya - c * Nk
                                if ps == 0:
                                    if first:
                                        qa, qb = q, q + yb - ya
                                        first = False
                                    continue
                                n2 = 2 * (yb - ya)
                                d = o[2 * q : 2 * q + n2]
                                if part == 0:
                                    s = u[2 * ya : 2 * ya + n2]
                                    ww = w[2 * ya : 2 * ya + n2]
                                else:
                                    src = uc[N - yb + 1 : N - ya + 1][::-1]
                                    for i in range(yb - ya):
                                        tmpc[i] = src[i]
                                    s = tmp[:n2]
                                    ww = wc[2 * ya : 2 * ya + n2]
                                if first:
                                    for i in range(n2):
                                        d[i] = s[i] * ww[i]
                                    first = False
                                else:
                                    for i in range(n2):
                                        d[i] += s[i] * ww[i]
                    if ps == 0 and first:  # nothing to add: all zeros
                        qa, qb = 0, 0


KERNELS += (fold_hermitian_1d,)


@njit(**_JIT)
def filter_fold_half(U, M, N, F2, runs, ptr, kx, ky, word, out):
    """:func:`filter_fold` of half spectra, without rebuilding the missing half.

    A real filter times the full spectrum of a real signal is, on the
    columns ``y > N // 2``, ``F[x, y] conj(X[-x, -y])``: the stored value
    ``X[x', y']`` (``x' = -x``, ``y' = N - y``) times the reflected filter
    ``F[-x', -y']``, conjugated. So each filter is given as two parts on the
    stored half grid: its columns ``<= N // 2`` (part 0) and its other
    columns reflected, with the imaginary slots negated (part 1). Both parts
    are plain contiguous products of stored values, accumulated along each
    row's ranges; part 0 lands on output ``(x mod Mk, y mod Nk)``, part 1 on
    ``(-x' mod Mk, -y' mod Nk)``: it is accumulated at ``(x' mod Mk,
    y' mod Nk)`` in a scratch map that is added, reflected, at the end. No
    per-input expansion of the spectrum (a full pass that narrow filters
    would not repay) and no column-by-column mirrored reads.

    Parameters
    ----------
    U : float array (B, M * 2 * (N // 2 + 1))
        Interleaved half spectra of real signals.
    M, N : int
        Size of the full spectra.
    F2 : float array (K, 2, M * 2 * (N // 2 + 1))
        The two parts of each doubled filter, scaled by ``1 / (kx * ky)``
        (see :func:`half_parts`).
    runs : int array (n_runs, 3)
        The columns where each part is not negligible, as runs that do not
        cross a multiple of ``N // ky`` (one contiguous output range each):
        first column, first output column, length.
    ptr : int array (K, 2, M + 1)
        Runs ``ptr[f, part, x] .. ptr[f, part, x + 1] - 1`` are those of
        row ``x`` of part ``part`` of filter ``f`` (see :func:`half_parts`).
    kx, ky : int
        Sub-sampling factors in space (dividing ``M`` and ``N``).
    out : float array (B, K, (M // kx) * 2 * (N // ky))
        Interleaved products, periodised.

    Notes
    -----
    Every output value is the sum of its part-0 terms (in the order of rows,
    ranges, columns) plus the sum of its part-1 terms (same order), whatever
    the batch split.
    """
    B = U.shape[0]
    K = F2.shape[0]
    Nh = N // 2 + 1
    Mk = M // kx
    Nk = N // ky
    rowh = 2 * Nh
    rowk = 2 * Nk
    one = np.uint64(1)
    # scratch rows (in L1): the part-0 sums of output rows p and -p, then the
    # part-1 sums accumulated at the reflected positions
    S = np.empty(4 * rowk, dtype=U.dtype)
    S64 = S.view(word.dtype)
    T = np.empty(rowk, dtype=U.dtype)
    T64 = T.view(word.dtype)
    nk = np.uint64(Nk)
    urowk = np.uint64(rowk)
    n_scratch = np.uint64(4 * rowk)
    # output rows p and -p (mod Mk) together: the reflected part of each is
    # accumulated from the other's input rows, so both are complete here;
    # blocks of pairs: the block's filter rows stay in cache for the batch
    n_pairs = Mk // 2 + 1
    for p0 in range(0, n_pairs, _HALF_PAIRS):
        for b in range(B):
            Ub = U[b]
            for f in range(K):
                o = out[b, f]
                for p in range(p0, min(n_pairs, p0 + _HALF_PAIRS)):
                    pair = (p, (Mk - p) % Mk)
                    n_rows = 1 if pair[1] == p else 2
                    for i in range(n_scratch):
                        S[i] = 0
                    for t in range(n_rows):
                        x0 = pair[t]
                        for a in range(kx):
                            x = x0 + a * Mk
                            base = np.uint64(x * rowh)
                            for part in range(2):
                                drow = np.uint64((2 * part + t) * rowk)
                                w = F2[f, part]
                                # runs: (first column, first output column, length)
                                for r in range(ptr[f, part, x], ptr[f, part, x + 1]):
                                    n2 = np.uint64(2 * runs[r, 2])
                                    s0 = base + np.uint64(2 * runs[r, 0])
                                    d0 = drow + np.uint64(2 * runs[r, 1])
                                    for i in range(n2):
                                        S[d0 + i] += Ub[s0 + i] * w[s0 + i]
                    # output (p, q): its part-0 sum plus R[-p, -q], R the other
                    # row's part-1 sums (complex values reversed as words: one
                    # vector shuffle); each output row written once
                    for t in range(n_rows):
                        pt = pair[t]
                        rr = np.uint64((2 + (1 - t if n_rows == 2 else 0)) * Nk)
                        T64[0] = S64[rr]
                        for q in range(one, nk):
                            T64[q] = S64[rr + nk - q]
                        od = o[pt * rowk : (pt + 1) * rowk]
                        sa = S[t * rowk : (t + 1) * rowk]
                        for i in range(urowk):
                            od[i] = sa[i] + T[i]


KERNELS += (filter_fold_half,)


def half_parts(filters: np.ndarray, seg: np.ndarray, ky: int):
    """The two parts of real filters that :func:`filter_fold_half` takes.

    Parameters
    ----------
    filters : array (K, M, N)
        Real Fourier filters on the full grid.
    seg : int array (K, M, 4)
        Their column ranges (:func:`filter_segments`).
    ky : int
        Sub-sampling factor along the columns.

    Returns
    -------
    F2 : array (K, 2, M * 2 * (N // 2 + 1))
        Part 0: the doubled filter on the columns ``<= N // 2``. Part 1: at
        ``(x', y')``, ``F[-x', N - y']`` for ``1 <= y' < N - N // 2``
        (the columns above ``N // 2``, reflected), doubled with the
        imaginary slots negated; zero elsewhere.
    runs, ptr : int arrays (n_runs, 3), (K, 2, M + 1)
        The ranges of ``seg`` restricted to each part, in its columns, cut
        into runs that each land on one contiguous output range (see
        :func:`filter_fold_half`).
    """
    K, M, N = filters.shape
    Nh = N // 2 + 1
    F2 = np.zeros((K, 2, M, Nh, 2), dtype=filters.dtype)
    F2[:, 0, :, :, 0] = filters[:, :, :Nh]
    F2[:, 0, :, :, 1] = filters[:, :, :Nh]
    rows = (M - np.arange(M)) % M
    refl = filters[:, rows][:, :, N - np.arange(1, N - Nh + 1)]  # (K, M, N - Nh)
    F2[:, 1, :, 1 : N - Nh + 1, 0] = refl
    F2[:, 1, :, 1 : N - Nh + 1, 1] = -refl
    seg2 = np.zeros((K, 2, M, 4), dtype=np.int64)
    for g in range(2):
        lo, hi = seg[..., 2 * g], seg[..., 2 * g + 1]
        # part 0: [lo, hi) within [0, Nh)
        seg2[:, 0, :, 2 * g] = np.minimum(lo, Nh)
        seg2[:, 0, :, 2 * g + 1] = np.minimum(hi, Nh)
        # part 1: [lo, hi) within [Nh, N), reflected (y' = N - y) onto row -x
        a, b = np.maximum(lo, Nh), np.maximum(hi, Nh)
        seg2[:, 1, :, 2 * g] = np.where(b > a, N - b + 1, 0)[:, rows]
        seg2[:, 1, :, 2 * g + 1] = np.where(b > a, N - a + 1, 0)[:, rows]
    # runs split where the output column wraps (multiples of N // ky): the
    # kernel then has no division in its loops
    Nk = N // ky
    runs, ptr = [], np.zeros((K, 2, M + 1), dtype=np.int64)
    for f in range(K):
        for part in range(2):
            for x in range(M):
                ptr[f, part, x] = len(runs)
                for g in range(2):
                    lo, hi = int(seg2[f, part, x, 2 * g]), int(seg2[f, part, x, 2 * g + 1])
                    for c in range(lo // Nk, (hi - 1) // Nk + 1) if lo < hi else ():
                        y0, y1 = max(lo, c * Nk), min(hi, c * Nk + Nk)
                        runs.append((y0, y0 - c * Nk, y1 - y0))
            ptr[f, part, M] = len(runs)
    runs = np.asarray(runs, dtype=np.int64).reshape(-1, 3)
    return F2.reshape(K, 2, -1), runs, ptr


@njit(**_JIT)
def filter_fold_quad(U, half, M, N, F4, word, out):
    """:func:`filter_fold` of dense filters periodised by 2 along both axes, by quadrants.

    The same values as :func:`filter_fold` (the same expression, in the same
    order, for every output), with the spectrum and the filters laid out as
    their four quadrants ``(a, c)`` (rows ``a M / 2 + p``, columns
    ``c N / 2 + q``), each contiguous: output ``(p, q)`` is then the sum of
    the four planes' products at one flat index, so each product with a
    filter is one loop over the whole output instead of one short loop per
    output row (small grids, whose rows are a few vectors long).

    Parameters
    ----------
    U, half, M, N, word, out : as in :func:`filter_fold` (``M``, ``N`` even).
    F4 : float array (K, 4, (M // 2) * (N // 2))
        Real filters times ``1 / 4`` (not doubled: each value multiplies the
        real and the imaginary part of one complex value), as quadrants
        ``2 a + c`` (:func:`quadrants`).
    """
    B = U.shape[0]
    K = F4.shape[0]
    Mk = M // 2
    Nk = N // 2
    rowk = 2 * Nk
    n = np.uint64(Mk * rowk)
    nq = np.uint64(Mk * Nk)
    one = np.uint64(1)
    two = np.uint64(2)
    Nu = N // 2 + 1 if half else N
    nk = np.uint64(Nk)
    P = np.empty(4 * Mk * rowk, dtype=U.dtype)
    Pw = P.view(word.dtype)
    for b in range(B):
        Ub = U[b]
        Uw = Ub.view(word.dtype)
        # the quadrants' rows written straight from the (half) spectrum, one
        # word per complex value: no full row in between
        for x in range(M):
            a = x // Mk
            p = x - a * Mk
            d0 = np.uint64((2 * a * Mk + p) * Nk)  # quadrant (a, 0)
            d1 = np.uint64(((2 * a + 1) * Mk + p) * Nk)  # quadrant (a, 1)
            s0 = np.uint64(x * Nu)
            for j in range(nk):
                Pw[d0 + j] = Uw[s0 + j]
            if not half:
                for j in range(nk):
                    Pw[d1 + j] = Uw[s0 + nk + j]
                continue
            # columns up to N / 2 stored; X[x, y] = conj(X[-x, N - y]) above
            Pw[d1] = Uw[s0 + nk]
            wr = np.uint64(((M - x) % M) * Nu + Nk)  # word of column N - (Nk + j) is wr - j
            for j in range(np.uint64(1), nk):
                Pw[d1 + j] = _conj_word(Uw[wr - j])
        s00 = P[0:n]
        s01 = P[n : 2 * n]
        s10 = P[2 * n : 3 * n]
        s11 = P[3 * n : 4 * n]
        for f in range(K):
            o = out[b, f]
            w = F4[f]
            w00 = w[0]
            w01 = w[1]
            w10 = w[2]
            w11 = w[3]
            for j in range(nq):
                i = two * j
                o[i] = (s00[i] * w00[j] + s01[i] * w01[j]) + (s10[i] * w10[j] + s11[i] * w11[j])
                i += one
                o[i] = (s00[i] * w00[j] + s01[i] * w01[j]) + (s10[i] * w10[j] + s11[i] * w11[j])


KERNELS += (filter_fold_quad,)


def quadrants(F: np.ndarray, M: int, N: int) -> np.ndarray:
    """Real filters ``(K, M * N)`` as the quadrants :func:`filter_fold_quad` takes."""
    K = F.shape[0]
    Q = F.reshape(K, 2, M // 2, 2, N // 2).transpose(0, 1, 3, 2, 4)
    return np.ascontiguousarray(Q).reshape(K, 4, -1)
