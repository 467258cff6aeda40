"""Numba kernel of the roto-translation scattering's angular step.

:func:`angular_modulus_mean` fuses, for every sample, relative angle and
pixel, the gather of the second-layer coefficients by relative angle, the
angular convolutions, the modulus and the mean over orientation windows: the
``K L`` complex maps per relative angle that the numpy backend's reference
(:meth:`~skscat.backends.numpy_backend.NumpyBackend.angular_modulus_mean`)
materialises are never stored. The convolutions go through the factors of
:func:`~skscat.filters.angular.angular_band_factors`: one change of basis along
the angles, shared by all filters, then each filter's band of frequencies only.
Each output element has one fixed summation order, so results do not depend on
how the batch is split over threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# "contract" lets LLVM fuse a * b + c into one FMA: one rounding fewer, the same on every thread
_JIT = dict(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")


@njit(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy", inline="always")
def _combine(c, F, lo, hi, y, S):
    """``y[:S] = sum_{t = lo}^{hi - 1} c[t] F[t, :S]``, up to four rows of ``F`` a pass.

    The first pass takes ``1 + (hi - lo - 1) % 4`` rows and assigns, the
    others take four and accumulate: ``ceil((hi - lo) / 4)`` passes over ``y``.
    """
    r = hi - lo
    if r <= 0:
        for p in range(S):
            y[p] = 0
        return
    first = 1 + (r - 1) % 4
    if first == 1:
        c0, f0 = c[lo], F[lo]
        for p in range(S):
            y[p] = c0 * f0[p]
    elif first == 2:
        c0, c1, f0, f1 = c[lo], c[lo + 1], F[lo], F[lo + 1]
        for p in range(S):
            y[p] = c0 * f0[p] + c1 * f1[p]
    elif first == 3:
        c0, c1, c2 = c[lo], c[lo + 1], c[lo + 2]
        f0, f1, f2 = F[lo], F[lo + 1], F[lo + 2]
        for p in range(S):
            y[p] = c0 * f0[p] + c1 * f1[p] + c2 * f2[p]
    else:
        c0, c1, c2, c3 = c[lo], c[lo + 1], c[lo + 2], c[lo + 3]
        f0, f1, f2, f3 = F[lo], F[lo + 1], F[lo + 2], F[lo + 3]
        for p in range(S):
            y[p] = c0 * f0[p] + c1 * f1[p] + c2 * f2[p] + c3 * f3[p]
    for t in range(lo + first, hi, 4):
        c0, c1, c2, c3 = c[t], c[t + 1], c[t + 2], c[t + 3]
        f0, f1, f2, f3 = F[t], F[t + 1], F[t + 2], F[t + 3]
        for p in range(S):
            y[p] = y[p] + c0 * f0[p] + c1 * f1[p] + c2 * f2[p] + c3 * f3[p]


@njit(**_JIT)
def angular_modulus_mean(Z, index, sign, DP, DQ, EP, EQ, bands, window, chunk, out):
    """Mean over orientation windows of ``|sum_t P re + i Q im|``, ``P = EP DP``, ``Q = EQ DQ``.

    Parameters
    ----------
    Z : float array (n, L, L, 2 S)
        Interleaved view of the complex coefficients ``W2[n, theta', a, pixel]``.
    index, sign : (L, L) int and float arrays
        Relative-angle gather: ``beta`` reads ``a = index[theta', beta]`` with
        its imaginary part multiplied by ``sign[theta', beta]``.
    DP, DQ : (L, L) float arrays
        Changes of basis along ``theta'`` of the real and imaginary parts.
    EP, EQ : (K, L, L) float arrays
        Per angular filter, the matrices applied in those bases; only the
        columns ``bands[k, 0] .. bands[k, 1] - 1`` of ``EP[k]`` (and
        ``bands[k, 2] .. bands[k, 3] - 1`` of ``EQ[k]``) are read. A filter
        whose ``EQ`` band is empty and whose ``EP`` rows are all equal (the
        average over all angles) is computed once for every ``theta``.
    bands : (K, 4) int array
    window : int
        Orientations per output window.
    chunk : int
        Values of the flattened (relative angle, pixel) axis computed together:
        the same matrices act on every relative angle, so short maps are
        batched over ``beta`` while the working rows stay in the L1 cache.
    out : float array (n, K, L // window, L S)
        Receives the result.
    """
    n, L = Z.shape[0], Z.shape[1]
    S = Z.shape[3] // 2
    K = EP.shape[0]
    G = L // window
    C = min(chunk, L * S)
    re = np.empty((L, C), dtype=out.dtype)
    im = np.empty((L, C), dtype=out.dtype)
    FP = np.empty((L, C), dtype=out.dtype)
    FQ = np.empty((L, C), dtype=out.dtype)
    yr = np.empty(C, dtype=out.dtype)
    yi = np.empty(C, dtype=out.dtype)
    inv = out.dtype.type(1.0 / window)
    # filters computed once for all theta: no Q band and P rows all equal
    flat = np.zeros(K, dtype=np.bool_)
    for k in range(K):
        if bands[k, 3] <= bands[k, 2]:
            flat[k] = True
            for th in range(1, L):
                for c in range(bands[k, 0], bands[k, 1]):
                    if EP[k, th, c] != EP[k, 0, c]:
                        flat[k] = False
    for i in range(n):
        for c0 in range(0, L * S, C):
            c1 = min(c0 + C, L * S)
            w = c1 - c0
            # gather (beta, pixel) values c0 .. c1 - 1 of every theta'
            q = c0
            while q < c1:
                b, p0 = q // S, q % S
                p1 = min(S, p0 + c1 - q)
                d = q - c0
                for t in range(L):
                    # slices from 0: loop indices known non-negative, so the copy vectorises
                    z = Z[i, t, index[t, b], 2 * p0 : 2 * p1]
                    s = sign[t, b]
                    r = re[t, d : d + p1 - p0]
                    m = im[t, d : d + p1 - p0]
                    for p in range(p1 - p0):
                        r[p] = z[2 * p]
                        m[p] = s * z[2 * p + 1]
                q += p1 - p0
            for f in range(L):
                _combine(DP[f], re, 0, L, FP[f], w)
                _combine(DQ[f], im, 0, L, FQ[f], w)
            for k in range(K):
                plo, phi, qlo, qhi = bands[k, 0], bands[k, 1], bands[k, 2], bands[k, 3]
                if flat[k]:
                    _combine(EP[k, 0], FP, plo, phi, yr, w)
                    for g in range(G):
                        o = out[i, k, g, c0:c1]
                        for p in range(w):
                            o[p] = abs(yr[p])
                    continue
                for th in range(L):
                    _combine(EP[k, th], FP, plo, phi, yr, w)
                    o = out[i, k, th // window, c0:c1]
                    if qhi <= qlo:
                        for p in range(w):
                            yi[p] = 0
                    else:
                        _combine(EQ[k, th], FQ, qlo, qhi, yi, w)
                    if th % window == 0:
                        for p in range(w):
                            o[p] = math.sqrt(yr[p] * yr[p] + yi[p] * yi[p]) * inv
                    else:
                        for p in range(w):
                            o[p] += math.sqrt(yr[p] * yr[p] + yi[p] * yi[p]) * inv
