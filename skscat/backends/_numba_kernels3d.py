"""Numba kernel of the 3-D solid harmonic cascade: the rotation-covariant modulus.

:func:`rotation_modulus_integrals` fuses, per batch element, the sum of
squares over the ``2 l + 1`` harmonics, the square root and the integrals of
its powers (one pass over the convolutions; no ``(n, K, G)`` temporaries).
Each output element has one fixed summation order, so results do not depend
on how the backend splits the batch over threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

_JIT = dict(parallel=False, fastmath=False, cache=True, error_model="numpy", nogil=True)


@njit(**_JIT)
def rotation_modulus_integrals(y, extra, has_extra, powers, keep, U, out):
    """``U = sqrt(sum_k y[:, k]**2 + extra)`` and ``out[:, p] = sum_g U**powers[p]``.

    ``y`` is ``(B, K, G)``, ``extra`` and ``U`` ``(B, G)`` (``extra`` read
    only when ``has_extra``, ``U`` written only when ``keep``), ``out``
    ``(B, P)``. Powers 0.5, 1, 2 and 3 are computed without ``pow``.
    """
    B, K, G = y.shape
    P = powers.shape[0]
    for b in prange(B):
        acc = [0.0] * P
        for p in range(P):
            acc[p] = 0.0
        yb = y[b]
        for g in range(G):
            s = yb[0, g] * yb[0, g]
            for k in range(1, K):
                s += yb[k, g] * yb[k, g]
            if has_extra:
                s += extra[b, g]
            u = math.sqrt(s)
            if keep:
                U[b, g] = u
            for p in range(P):
                q = powers[p]
                if q == 1.0:
                    acc[p] += u
                elif q == 2.0:
                    acc[p] += s
                elif q == 0.5:
                    acc[p] += math.sqrt(u)
                elif q == 3.0:
                    acc[p] += u * s
                else:
                    acc[p] += u**q
        for p in range(P):
            out[b, p] = acc[p]


@njit(**_JIT)
def gaussian_modulus_integrals(pos, weights, tau, h, cutoff, expo, ptr, col, coef, L, powers, out):
    """Integrals of the rotation modulus of sums of solid harmonic wavelets, per molecule.

    At each point ``u`` of the lattice ``h Z**3`` within ``cutoff`` of an
    atom, ``y_{d,lm}(u) = sum_k weights[b, d, k] S_lm(u - pos[b, k])
    exp(-|u - pos[b, k]|**2 / (2 tau**2))`` (atoms farther than ``cutoff``
    omitted); ``S_lm = sum coef[i] x**a y**b z**c`` over ``i`` in
    ``ptr[lm]:ptr[lm + 1]``, exponents ``expo[col[i]]`` (scale factors
    included in ``coef``). ``out[b, d, l, p] = h**3 sum_u U**powers[p]`` with
    ``U = (sum_m y_{d,lm}**2)**(1/2)``. ``pos`` ``(B, A, 3)``, ``weights``
    ``(B, D, A)`` (atoms of zero weight in every density are skipped),
    ``out`` ``(B, D, L + 1, P)``. Each molecule is summed in one fixed order.
    """
    B, A, _ = pos.shape
    D = weights.shape[1]
    NP = expo.shape[0]
    NLM = ptr.shape[0] - 1
    P = powers.shape[0]
    cut2 = cutoff * cutoff
    inv2t2 = 0.5 / (tau * tau)
    vol = h * h * h
    mono = np.empty(NP)
    px = np.empty(L + 1)
    py = np.empty(L + 1)
    pz = np.empty(L + 1)
    acc = np.empty((D, NP))
    active = np.empty(A, dtype=np.bool_)
    for b in range(B):
        lo = np.full(3, np.inf)
        hi = np.full(3, -np.inf)
        n_active = 0
        for k in range(A):
            active[k] = False
            for d in range(D):
                if weights[b, d, k] != 0.0:
                    active[k] = True
            if active[k]:
                n_active += 1
                for a in range(3):
                    lo[a] = min(lo[a], pos[b, k, a])
                    hi[a] = max(hi[a], pos[b, k, a])
        for d in range(D):
            for l in range(L + 1):
                for p in range(P):
                    out[b, d, l, p] = 0.0
        if n_active == 0:
            continue
        i0 = int(math.floor((lo[0] - cutoff) / h))
        i1 = int(math.ceil((hi[0] + cutoff) / h))
        j0 = int(math.floor((lo[1] - cutoff) / h))
        j1 = int(math.ceil((hi[1] + cutoff) / h))
        k0 = int(math.floor((lo[2] - cutoff) / h))
        k1 = int(math.ceil((hi[2] + cutoff) / h))
        for ix in range(i0, i1 + 1):
            x = ix * h
            for iy in range(j0, j1 + 1):
                y = iy * h
                for iz in range(k0, k1 + 1):
                    z = iz * h
                    hit = False
                    for k in range(A):
                        if not active[k]:
                            continue
                        dx = x - pos[b, k, 0]
                        dy = y - pos[b, k, 1]
                        dz = z - pos[b, k, 2]
                        r2 = dx * dx + dy * dy + dz * dz
                        if r2 > cut2:
                            continue
                        if not hit:
                            hit = True
                            for d in range(D):
                                for p in range(NP):
                                    acc[d, p] = 0.0
                        g = math.exp(-r2 * inv2t2)
                        px[0] = 1.0
                        py[0] = 1.0
                        pz[0] = 1.0
                        for e in range(1, L + 1):
                            px[e] = px[e - 1] * dx
                            py[e] = py[e - 1] * dy
                            pz[e] = pz[e - 1] * dz
                        for p in range(NP):
                            mono[p] = px[expo[p, 0]] * py[expo[p, 1]] * pz[expo[p, 2]] * g
                        for d in range(D):
                            w = weights[b, d, k]
                            if w != 0.0:
                                for p in range(NP):
                                    acc[d, p] += w * mono[p]
                    if not hit:
                        continue
                    for d in range(D):
                        for l in range(L + 1):
                            s = 0.0
                            for lm in range(l * l, min((l + 1) * (l + 1), NLM)):
                                v = 0.0
                                for i in range(ptr[lm], ptr[lm + 1]):
                                    v += coef[i] * acc[d, col[i]]
                                s += v * v
                            u = math.sqrt(s)
                            for p in range(P):
                                q = powers[p]
                                if q == 1.0:
                                    out[b, d, l, p] += u
                                elif q == 2.0:
                                    out[b, d, l, p] += s
                                elif q == 0.5:
                                    out[b, d, l, p] += math.sqrt(u)
                                elif q == 3.0:
                                    out[b, d, l, p] += u * s
                                else:
                                    out[b, d, l, p] += u**q
        for d in range(D):
            for l in range(L + 1):
                for p in range(P):
                    out[b, d, l, p] *= vol
