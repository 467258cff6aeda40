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
def _combine(c, F, lo, hi, y):
    """``y = sum_{t = lo}^{hi - 1} c[t] F[t]`` over rows of ``F``, four rows a pass."""
    S = y.shape[0]
    if hi <= lo:
        for p in range(S):
            y[p] = 0
        return
    c0 = c[lo]
    f0 = F[lo]
    for p in range(S):
        y[p] = c0 * f0[p]
    t = lo + 1
    while t + 4 <= hi:
        c0, c1, c2, c3 = c[t], c[t + 1], c[t + 2], c[t + 3]
        f0, f1, f2, f3 = F[t], F[t + 1], F[t + 2], F[t + 3]
        for p in range(S):
            y[p] = y[p] + c0 * f0[p] + c1 * f1[p] + c2 * f2[p] + c3 * f3[p]
        t += 4
    while t < hi:
        c0 = c[t]
        f0 = F[t]
        for p in range(S):
            y[p] += c0 * f0[p]
        t += 1


@njit(**_JIT)
def angular_modulus_mean(Z, index, sign, DP, DQ, EP, EQ, bands, window, out):
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
        ``bands[k, 2] .. bands[k, 3] - 1`` of ``EQ[k]``) are read.
    bands : (K, 4) int array
    window : int
        Orientations per output window.
    out : float array (n, K, L // window, L, S)
        Receives the result.
    """
    n, L = Z.shape[0], Z.shape[1]
    S = Z.shape[3] // 2
    K = EP.shape[0]
    re = np.empty((L, S), dtype=out.dtype)
    im = np.empty((L, S), dtype=out.dtype)
    FP = np.empty((L, S), dtype=out.dtype)
    FQ = np.empty((L, S), dtype=out.dtype)
    yr = np.empty(S, dtype=out.dtype)
    yi = np.empty(S, dtype=out.dtype)
    inv = out.dtype.type(1.0 / window)
    for i in range(n):
        for b in range(L):
            for t in range(L):
                z = Z[i, t, index[t, b]]
                s = sign[t, b]
                r = re[t]
                m = im[t]
                for p in range(S):
                    r[p] = z[2 * p]
                    m[p] = s * z[2 * p + 1]
            for f in range(L):
                _combine(DP[f], re, 0, L, FP[f])
                _combine(DQ[f], im, 0, L, FQ[f])
            for k in range(K):
                plo, phi, qlo, qhi = bands[k, 0], bands[k, 1], bands[k, 2], bands[k, 3]
                for th in range(L):
                    _combine(EP[k, th], FP, plo, phi, yr)
                    _combine(EQ[k, th], FQ, qlo, qhi, yi)
                    o = out[i, k, th // window, b]
                    if th % window == 0:
                        for p in range(S):
                            o[p] = math.sqrt(yr[p] * yr[p] + yi[p] * yi[p]) * inv
                    else:
                        for p in range(S):
                            o[p] += math.sqrt(yr[p] * yr[p] + yi[p] * yi[p]) * inv
