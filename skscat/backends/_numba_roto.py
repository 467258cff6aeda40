"""Numba kernel of the roto-translation scattering's angular step.

:func:`angular_modulus_mean` fuses, for every sample, relative angle and
pixel, the gather of the second-layer coefficients by relative angle, the
angular convolutions (small matrices along the orientation axis), the modulus
and the mean over orientation windows: the ``K L`` complex maps per relative
angle that the numpy backend's reference
(:meth:`~skscat.backends.numpy_backend.NumpyBackend.angular_modulus_mean`)
materialises are never stored. Each output element has one fixed summation order, so results
do not depend on how the batch is split over threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_JIT = dict(nogil=True, cache=False, fastmath=False, error_model="numpy")


@njit(**_JIT)
def angular_modulus_mean(Z, index, sign, P, Q, window, out):
    """Mean over orientation windows of ``|sum_t P re + i Q im|``.

    Parameters
    ----------
    Z : float array (n, L, L, 2 S)
        Interleaved view of the complex coefficients ``W2[n, theta', a, pixel]``.
    index, sign : (L, L) int and float arrays
        Relative-angle gather: ``beta`` reads ``a = index[theta', beta]`` with
        its imaginary part multiplied by ``sign[theta', beta]``.
    P, Q : (K, L, L) float arrays
        Angular convolution matrices; the last filter is the average over all
        angles (``P`` constant, ``Q`` zero), computed once per relative angle.
    window : int
        Orientations per output window.
    out : float array (n, K, L // window, L, S)
        Receives the result.
    """
    n, L = Z.shape[0], Z.shape[1]
    S = Z.shape[3] // 2
    K = P.shape[0]
    G = L // window
    re = np.empty((L, S), dtype=out.dtype)
    im = np.empty((L, S), dtype=out.dtype)
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
            # the average over all angles: real, the same for every theta
            c = P[K - 1, 0, 0]
            for p in range(S):
                yr[p] = 0
            for t in range(L):
                r = re[t]
                for p in range(S):
                    yr[p] += c * r[p]
            for g in range(G):
                o = out[i, K - 1, g, b]
                for p in range(S):
                    o[p] = abs(yr[p])
            for k in range(K - 1):
                for g in range(G):
                    o = out[i, k, g, b]
                    for p in range(S):
                        o[p] = 0
                for th in range(L):
                    for p in range(S):
                        yr[p] = 0
                        yi[p] = 0
                    for t in range(L):
                        cp = P[k, th, t]
                        cq = Q[k, th, t]
                        r = re[t]
                        m = im[t]
                        for p in range(S):
                            yr[p] += cp * r[p]
                            yi[p] += cq * m[p]
                    o = out[i, k, th // window, b]
                    for p in range(S):
                        o[p] += math.sqrt(yr[p] * yr[p] + yi[p] * yi[p]) * inv
