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

# "contract" lets LLVM fuse a * b + c into one FMA: one rounding fewer, the same on every thread.
# The helpers are not inlined: inlining them was 5-10% faster but tripled the first compile.
_JIT = dict(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")


@njit(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")
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


@njit(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")
def _fold(x, Te, To, S):
    """Inputs of a change of basis whose rows are even or odd under ``t -> L - t``.

    ``Te`` receives ``x[0], x[1] + x[L - 1], .., x[h] + x[L - h]`` and, for even
    ``L``, ``x[L / 2]``; ``To`` the same with differences (``h = (L - 1) // 2``).
    """
    L = x.shape[0]
    h = (L - 1) // 2
    for j in range(h + 1 + (L % 2 == 0 and L > 1)):
        a = x[j]
        b = x[L - j] if 0 < j <= h else x[j]
        te, to = Te[j], To[j]
        if 0 < j <= h:
            for p in range(S):
                te[p] = a[p] + b[p]
                to[p] = a[p] - b[p]
        else:
            for p in range(S):
                te[p] = a[p]
                to[p] = a[p]


@njit(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")
def _change_basis(D, groups, x, Te, To, c, F, S):
    """``F[r] = sum_t D[r, t] x[t]`` (first ``S`` values), through the folded inputs.

    Rows ``groups[0] .. groups[1] - 1`` of ``D`` are even under ``t -> L - t``
    and read the sums of :func:`_fold`, rows ``groups[2] .. groups[3] - 1`` are
    odd and read the differences: ``L // 2 + 1`` products per value instead of
    ``L``. ``Te``, ``To`` and ``c`` are work arrays.
    """
    L = x.shape[0]
    nt = L // 2 + 1
    _fold(x, Te, To, S)
    for g in range(2):
        Tg = Te if g == 0 else To
        for r in range(groups[2 * g], groups[2 * g + 1]):
            for j in range(nt):
                c[j] = D[r, j]
            _combine(c, Tg, 0, nt, F[r], S)


@njit(**_JIT)
def angular_modulus_mean(Z, index, sign, DP, DQ, EP, EQ, groups, bands, mirror, window, chunk, out):
    """Mean over orientation windows of ``|sum_t P re + i Q im|``, ``P = EP DP``, ``Q = EQ DQ``.

    Parameters
    ----------
    Z : float array (n, L, L, 2 S)
        Interleaved view of the complex coefficients ``W2[n, theta', a, pixel]``.
    index, sign : (L, L) int and float arrays
        Relative-angle gather: ``beta`` reads ``a = index[theta', beta]`` with
        its imaginary part multiplied by ``sign[theta', beta]``.
    DP, DQ, EP, EQ, groups, bands, mirror
        The factors of :func:`~skscat.filters.angular.angular_band_factors`:
        changes of basis along ``theta'`` of the real and imaginary parts, and
        per angular filter the matrices applied in those bases, of which only
        the column ranges ``bands[k]`` are read. A filter whose ``EQ`` bands are
        empty and whose ``EP`` rows are all equal (the average over all angles)
        is computed once for every ``theta``.
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
    dt = out.dtype
    re = np.empty((L, C), dtype=dt)
    im = np.empty((L, C), dtype=dt)
    Te = np.empty((L // 2 + 1, C), dtype=dt)
    To = np.empty((L // 2 + 1, C), dtype=dt)
    FP = np.empty((L, C), dtype=dt)
    FQ = np.empty((L, C), dtype=dt)
    y = np.empty((4, C), dtype=dt)
    coef = np.empty(L, dtype=dt)
    inv = dt.type(1.0 / window)
    gP, gQ = groups[0], groups[1]
    # filters computed once for all theta: no Q band and P rows all equal
    flat = np.zeros(K, dtype=np.bool_)
    for k in range(K):
        if bands[k, 5] <= bands[k, 4] and bands[k, 7] <= bands[k, 6]:
            flat[k] = True
            for th in range(1, L):
                for c in range(L):
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
            _change_basis(DP, gP, re, Te, To, coef, FP, w)
            _change_basis(DQ, gQ, im, Te, To, coef, FQ, w)
            for k in range(K):
                bk = bands[k]
                if flat[k]:
                    _combine(EP[k, 0], FP, bk[0], bk[1], y[0], w)
                    _combine(EP[k, 0], FP, bk[2], bk[3], y[1], w)
                    a, bb = y[0], y[1]
                    for g in range(G):
                        o = out[i, k, g, c0:c1]
                        for p in range(w):
                            o[p] = abs(a[p] + bb[p])
                    continue
                for g in range(G):
                    o = out[i, k, g, c0:c1]
                    for p in range(w):
                        o[p] = 0
                for th in range(L):
                    th2 = L - th  # its mirror image, computed with it
                    pair = mirror and 0 < th < th2
                    if mirror and th > th2:
                        continue
                    # the even and odd groups' parts of the real and imaginary outputs
                    _combine(EP[k, th], FP, bk[0], bk[1], y[0], w)
                    _combine(EP[k, th], FP, bk[2], bk[3], y[1], w)
                    _combine(EQ[k, th], FQ, bk[4], bk[5], y[2], w)
                    _combine(EQ[k, th], FQ, bk[6], bk[7], y[3], w)
                    ra, rb, ia, ib = y[0], y[1], y[2], y[3]
                    o = out[i, k, th // window, c0:c1]
                    if pair and th // window == th2 // window:
                        # one window: one row updated once (two rows that may be one do
                        # not vectorise)
                        for p in range(w):
                            u = ra[p] + rb[p]
                            v = ia[p] + ib[p]
                            u2 = ra[p] - rb[p]
                            v2 = ia[p] - ib[p]
                            o[p] += (math.sqrt(u * u + v * v) + math.sqrt(u2 * u2 + v2 * v2)) * inv
                    elif pair:
                        o2 = out[i, k, th2 // window, c0:c1]
                        for p in range(w):
                            u = ra[p] + rb[p]
                            v = ia[p] + ib[p]
                            o[p] += math.sqrt(u * u + v * v) * inv
                            u = ra[p] - rb[p]
                            v = ia[p] - ib[p]
                            o2[p] += math.sqrt(u * u + v * v) * inv
                    else:
                        for p in range(w):
                            u = ra[p] + rb[p]
                            v = ia[p] + ib[p]
                            o[p] += math.sqrt(u * u + v * v) * inv
