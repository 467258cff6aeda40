"""Wavelet phase-harmonic moments, written once against the backend operations.

For a batch of real signals or images ``x`` (periodic boundary), with Fourier
wavelets ``psi`` (zero at frequency 0) and low-passes ``phi``, the forward
computation is the sequence

1. ``X = fft(x)``; ``Wf = X psi`` (filter product) and ``W = ifft(Wf)`` for
   every wavelet, batched over samples and wavelets; ``W`` has zero mean;
2. ``A = |W|`` (modulus) and its centred version ``Ac = A - mean(A)``;
3. lag-0 covariances as spatial means of products: ``S11 = mean|W|^2``,
   ``S00 = mean(Ac^2)``, and ``mean(Ac_l1 conj W_l2)`` for all pairs of
   wavelets as one matrix product per sample (``S01`` on its diagonal,
   ``C01`` off it); ``Cphase = mean(W_j1 conj P)`` with the phase harmonics
   ``P = [W_j2]^(2^m)`` built by repeated phase doubling ``P <- [P]^2``
   (backend op ``phase_harmonic``);
4. covariances at lags ``tau`` (``delta_n > 0``) as cross-correlations from
   Fourier transforms, ``c(tau) = sum_k U^(k) conj V^(k) e^(2 i pi k.tau / S) / S^2``
   (``S`` the number of pixels), evaluated at the few lags needed by two
   small matrix products with the separable phase factors (the same numbers
   as ``ifft(U^ conj V^) / S`` read at the lags, for fewer operations);
5. scaling moments of ``y = x * phi_j - mean``: ``mean(c^2)``, ``mean(c y)``,
   ``mean(y^2)`` with ``c = |y| - mean|y|``.

Every covariance is ``mean_u[(U(u + tau) - <U>) conj(V(u) - <V>)]``: one of its
two factors is centred explicitly (``W`` is centred by construction), which is
enough. Python loops run over scales (paths), never over samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..filters._cache import memoize
from .moments import SCALING_POWERS, MomentTable


@dataclass(frozen=True, eq=False)
class MomentPlan:
    """Gather indices that map each computed block to its output positions.

    Built once per :class:`~skscat.phase_harmonics.moments.MomentTable`.
    ``stats`` layout per sample: ``[var(x), S11_0 (K), S00_0 (K), var(P) for
    every (j2, m, t), var|y| (n_phi), var(y) (n_phi)]``; each moment's
    normaliser is ``sqrt(stats[den1] * stats[den2])``.
    """

    table: MomentTable
    K: int
    s11: dict = field(repr=False)
    s00: dict = field(repr=False)
    s01: dict = field(repr=False)
    c01_zero: dict = field(repr=False)
    c01_lag: dict = field(repr=False)
    cphase: dict = field(repr=False)
    scaling: dict = field(repr=False)
    vp_offset: dict = field(repr=False)
    lag_values: tuple = field(repr=False, default=())
    lag_index: np.ndarray = field(repr=False, default=None)
    n_stats: int = 0
    den1: np.ndarray = field(repr=False, default=None)
    den2: np.ndarray = field(repr=False, default=None)
    needs: frozenset = frozenset()


def _ix(mask):
    return np.flatnonzero(mask)


@memoize(64)
def build_plan(table: MomentTable) -> MomentPlan:
    """Group the moments of ``table`` into the blocks the core computes."""
    J, L = table.J, table.L
    K = J * L
    fam = table.family
    ch1 = table.j1 * L + table.t1
    ch2 = table.j2 * L + table.t2
    lagged = table.n > 0
    # Lags are evaluated on the grid of their distinct coordinates per axis.
    lag_values = tuple(np.unique(table.lag[:, d]) for d in range(table.ndim))
    lag_idx = np.stack(
        [np.searchsorted(lag_values[d], table.lag[:, d]) for d in range(table.ndim)], axis=1
    )

    def per_channel(name):
        pos = _ix(fam == name)
        return {
            "pos": pos,
            "ch": ch1[pos],
            "lag": lag_idx[pos],
            "any_lag": bool(lagged[pos].any()),
        }

    s11, s00 = per_channel("S11"), per_channel("S00")
    s01 = per_channel("S01")

    pos = _ix((fam == "C01") & ~lagged)
    c01_zero = {"pos": pos, "row": ch1[pos], "col": ch2[pos]}
    c01_lag = {}
    for j1 in range(J):
        for j2 in range(j1 + 1, J):
            pos = _ix((fam == "C01") & (table.j1 == j1) & (table.j2 == j2) & lagged)
            if pos.size:
                c01_lag[(j1, j2)] = {"pos": pos, "t": table.t1[pos], "lag": lag_idx[pos]}

    # Cphase blocks by (j2, m) with m = j2 - j1, harmonic 2**m of scale j2.
    cphase, vp_offset = {}, {}
    n_stats = 1 + 2 * K
    for j2 in range(1, J):
        for m in range(1, j2 + 1):
            vp_offset[(j2, m)] = n_stats
            n_stats += L
            sel = (fam == "Cphase") & (table.j2 == j2) & (table.j1 == j2 - m)
            zero, lag = _ix(sel & ~lagged), _ix(sel & lagged)
            if zero.size or lag.size:
                cphase[(j2, m)] = {
                    "zero_pos": zero,
                    "zero_t": table.t1[zero],
                    "lag_pos": lag,
                    "lag_t": table.t1[lag],
                    "lag": lag_idx[lag],
                }
    n_phi = len(table.scaling_j)
    lv0, lv1 = n_stats, n_stats + n_phi
    n_stats += 2 * n_phi
    scaling = {}
    if n_phi:
        pos = _ix(fam == "L").reshape(n_phi, len(SCALING_POWERS))
        scaling = {"pos": pos}

    # Normalisers: a correlation coefficient for every moment, except the
    # variances themselves (band powers relative to var(x), sparsity ratios).
    den1 = np.zeros(len(table), dtype=np.int64)
    den2 = np.zeros(len(table), dtype=np.int64)
    s11_0 = lambda c: 1 + c  # noqa: E731
    s00_0 = lambda c: 1 + K + c  # noqa: E731
    for i in range(len(table)):
        f, c1, c2 = fam[i], ch1[i], ch2[i]
        if f == "S11":
            den1[i] = den2[i] = 0 if table.n[i] == 0 else s11_0(c1)
        elif f == "S00":
            den1[i] = den2[i] = s11_0(c1) if table.n[i] == 0 else s00_0(c1)
        elif f in ("S01", "C01"):
            den1[i], den2[i] = s00_0(c1), s11_0(c2)
        elif f == "Cphase":
            m = int(table.j2[i] - table.j1[i])
            den1[i] = s11_0(c1)
            den2[i] = vp_offset[(int(table.j2[i]), m)] + table.t2[i]
        else:  # L: (0,0) / var(y), (0,1) / sqrt(var|y| var y), (1,1) / var(x)
            k = table.scaling_j.index(int(table.j1[i]))
            p1, p2 = int(table.p1[i]), int(table.p2[i])
            if (p1, p2) == (0, 0):
                den1[i] = den2[i] = lv1 + k
            elif (p1, p2) == (0, 1):
                den1[i], den2[i] = lv0 + k, lv1 + k
            else:
                den1[i] = den2[i] = 0
    needs = frozenset(table.families)
    return MomentPlan(
        table=table,
        K=K,
        s11=s11,
        s00=s00,
        s01=s01,
        c01_zero=c01_zero,
        c01_lag=c01_lag,
        cphase=cphase,
        scaling=scaling,
        vp_offset=vp_offset,
        lag_values=lag_values,
        lag_index=lag_idx,
        n_stats=n_stats,
        den1=den1,
        den2=den2,
        needs=needs,
    )


# -- small helpers on backend arrays ------------------------------------------
def _indexer(xp):
    """The plan's (NumPy) index arrays as index arrays of ``xp``."""
    if xp is np:
        return lambda a: a
    return xp.asarray


def _gather(sums, ch, lag):
    """``sums[:, ch[i], *lag[i]]`` for every ``i``: shape ``(n, len(ch))``."""
    return sums[(slice(None), ch) + tuple(lag[:, d] for d in range(lag.shape[1]))]


def _dot_mean(xp, U, V, size: int):
    """``mean_u U(u) V(u)`` for ``(n, C, *S)`` arrays: batched dot products, ``(n, C)``."""
    n, C = U.shape[:2]
    rows = U.reshape(n, C, 1, size)
    cols = V.reshape(n, C, size, 1)
    return xp.matmul(rows, cols)[..., 0, 0] / size


def _zero_dc(F, nd: int):
    """Set the frequency-0 coefficient to 0 in place (centre the signal)."""
    F[(...,) + (0,) * nd] = 0
    return F


def _phase_factors(xp, spatial, lag_values, cdtype):
    """``E_d[k, i] = exp(2 i pi k tau_i / n_d)`` for every axis ``d`` of the grid."""
    factors = []
    for n_d, taus in zip(spatial, lag_values, strict=True):
        k = np.arange(n_d)[:, None] * np.asarray(taus)[None, :]
        factors.append(xp.asarray(np.exp(2j * np.pi * (k % n_d) / n_d).astype(cdtype)))
    return factors


def _lag_sums(ops, F1, F2, factors, box, size: int):
    """Cross-correlations at the lag grid from two spectra.

    ``F1``, ``F2`` of shape ``(n, C, *S)`` are ``fft(U)`` and ``fft(V)``;
    returns ``(n, C, T_1[, T_2])`` with ``mean_u U(u + tau) conj V(u)`` at
    every combination of the per-axis lag values ``factors``
    (:func:`_phase_factors`), summing only over the frequency ``box`` outside
    which ``F1 conj F2`` vanishes. The columns' factors go with the product
    (backend op ``cross_lag_sums``, one pass), the rows' after it.
    """
    xp = ops.xp
    nd = len(box)
    rows, cols = (None, box[0]) if nd == 1 else box
    if nd == 1:
        F1, F2 = F1[..., None, :], F2[..., None, :]
    Ec = factors[-1] if cols is None else factors[-1][xp.asarray(cols)]
    out = ops.cross_lag_sums(F1, F2, rows, cols, Ec)  # (n, C, R, T_last)
    if nd == 2:
        Er = factors[0] if rows is None else factors[0][xp.asarray(rows)]
        out = xp.matmul(Er.T, out)  # (n, C, T_1, T_2)
    else:
        out = out[..., 0, :]
    return out / (size * size)


def frequency_boxes(psi, J: int, L: int, ndim: int) -> tuple:
    """Per scale, the frequency indices (per axis) outside which its wavelets vanish.

    A product of spectra with one factor ``x^ psi_j`` vanishes outside this
    box, so its lag sums can be restricted to it (exactly). ``None`` for an
    axis means every index.
    """
    boxes = []
    spatial = psi.shape[1:]
    for j in range(J):
        mask = np.any(np.asarray(psi[j * L : (j + 1) * L]) != 0, axis=0)
        box = []
        for d in range(ndim):
            other = tuple(a for a in range(ndim) if a != d)
            idx = np.flatnonzero(mask.any(axis=other) if other else mask)
            box.append(None if idx.size == spatial[d] else idx)
        boxes.append(tuple(box))
    return tuple(boxes)


def phase_harmonic_moments(
    x, ops, psi, phi, plan: MomentPlan, *, boxes=None, with_stats: bool = False
):
    """Raw complex moments (and normalising statistics) of a batch.

    Parameters
    ----------
    x : array of shape (n, *S)
        Real signals (``S = (N,)``) or images (``S = (M, N)``), backend array.
    ops : backend
        Supplies ``fft``, ``ifft``, ``ifft_real``, ``filter_subsample``,
        ``modulus``, ``phase_harmonic``, ``cross_lag_sums`` and ``xp``.
    psi : array of shape (J * L, *S)
        Real Fourier wavelets, zero at frequency 0, index ``j * L + t``.
    phi : array of shape (n_phi, *S)
        Real Fourier low-passes of the scaling moments.
    plan : MomentPlan
    boxes : tuple, optional
        :func:`frequency_boxes` of ``psi`` (computed if not given): where lag
        sums can be restricted.
    with_stats : bool
        Also return the statistics the normalisation divides by.

    Returns
    -------
    moments : complex array of shape (n, n_moments)
        In the table's order.
    stats : real array of shape (n, plan.n_stats), only if ``with_stats``
    """
    table = plan.table
    nd = table.ndim
    xp = ops.xp
    n = x.shape[0]
    J, L, K = table.J, table.L, plan.K
    spatial = tuple(x.shape[1:])
    size = math.prod(spatial)
    real_dtype = x.dtype
    cdtype = np.result_type(real_dtype, np.complex64)
    out = xp.zeros((n, len(table)), dtype=cdtype)
    stats = xp.zeros((n, plan.n_stats), dtype=real_dtype)
    needs = plan.needs
    axes = tuple(range(-nd, 0))
    keep = (...,) + (None,) * nd
    ix = _indexer(xp)

    def mean(z):
        return z.mean(axis=axes)

    factors = _phase_factors(xp, spatial, plan.lag_values, cdtype)
    if boxes is None and plan.lag_values and any(len(v) > 1 for v in plan.lag_values):
        boxes = frequency_boxes(ops.to_numpy(psi), J, L, nd)

    def correlate(F1, F2, box):
        """Lag sums of ``F1 conj F2`` where one factor vanishes outside ``box``."""
        return _lag_sums(ops, F1, F2, factors, box, size)

    X = ops.fft(x, nd)
    xc = x - mean(x)[keep]
    stats[:, 0] = mean(xc * xc)

    if needs - {"L"}:
        # 1. wavelet transform (zero mean: psi vanishes at frequency 0)
        Wf = _zero_dc(ops.filter_subsample(X, psi, 1, nd), nd)  # (n, K, *S)
        # Lag sums reuse Wf; a backend may invert a filter product in place.
        reuse_wf = (
            plan.s11["any_lag"]
            or bool(plan.c01_lag)
            or any(b["lag_pos"].size for b in plan.cphase.values())
        )
        W = ops.ifft(Wf.copy() if reuse_wf else Wf, nd)
        # 2. modulus, centred
        A = ops.modulus(W)
        Ac = A - mean(A)[keep]
        s11_0 = mean(A * A)  # mean |W|^2, (n, K)
        s00_0 = mean(Ac * Ac)
        stats[:, 1 : 1 + K] = s11_0
        stats[:, 1 + K : 1 + 2 * K] = s00_0
        need_fa = plan.s00["any_lag"] or bool(plan.c01_lag)
        Fa = _zero_dc(ops.fft(Ac, nd), nd) if need_fa and needs & {"S00", "C01"} else None

        # 3./4. second-order families
        if "S11" in needs:
            b = plan.s11
            if b["any_lag"]:
                sums = xp.concatenate(
                    [
                        correlate(Wf[:, j * L : (j + 1) * L], Wf[:, j * L : (j + 1) * L], boxes[j])
                        for j in range(J)
                    ],
                    axis=1,
                )
                out[:, ix(b["pos"])] = _gather(sums, ix(b["ch"]), ix(b["lag"]))
                del sums
            else:
                out[:, ix(b["pos"])] = s11_0[:, ix(b["ch"])]
        if "S00" in needs:
            b = plan.s00
            if b["any_lag"]:
                sums = correlate(Fa, Fa, (None,) * nd)
                out[:, ix(b["pos"])] = _gather(sums, ix(b["ch"]), ix(b["lag"]))
                del sums
            else:
                out[:, ix(b["pos"])] = s00_0[:, ix(b["ch"])]
        if needs & {"S01", "C01"}:
            # mean_u Ac_l1(u) conj W_l2(u) for every pair of wavelets: one real
            # matrix product per sample against the real and imaginary parts.
            parts = xp.concatenate([W.real, W.imag], axis=1).reshape(n, 2 * K, size)
            gram = xp.matmul(Ac.reshape(n, K, size), parts.swapaxes(-1, -2)) / size
            del parts
            cross = gram[:, :, :K] - 1j * gram[:, :, K:]  # (n, K, K)
            if "S01" in needs:
                b = plan.s01
                out[:, ix(b["pos"])] = cross[:, ix(b["ch"]), ix(b["ch"])]
            if "C01" in needs:
                b = plan.c01_zero
                out[:, ix(b["pos"])] = cross[:, ix(b["row"]), ix(b["col"])]
                for (j1, j2), b in plan.c01_lag.items():
                    sums = correlate(
                        Fa[:, j1 * L : (j1 + 1) * L], Wf[:, j2 * L : (j2 + 1) * L], boxes[j2]
                    )
                    out[:, ix(b["pos"])] = _gather(sums, ix(b["t"]), ix(b["lag"]))
                    del sums
            del gram, cross
        if "Cphase" in needs:
            W_bar = None
            for j2 in range(1, J):
                blocks = [plan.cphase.get((j2, m)) for m in range(1, j2 + 1)]
                if not any(blocks):
                    continue
                # contiguous once, not at each of the j2 phase doublings below
                A2 = xp.ascontiguousarray(A[:, j2 * L : (j2 + 1) * L])
                P = W[:, j2 * L : (j2 + 1) * L]
                if W_bar is None:
                    W_bar = W.conj()
                for m in range(1, j2 + 1):
                    P = ops.phase_harmonic(P, 2, modulus=A2)  # [W_j2]^(2^m)
                    j1 = j2 - m
                    mean_p = mean(P)
                    var_p = s11_0[:, j2 * L : (j2 + 1) * L] - (
                        mean_p.real * mean_p.real + mean_p.imag * mean_p.imag
                    )
                    off = plan.vp_offset[(j2, m)]
                    stats[:, off : off + L] = var_p
                    b = blocks[m - 1]
                    if not b:
                        continue
                    if b["zero_pos"].size:
                        # mean(W_j1 conj P) (W has zero mean) as batched dot products
                        c = _dot_mean(xp, W_bar[:, j1 * L : (j1 + 1) * L], P, size).conj()
                        out[:, ix(b["zero_pos"])] = c[:, ix(b["zero_t"])]
                    if b["lag_pos"].size:
                        sums = correlate(Wf[:, j1 * L : (j1 + 1) * L], ops.fft(P, nd), boxes[j1])
                        out[:, ix(b["lag_pos"])] = _gather(sums, ix(b["lag_t"]), ix(b["lag"]))
                        del sums

    # 5. scaling moments
    if "L" in needs:
        y = ops.ifft_real(ops.filter_subsample(X, phi, 1, nd), nd)  # (n, n_phi, *S)
        y = y - mean(y)[keep]
        a = ops.modulus(y)
        ac = a - mean(a)[keep]
        l00, l01, l11 = mean(ac * ac), mean(ac * y), mean(y * y)
        pos = ix(plan.scaling["pos"])
        out[:, pos[:, 0]] = l00
        out[:, pos[:, 1]] = l01
        out[:, pos[:, 2]] = l11
        n_phi = pos.shape[0]
        lv0 = plan.n_stats - 2 * n_phi
        stats[:, lv0 : lv0 + n_phi] = l00
        stats[:, lv0 + n_phi :] = l11
    if with_stats:
        return out, stats
    return out


def normalization_gains(plan: MomentPlan, phi_peak_power) -> np.ndarray:
    """Constant factors of the normalisers, one per moment (host array).

    1 for every correlation coefficient and ratio that is bounded by 1 by
    Cauchy-Schwarz; for ``L(j, 1, 1) = var(y_j) / var(x)`` the low-pass's
    peak variance gain ``phi_peak_power[j]`` (see
    :func:`skscat.phase_harmonics._banks.peak_power`), so that the ratio is at
    most 1 too, reached by a cosine at the frequency the low-pass passes most.
    """
    gains = np.ones(len(plan.table))
    if plan.scaling:
        peak = np.asarray(phi_peak_power, dtype=np.float64)
        # A grid too small for any non-zero frequency: var(y) = 0, nothing to scale.
        gains[plan.scaling["pos"][:, 2]] = np.where(peak > 0, peak, 1.0)
    return gains


def normalize_moments(moments, stats, plan: MomentPlan, xp=np, gains=None):
    """Divide each moment by ``gains * sqrt(stats[den1] * stats[den2])`` (0 where that is 0).

    ``gains`` (:func:`normalization_gains`, 1 when None) are constants. The
    result does not change when a signal ``x`` becomes ``a x + b`` with
    ``a > 0``: every moment is homogeneous of degree 2 in ``a`` and blind to
    ``b`` (wavelets have zero mean, low-passes are centred).
    """
    ix = _indexer(xp)
    if gains is not None:
        moments = moments / xp.asarray(gains, dtype=stats.dtype)
    den = xp.sqrt(xp.maximum(stats[:, ix(plan.den1)] * stats[:, ix(plan.den2)], 0))
    # Treat relative noise as zero: a band with no energy gives no signal.
    scale = stats[:, :1]
    tiny = xp.finfo(stats.dtype).tiny
    ok = den > xp.maximum(scale * xp.finfo(stats.dtype).eps ** 2, tiny)
    safe = xp.where(ok, den, 1)
    return xp.where(ok, moments / safe, 0)
