"""Vector-Jacobian product of PhaseHarmonics2D / PhaseHarmonics1D.

Mirrors :func:`skscat.phase_harmonics.core.phase_harmonic_moments` (the
forward pass *is* that function, so the values equal ``transform``'s) and
walks it backwards, moment family by moment family, from the moment table.
With ``<a, b> = Re(sum a conj b)`` and a cotangent ``g`` on a complex moment
``m``, the rules used are:

* a spatial mean ``m = mean_u f``: ``g_f = g / size`` (broadcast);
* a product ``Q = U conj(V)``: ``g_U = g_Q V``, ``g_V = conj(g_Q) U``;
* a cross-correlation at lags ``tau``,
  ``sum_k Q(k) exp(2 i pi k tau / n) / size**2`` with ``Q = F_U conj F_V``: the
  cotangents on the lag grid spread onto ``Q`` through the conjugate phase
  factors (two small matrix products per map), then the product rule in
  Fourier;
* centring ``f - mean(f)`` is self-adjoint; ``X = fft(x)`` has adjoint
  ``Re(size * ifft(.))``; ``W = ifft(Wf)`` has adjoint ``fft(.) / size``;
* the modulus, and the phase powers ``[W]^(2^m)`` of ``Cphase``, through
  :mod:`skscat.gradients._adjoint_ops` (finite subgradients at 0);
* the normalisation ``m / sqrt(s1 s2)`` by the image's own statistics ``s``,
  which depend on ``x`` too, differentiates the statistics as well.
"""

from __future__ import annotations

import math

import numpy as np

from .._blas import blas_threads
from . import _adjoint_ops as adj


def _core():
    from ..phase_harmonics import core

    return core


def _bcast(v, nd):
    return v[(...,) + (None,) * nd]


def _scatter_add(xp, target, index, values):
    """``target[index] += values`` with repeated indices accumulated."""
    if xp is np:
        np.add.at(target, index, values)
        return target
    try:
        xp.add.at(target, index, values)
    except (AttributeError, NotImplementedError, TypeError):  # pragma: no cover - old CuPy
        import cupyx

        cupyx.scatter_add(target, index, values)
    return target


def forward(est, X, backend):
    """Features of a batch and the tape for :func:`backward`: ``transform``'s own pass."""
    values, tape = est._forward(X, backend)
    tape["nd"] = est._ndim
    return values, tape


def _wavelet_intermediates(tape, ops):
    """``Wf, W, A, Ac`` of the forward, recomputed with the forward's operations.

    (``phase_harmonic_moments`` keeps no tape; recording these there, as the
    scattering cores do, would save these FFTs.)
    """
    x, psi, nd = tape["x"], tape["psi"], tape["nd"]
    Wf = _core()._zero_dc(ops.filter_subsample(ops.fft(x, nd), psi, 1, nd), nd)
    # A backend may invert its own filter products in place: keep Wf intact.
    W = ops.ifft(Wf.copy(), nd)
    A = ops.modulus(W)
    return Wf, W, A, A - _bcast(A.mean(axis=tuple(range(-nd, 0))), nd)


def backward(est, X, tape, G, backend):
    """Gradient of ``<Phi(X), G>`` with respect to ``X``."""
    with blas_threads(1):  # small matrix products, as in the forward
        return _backward(est, tape, G, backend)


def _backward(est, tape, G, backend):
    ops = backend
    xp = backend.xp
    core = _core()
    plan, nd = tape["plan"], tape["nd"]
    table = plan.table
    J, L, K = table.J, table.L, plan.K
    x = tape["x"]
    n = x.shape[0]
    spatial = tuple(x.shape[1:])
    size = math.prod(spatial)
    axes = tuple(range(-nd, 0))
    n_mom = len(table)
    raw, stats = tape["raw"], tape["stats"]
    cdtype = raw.dtype
    fam = table.family
    ch1 = table.j1 * L + table.t1
    ch2 = table.j2 * L + table.t2
    lagged = table.n > 0
    every = slice(None)

    def mean(f):
        return f.mean(axis=axes)

    # Cotangent of the complex moments: real parts, then the kept imaginary parts.
    Gm = xp.zeros((n, n_mom), dtype=cdtype)
    Gm += G[:, :n_mom]
    Gm[:, est._imag_index_] += 1j * G[:, n_mom:]
    if tape["gains"] is not None:  # constant factors of the normalisers
        Gm /= xp.asarray(tape["gains"], dtype=stats.dtype)

    # Normalisation m / sqrt(s1 s2) by statistics that depend on x too.
    g_stats = xp.zeros(stats.shape, dtype=stats.dtype)
    if est.normalize is not None:
        s1, s2 = stats[:, plan.den1], stats[:, plan.den2]
        den = xp.sqrt(xp.maximum(s1 * s2, 0))
        tiny = xp.finfo(stats.dtype).tiny
        ok = den > xp.maximum(stats[:, :1] * xp.finfo(stats.dtype).eps ** 2, tiny)
        safe = xp.where(ok, den, 1)
        gm = xp.where(ok, Gm / safe, 0)
        half = xp.where(ok, -(Gm.conj() * raw).real / (safe * safe), 0) / (2 * safe)
        _scatter_add(xp, g_stats, (every, plan.den1), half * s2)
        _scatter_add(xp, g_stats, (every, plan.den2), half * s1)
    else:
        gm = Gm

    # Lags live on the grid of their distinct values per axis; a moment at lag
    # tau is mean_u U(u + tau) conj V(u) = sum_k Q(k) exp(2 i pi k tau / n) / size^2
    # with Q = F_U conj F_V, so its cotangent spreads onto Q through the
    # conjugate phase factors: two small matrix products per map, no FFT.
    lag_values = plan.lag_values
    lag_index = plan.lag_index
    conj_factors = [E.conj() for E in core._phase_factors(xp, spatial, lag_values, cdtype)]

    def lag_cotangent(pos, channels, n_channels):
        """Spectral cotangent ``g_Q`` of ``Q = F_U conj F_V`` from lagged moments."""
        grid = xp.zeros((n, n_channels) + tuple(len(v) for v in lag_values), dtype=cdtype)
        _scatter_add(xp, grid, (every, channels) + tuple(lag_index[pos].T), gm[:, pos])
        out = xp.matmul(grid, conj_factors[-1].T)  # (..., [T_1,] S_last)
        if nd == 2:
            out = xp.matmul(conj_factors[0], out)  # (..., S_1, S_2)
        return out / (size * size)

    gx = 2 * (x - _bcast(mean(x), nd)) * _bcast(g_stats[:, 0], nd) / size
    gX = None
    needs = set(table.families)

    if needs - {"L"}:
        Wf, W, A, Ac = _wavelet_intermediates(tape, ops)
        gW = xp.zeros(W.shape, dtype=W.dtype)
        gWf = xp.zeros(W.shape, dtype=W.dtype)
        gAc = xp.zeros(A.shape, dtype=A.dtype)
        gFa = None
        g_s11 = g_stats[:, 1 : 1 + K].copy()  # stats: mean |W|^2 ...
        g_s00 = g_stats[:, 1 + K : 1 + 2 * K].copy()  # ... and mean Ac^2 per channel
        need_fa = bool(np.any(lagged & ((fam == "S00") | (fam == "C01"))))
        Fa = core._zero_dc(ops.fft(Ac, nd), nd) if need_fa else None

        # S11 (W with itself) and S00 (Ac with itself): lag 0 is the statistic.
        for name, g_stat in (("S11", g_s11), ("S00", g_s00)):
            zero = np.flatnonzero((fam == name) & ~lagged)
            _scatter_add(xp, g_stat, (every, ch1[zero]), gm[:, zero].real)
            lag = np.flatnonzero((fam == name) & lagged)
            if lag.size:
                gQ = lag_cotangent(lag, ch1[lag], K)
                if name == "S11":
                    gWf += 2 * gQ.real * Wf
                else:
                    gFa = 2 * gQ.real * Fa
        # S01 and C01 at lag 0: mean_u Ac_c1 conj W_c2, one K x K matrix per sample.
        zero = np.flatnonzero(((fam == "S01") | (fam == "C01")) & ~lagged)
        if zero.size:
            g_cross = xp.zeros((n, K, K), dtype=cdtype)
            _scatter_add(xp, g_cross, (every, ch1[zero], ch2[zero]), gm[:, zero])
            g_cross /= size
            flat = (n, K, size)
            gAc += xp.matmul(g_cross, W.reshape(flat)).real.reshape(gAc.shape)
            gW += xp.matmul(
                g_cross.conj().swapaxes(-1, -2), Ac.reshape(flat).astype(cdtype)
            ).reshape(gW.shape)
        # C01 at lags (equal angles): correlations of Fa (scale j1) with Wf (scale j2).
        for j1 in range(J):
            for j2 in range(j1 + 1, J):
                pos = np.flatnonzero((fam == "C01") & lagged & (table.j1 == j1) & (table.j2 == j2))
                if not pos.size:
                    continue
                if np.any(table.t1[pos] != table.t2[pos]):  # pragma: no cover - table invariant
                    raise NotImplementedError("C01 at lags between different angles")
                gQ = lag_cotangent(pos, table.t1[pos], L)
                sl1, sl2 = slice(j1 * L, (j1 + 1) * L), slice(j2 * L, (j2 + 1) * L)
                if gFa is None:
                    gFa = xp.zeros(Fa.shape, dtype=Fa.dtype)
                gFa[:, sl1] += gQ * Wf[:, sl2]
                gWf[:, sl2] += gQ.conj() * Fa[:, sl1]
        # Cphase: mean_u W_j1(u + tau) conj [W_j2]^(2^m)(u), m = j2 - j1, equal angles.
        if "Cphase" in needs:
            for j2 in range(1, J):
                sl2 = slice(j2 * L, (j2 + 1) * L)
                A2 = A[:, sl2]
                P = W[:, sl2]
                for m in range(1, j2 + 1):
                    P = ops.phase_harmonic(P, 2, modulus=A2)  # [W_j2]^(2^m), as the forward
                    j1 = j2 - m
                    sl1 = slice(j1 * L, (j1 + 1) * L)
                    sel = (fam == "Cphase") & (table.j2 == j2) & (table.j1 == j1)
                    zero, lag = np.flatnonzero(sel & ~lagged), np.flatnonzero(sel & lagged)
                    off = plan.vp_offset[(j2, m)]
                    g_vp = g_stats[:, off : off + L]  # var P = mean|W_j2|^2 - |mean P|^2
                    if not (zero.size or lag.size or bool(xp.any(g_vp != 0))):
                        continue
                    g_s11[:, sl2] += g_vp
                    gP = _bcast(-2 * g_vp * mean(P), nd) / size
                    if zero.size:
                        gc = xp.zeros((n, L), dtype=cdtype)
                        _scatter_add(xp, gc, (every, table.t1[zero]), gm[:, zero])
                        gc = _bcast(gc, nd) / size
                        gW[:, sl1] += gc * P
                        gP = gP + gc.conj() * W[:, sl1]
                    if lag.size:
                        gQ = lag_cotangent(lag, table.t1[lag], L)
                        gWf[:, sl1] += gQ * ops.fft(P, nd)
                        gP = gP + adj.fft_adjoint(ops, gQ.conj() * Wf[:, sl1], nd)
                    gW[:, sl2] += adj.phase_power_adjoint(ops, gP, W[:, sl2], 2**m, zk=P)
        # The statistics mean |W|^2 and mean Ac^2.
        gW += 2 * W * _bcast(g_s11, nd) / size
        gAc += 2 * Ac * _bcast(g_s00, nd) / size
        if gFa is not None:  # Fa = zero_dc(fft(Ac))
            gAc += adj.fft_real_adjoint(ops, core._zero_dc(gFa, nd), nd)
        gA = gAc - _bcast(mean(gAc), nd)  # Ac = A - mean(A): centring is self-adjoint
        gW += adj.modulus_adjoint(ops, gA, W)
        gWf += adj.ifft_adjoint(ops, gW, nd)  # W = ifft(Wf)
        gWf = core._zero_dc(gWf, nd)  # Wf = zero_dc(X psi)
        gX = adj.filter_subsample_adjoint(ops, gWf, tape["psi"], 1, nd)

    if "L" in needs:
        # y = centred Re(ifft(X phi_k)); moments mean(ac^2), mean(ac y), mean(y^2)
        # with ac the centred |y|; the first and last are also statistics.
        phi = tape["phi"]
        n_phi = len(table.scaling_j)
        y = ops.ifft_real(ops.filter_subsample(ops.fft(x, nd), phi, 1, nd), nd)
        y = y - _bcast(mean(y), nd)
        a = ops.modulus(y)
        ac = a - _bcast(mean(a), nd)
        rows = np.flatnonzero(fam == "L")
        k = np.array([table.scaling_j.index(int(j)) for j in table.j1[rows]], dtype=np.intp)
        which = {(0, 0): 0, (0, 1): 1, (1, 1): 2}
        slot = np.array(
            [which[(int(p), int(q))] for p, q in zip(table.p1[rows], table.p2[rows], strict=True)],
            dtype=np.intp,
        )
        g_l = xp.zeros((n, 3, n_phi), dtype=stats.dtype)
        _scatter_add(xp, g_l, (every, slot, k), gm[:, rows].real)
        lv0 = plan.n_stats - 2 * n_phi
        g00 = g_l[:, 0] + g_stats[:, lv0 : lv0 + n_phi]
        g01 = g_l[:, 1]
        g11 = g_l[:, 2] + g_stats[:, lv0 + n_phi :]
        g_ac = (2 * ac * _bcast(g00, nd) + y * _bcast(g01, nd)) / size
        g_y = (ac * _bcast(g01, nd) + 2 * y * _bcast(g11, nd)) / size
        g_y = g_y + xp.sign(y) * (g_ac - _bcast(mean(g_ac), nd))
        g_y = g_y - _bcast(mean(g_y), nd)
        gXl = adj.filter_subsample_adjoint(ops, adj.ifft_real_adjoint(ops, g_y, nd), phi, 1, nd)
        gX = gXl if gX is None else gX + gXl

    if gX is not None:
        gx = gx + adj.fft_real_adjoint(ops, gX, nd)
    return gx.reshape(n, -1)


def tape_bytes_per_sample(est) -> int:
    """Rough working memory of one sample's forward tape and backward pass."""
    return 4 * est._bytes_per_sample()
