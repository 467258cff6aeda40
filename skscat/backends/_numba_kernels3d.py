"""Numba kernel of the 3-D solid harmonic cascade: the rotation-covariant modulus.

:func:`rotation_modulus_integrals` fuses, per batch element, the sum of
squares over the ``2 l + 1`` harmonics, the square root and the integrals of
its powers (one pass over the convolutions; no ``(n, K, G)`` temporaries).
Each output element has one fixed summation order, so results do not depend
on how the backend splits the batch over threads.
"""

from __future__ import annotations

import math

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
