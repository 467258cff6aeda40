"""Numba kernels of the 3-D solid harmonic cascade: the rotation-covariant modulus.

:func:`rotation_modulus_blocks` fuses the sum of squares over the ``2 l + 1``
harmonics, the square root and the integrals of its powers, one block of
voxels at a time (the block's squares stay in cache; no ``(n, K, G)``
temporaries). :func:`dft_modulus_rows` does the same from spectra that are
still to be inverse-transformed along the last axis (band-limited boxes),
the transform included. Blocks have a fixed size and their partial integrals
are added in block order afterwards, so results do not depend on how the
backend splits the blocks over threads, and one large volume still uses
every thread.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_JIT = dict(parallel=False, fastmath=False, cache=True, error_model="numpy", nogil=True)


@njit(**_JIT)
def _sum4(a, n):
    """``sum(a[:n])`` in float64 with four interleaved accumulators (a fixed order)."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    i = 0
    while i + 4 <= n:
        a0 += np.float64(a[i])
        a1 += np.float64(a[i + 1])
        a2 += np.float64(a[i + 2])
        a3 += np.float64(a[i + 3])
        i += 4
    while i < n:
        a0 += np.float64(a[i])
        i += 1
    return (a0 + a1) + (a2 + a3)


@njit(**_JIT)
def rotation_modulus_blocks(y, extra, has_extra, powers, keep, U, partial, units, block):
    """``U = sqrt(sum_k y[:, k]**2 + extra)`` and per-block sums of ``U**powers[p]``.

    ``y`` is ``(B, K, G)``, ``extra`` and ``U`` ``(B, G)`` (``extra`` read
    only when ``has_extra``, ``U`` written only when ``keep``), ``partial``
    ``(B, n_blocks, P)`` float64. ``units`` lists the work units this call
    does: unit ``b * n_blocks + c`` is voxels ``c * block ..`` of element
    ``b``. Powers 0.5, 1, 2 and 3 are computed without ``pow``.
    """
    B, K, G = y.shape
    n_blocks = partial.shape[1]
    P = powers.shape[0]
    s = np.empty(block, dtype=y.dtype)
    t = np.empty(block, dtype=np.float64)
    for unit in units:
        b = unit // n_blocks
        c = unit % n_blocks
        g0 = c * block
        n = min(G, g0 + block) - g0
        yb = y[b]
        for i in range(n):
            s[i] = yb[0, g0 + i] * yb[0, g0 + i]
        for k in range(1, K):
            for i in range(n):
                s[i] += yb[k, g0 + i] * yb[k, g0 + i]
        if has_extra:
            for i in range(n):
                s[i] += extra[b, g0 + i]
        if keep:
            for i in range(n):
                U[b, g0 + i] = math.sqrt(s[i])
        for p in range(P):
            q = powers[p]
            if q == 2.0:
                for i in range(n):
                    t[i] = s[i]
            elif q == 1.0:
                for i in range(n):
                    t[i] = math.sqrt(np.float64(s[i]))
            elif q == 3.0:
                for i in range(n):
                    si = np.float64(s[i])
                    t[i] = si * math.sqrt(si)
            elif q == 0.5:
                for i in range(n):
                    t[i] = math.sqrt(math.sqrt(np.float64(s[i])))
            else:
                for i in range(n):
                    t[i] = math.sqrt(np.float64(s[i])) ** q
            partial[b, c, p] = _sum4(t, n)


@njit(**_JIT)
def dft_modulus_rows(zf, basis, extra, has_extra, powers, keep, U, partial, units, rows):
    """The last inverse DFT, the modulus over the harmonics and its integrals, fused.

    ``zf`` is ``(B, K, M, N, W)`` real: the spectra along the last axis after
    the inverse FFTs of the first two, ``W / 2`` complex values interleaved
    (frequencies ``0 .. W / 2 - 1``, zero above). ``basis`` ``(W, O)`` maps
    them to the ``O`` real samples of a line (the real inverse DFT), so
    ``y = zf[b, k, u0, u1] @ basis`` stays in cache: ``s = sum_k y**2 +
    extra``, ``U = sqrt(s)`` (written when ``keep``) and the integrals of
    ``U**powers[p]`` are summed into ``partial[b, c, p]`` (float64) for
    chunk ``c`` of ``rows`` rows ``u0``. ``units`` lists the chunks this call
    does, ``b * n_chunks + c``; every sum has one fixed order.
    """
    B, K, M, N, W = zf.shape
    O = basis.shape[1]
    n_chunks = partial.shape[1]
    P = powers.shape[0]
    y = np.empty(O, dtype=zf.dtype)
    s = np.empty(O, dtype=zf.dtype)
    r = np.empty(O, dtype=zf.dtype)
    t = np.empty(O, dtype=zf.dtype)
    acc = np.empty(P, dtype=np.float64)
    for unit in units:
        b = unit // n_chunks
        c = unit % n_chunks
        acc[:] = 0.0
        for u0 in range(c * rows, min(M, (c + 1) * rows)):
            for u1 in range(N):
                s[:] = 0.0
                for k in range(K):
                    line = zf[b, k, u0, u1]
                    y[:] = 0.0
                    # four basis rows per sweep of y: fewer loads and stores of y
                    for i in range(0, W - 3, 4):
                        z0 = line[i]
                        z1 = line[i + 1]
                        z2 = line[i + 2]
                        z3 = line[i + 3]
                        for u in range(O):
                            y[u] += (
                                z0 * basis[i, u]
                                + z1 * basis[i + 1, u]
                                + z2 * basis[i + 2, u]
                                + z3 * basis[i + 3, u]
                            )
                    for i in range(W - W % 4, W):
                        zi = line[i]
                        for u in range(O):
                            y[u] += zi * basis[i, u]
                    for u in range(O):
                        s[u] += y[u] * y[u]
                if has_extra:
                    for u in range(O):
                        s[u] += extra[b, u0, u1, u]
                # powers in the input's precision (rounding far below the
                # transform's own), summed in float64
                for u in range(O):
                    r[u] = math.sqrt(s[u])
                if keep:
                    for u in range(O):
                        U[b, u0, u1, u] = r[u]
                for p in range(P):
                    q = powers[p]
                    if q == 2.0:
                        acc[p] += _sum4(s, O)
                        continue
                    if q == 1.0:
                        acc[p] += _sum4(r, O)
                        continue
                    if q == 3.0:
                        for u in range(O):
                            t[u] = s[u] * r[u]
                    elif q == 0.5:
                        for u in range(O):
                            t[u] = math.sqrt(r[u])
                    else:
                        for u in range(O):
                            t[u] = np.float64(r[u]) ** q
                    acc[p] += _sum4(t, O)
        for p in range(P):
            partial[b, c, p] = acc[p]


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
