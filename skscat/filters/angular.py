"""Periodic wavelets along the orientation axis of a roto-translation scattering.

The first layer's moduli ``U1(u, theta)`` are sampled at ``L`` orientations
``theta = pi l / L``. Seen as a function on the rotation group they live on
the ``2L`` angles ``pi l / L`` of ``[0, 2 pi)``, extended by
``W(theta + pi) = conj(W(theta))`` (the second-layer coefficients of a real
image, whose wavelet turned by ``pi`` is its conjugate). The angular filters
are real and even, defined by their discrete Fourier transform on those ``2L``
points (angular frequency ``m``, ``|m| <= L``):

* wavelet ``k`` (``k = 0 .. K - 1``, ``K = ceil(log2 L) + 1``) has
  ``h_k(m) = cos(pi/2 (log2|m| - (log2 L - k)))`` where that argument lies in
  ``(-pi/2, pi/2)`` and 0 elsewhere: a band one octave wide on each side of
  ``|m| = L / 2**k`` (``k = 0`` the finest angular detail);
* the low-pass is the average over all angles, ``phi(m) = 1`` at ``m = 0``.

Neighbouring bands are ``cos`` and ``sin`` of the same argument, so
``sum_k h_k(m)**2 + phi(m)**2 = 1`` at every frequency (Littlewood–Paley):
the frame is tight and the angular transform keeps the energy exactly.
"""

from __future__ import annotations

import math

import numpy as np

from ._cache import memoize


def n_angular_wavelets(L: int) -> int:
    """Number of angular wavelets ``K = ceil(log2 L) + 1`` on ``2L`` angles."""
    return int(math.ceil(math.log2(L))) + 1 if L > 1 else 1


@memoize(32)
def angular_filters_fourier(L: int) -> np.ndarray:
    """Fourier transforms of the angular filters, shape ``(K + 1, 2L)``.

    Rows ``0 .. K - 1`` are the wavelets, row ``K`` the low-pass; column ``m``
    is the angular frequency ``m`` (numpy's FFT order). Read-only float64.
    """
    n = 2 * L
    m = np.abs(np.fft.fftfreq(n, 1.0 / n))
    K = n_angular_wavelets(L)
    out = np.zeros((K + 1, n))
    with np.errstate(divide="ignore"):
        t = np.log2(m)
    for k in range(K):
        d = t - (math.log2(L) - k)
        inside = (m > 0) & (np.abs(d) < 1)
        out[k, inside] = np.cos(0.5 * np.pi * d[inside])
    out[K, m == 0] = 1.0
    out.flags.writeable = False
    return out


@memoize(32)
def angular_filters(L: int) -> np.ndarray:
    """The angular filters on the ``2L`` angles, shape ``(K + 1, 2L)`` (real, even)."""
    h = np.fft.ifft(angular_filters_fourier(L), axis=-1).real
    h.flags.writeable = False
    return h


@memoize(32)
def angular_mixing(L: int, dtype: str = "float64") -> tuple:
    """Matrices of the angular convolutions on the ``L`` stored angles.

    For ``W`` on ``theta' = 0 .. L - 1`` extended to ``2L`` angles by
    ``W(theta' + L) = conj(W(theta'))``, the convolution with a real filter
    ``h`` is ``Y(theta) = P[theta, theta'] Re W(theta') + i Q[theta, theta'] Im W(theta')``
    (summed over ``theta'``) with ``P = A + B``, ``Q = A - B``,
    ``A[t, t'] = h(t - t')`` and ``B[t, t'] = h(t - t' - L)`` (indices mod
    ``2L``); ``Y(theta + L) = conj(Y(theta))`` so ``theta < L`` says all.

    Returns
    -------
    (P, Q) : two read-only arrays of shape ``(K + 1, L, L)``
        One pair of matrices per angular filter (wavelets, then low-pass).
    """
    h = angular_filters(L)
    t = np.arange(L)
    diff = t[:, None] - t[None, :]
    A = h[:, diff % (2 * L)]
    B = h[:, (diff - L) % (2 * L)]
    P = np.ascontiguousarray(A + B, dtype=dtype)
    Q = np.ascontiguousarray(A - B, dtype=dtype)
    P.flags.writeable = False
    Q.flags.writeable = False
    return P, Q


@memoize(32)
def angular_fourier_bases(L: int) -> tuple:
    """Orthonormal real Fourier bases of the two parts the angular filters act on.

    On the ``L`` stored angles the real part of the extended ``W`` is periodic
    (``Re W(t + L) = Re W(t)``: even frequencies ``m`` of the ``2L`` angles)
    and the imaginary part anti-periodic (odd ``m``). Each basis holds the
    ``cos(pi m t / L)`` of its frequencies ``0 <= m <= L``, then the
    ``sin(pi m t / L)``, those non-zero on ``t = 0 .. L - 1``, normalised.
    Reflected about ``t = 0`` (``t -> L - t`` for ``t = 1 .. L - 1``) every
    row is even or odd: ``D[c, L - t] = parity[c] D[c, t]`` (cosines +1, sines
    -1 in the periodic basis; the anti-periodic one flips both signs).

    Returns
    -------
    (DP, mP, DQ, mQ)
        ``DP`` and ``DQ`` are read-only orthogonal ``(L, L)`` float64 matrices
        (rows: cosines by increasing ``m``, then sines); ``mP`` and ``mQ`` the
        frequency of each row.
    """
    t = np.arange(L)
    out = []
    for parity in (0, 1):
        rows, freqs = [], []
        for trig in (np.cos, np.sin):
            for m in range(parity, L + 1, 2):
                v = trig(np.pi * m * t / L)
                norm = np.linalg.norm(v)
                if norm > 1e-8:  # sin at m = 0 and m = L vanishes on the grid
                    rows.append(v / norm)
                    freqs.append(m)
        out += [np.array(rows), np.array(freqs)]
    for a in out:
        a.flags.writeable = False
    return tuple(out)


def _reflection_parity(D: np.ndarray) -> np.ndarray:
    """``+1`` or ``-1`` per row of ``D``: its parity under ``t -> L - t`` (``t >= 1``)."""
    even = np.abs(D[:, :0:-1] - D[:, 1:]).max(axis=1, initial=0.0) < 1e-12
    return np.where(even, 1, -1)


def angular_band_factors(P: np.ndarray, Q: np.ndarray) -> tuple:
    """Factor angular convolution matrices through the bases of :func:`angular_fourier_bases`.

    ``P[k] = EP[k] @ DP`` and ``Q[k] = EQ[k] @ DQ`` (``DP``, ``DQ`` orthogonal,
    so ``EP = P DP^T``). For the matrices of :func:`angular_mixing` each
    filter is diagonal in those bases and band-limited, so after one shared
    change of basis each filter costs ``L`` times its band's width instead of
    ``2 L**2``. The columns of each factor fall in two groups, the even and
    the odd basis rows under the reflection ``t -> L - t``; ``bands`` gives,
    per filter, the range of columns each group has non-zero (columns at the
    rounding level of ``P`` and ``Q`` count as zero). Both changes of basis
    can then fold ``x[t] +- x[L - t]`` first (half the products), and where
    ``EP[k, L - th] = parity EP[k, th]`` column by column (``mirror``; true
    for :func:`angular_mixing`, whose filters are even), the outputs at
    ``th`` and ``L - th`` are the sum and the difference of the two groups'
    parts.

    Parameters
    ----------
    P, Q : arrays of shape (K, L, L)
        Real matrices, e.g. from :func:`angular_mixing`.

    Returns
    -------
    (DP, DQ, EP, EQ, groups, bands, mirror)
        ``DP``, ``DQ`` ``(L, L)`` and ``EP``, ``EQ`` ``(K, L, L)`` in the dtype
        of ``P``. ``groups`` ``(2, 4)`` intp: for ``DP`` then ``DQ``, the row
        ranges ``[lo, hi)`` of the even rows then of the odd rows.
        ``bands`` ``(K, 8)`` intp: per filter the column ranges of ``EP``
        (even group, odd group) then of ``EQ``, each empty where zero.
        ``mirror`` (bool): whether the outputs pair up under the reflection.
        Read-only arrays, memoised on the values of ``P`` and ``Q``.
    """
    dtype = np.result_type(P.dtype, np.float32)
    P = np.ascontiguousarray(P, dtype=dtype)
    Q = np.ascontiguousarray(Q, dtype=dtype)
    return _band_factors(P.shape, dtype.str, P.tobytes(), Q.tobytes())


@memoize(32)
def _band_factors(shape: tuple, dtype: str, P: bytes, Q: bytes) -> tuple:
    dtype = np.dtype(dtype)
    P = np.frombuffer(P, dtype=dtype).reshape(shape)
    Q = np.frombuffer(Q, dtype=dtype).reshape(shape)
    L = P.shape[-1]
    DP, _, DQ, _ = angular_fourier_bases(L)
    K = P.shape[0]
    groups = np.zeros((2, 4), dtype=np.intp)
    bands = np.zeros((K, 8), dtype=np.intp)
    # rounding of P and Q themselves (float32 or float64) leaves about sqrt(L) eps |P| off the
    # band; a filter whose matrix is zero in exact arithmetic holds rounding errors only
    scale = max(np.abs(P).max(), np.abs(Q).max())
    tol = L * np.finfo(dtype).eps * scale
    mirror = True
    factors = []
    for j, (M, D) in enumerate(((P, DP), (Q, DQ))):
        parity = _reflection_parity(D)
        for g, sign in enumerate((1, -1)):
            rows = np.flatnonzero(parity == sign)
            if rows.size:  # contiguous by construction: cosines, then sines
                groups[j, 2 * g : 2 * g + 2] = rows[0], rows[-1] + 1
        M = np.asarray(M, dtype=np.float64)
        E = M @ D.T
        mirror &= bool(np.abs(E[:, :0:-1] - E[:, 1:] * parity).max(initial=0.0) <= 4 * tol)
        for k in range(K):
            live = np.abs(E[k]).max(axis=0) > tol
            for g in range(2):
                lo, hi = groups[j, 2 * g : 2 * g + 2]
                cols = lo + np.flatnonzero(live[lo:hi])
                if cols.size:
                    bands[k, 4 * j + 2 * g : 4 * j + 2 * g + 2] = cols[0], cols[-1] + 1
        factors.append(np.ascontiguousarray(E, dtype=dtype))
    out = (np.ascontiguousarray(DP, dtype=dtype), np.ascontiguousarray(DQ, dtype=dtype))
    out += (factors[0], factors[1], groups, bands)
    for a in out:
        a.flags.writeable = False
    return out + (mirror,)
