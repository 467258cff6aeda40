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
    ``cos(pi m t / L)`` and ``sin(pi m t / L)`` of its frequencies ``0 <= m <= L``
    that are non-zero on ``t = 0 .. L - 1``, normalised.

    Returns
    -------
    (DP, mP, DQ, mQ)
        ``DP`` and ``DQ`` are read-only orthogonal ``(L, L)`` float64 matrices
        (rows: basis functions by increasing ``m``, cos before sin); ``mP`` and
        ``mQ`` the frequency of each row.
    """
    t = np.arange(L)
    rows: tuple = ([], [])
    freqs: tuple = ([], [])
    for m in range(L + 1):
        for trig in (np.cos, np.sin):
            v = trig(np.pi * m * t / L)
            norm = np.linalg.norm(v)
            if norm > 1e-8:  # sin at m = 0 and m = L vanishes on the grid
                rows[m % 2].append(v / norm)
                freqs[m % 2].append(m)
    out = (np.array(rows[0]), np.array(freqs[0]), np.array(rows[1]), np.array(freqs[1]))
    for a in out:
        a.flags.writeable = False
    return out


def angular_band_factors(P: np.ndarray, Q: np.ndarray) -> tuple:
    """Factor angular convolution matrices through the bases of :func:`angular_fourier_bases`.

    ``P[k] = EP[k] @ DP`` and ``Q[k] = EQ[k] @ DQ`` (``DP``, ``DQ`` orthogonal,
    so ``EP = P DP^T``). For the matrices of :func:`angular_mixing` each
    filter is diagonal in those bases and band-limited: ``EP[k]`` is non-zero
    only on the columns ``bands[k, 0] .. bands[k, 1] - 1`` (``EQ[k]`` on
    ``bands[k, 2] .. bands[k, 3] - 1``), its band of frequencies, so after one
    shared change of basis (``2 L**2`` products per pixel) each filter costs
    ``L`` times its band's width instead of ``2 L**2``. Columns whose entries
    are at the rounding level of ``P`` or ``Q`` count as zero.

    Parameters
    ----------
    P, Q : arrays of shape (K, L, L)
        Real matrices, e.g. from :func:`angular_mixing`.

    Returns
    -------
    (DP, DQ, EP, EQ, bands)
        ``DP``, ``DQ`` ``(L, L)`` and ``EP``, ``EQ`` ``(K, L, L)`` in the dtype
        of ``P``; ``bands`` a ``(K, 4)`` intp array of column ranges (an empty
        range where the matrix is zero).
    """
    dtype = np.result_type(P.dtype, np.float32)
    L = P.shape[-1]
    DP, _, DQ, _ = angular_fourier_bases(L)
    bands = np.zeros((P.shape[0], 4), dtype=np.intp)
    # rounding of P and Q themselves (float32 or float64) leaves about sqrt(L) eps |P| off the
    # band; a filter whose matrix is zero in exact arithmetic holds rounding errors only
    tol = L * np.finfo(dtype).eps * max(np.abs(P).max(), np.abs(Q).max())
    factors = []
    for j, (M, D) in enumerate(((P, DP), (Q, DQ))):
        M = np.asarray(M, dtype=np.float64)
        E = M @ D.T
        for k in range(M.shape[0]):
            live = np.flatnonzero(np.abs(E[k]).max(axis=0) > tol)
            if live.size:
                bands[k, 2 * j : 2 * j + 2] = live[0], live[-1] + 1
        factors.append(np.ascontiguousarray(E, dtype=dtype))
    return (
        np.ascontiguousarray(DP, dtype=dtype),
        np.ascontiguousarray(DQ, dtype=dtype),
        factors[0],
        factors[1],
        bands,
    )
