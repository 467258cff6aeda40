"""Joint time-frequency scattering, written once against the backend operations.

The first order is the scalogram of :func:`skscat.scattering.core1d.scattering1d`
averaged in time, ``S1(n1, t) = |x * psi_n1| * phi_T``; its second-order wavelet
coefficients ``Y2(n1, t) = |x * psi_n1| * psi_n2`` (for ``j1 < j2``) come from
the same cascade, before their modulus. Both are then filtered along the
log-frequency axis ``n1`` (zero-padded to ``N_fr``) by the frequential bank
``psi_fr`` (a low-pass of width ``2**J_fr`` and Morlet wavelets of both spins),
sub-sampled, and their modulus averaged in time by ``phi_T`` (order 2) and in
log-frequency by ``phi_F`` (wavelets of non-zero spin):

    S1_fr(n_fr, n1, t) = |S1 *_n1 psi_fr|            (spin >= 0)
    S2(n2, n_fr, n1, t) = ||Y2 *_n1 psi_fr| *_t phi_T| *_n1 phi_F

The log-frequency axis is short (a few dozen points), so each frequential
step -- zero padding, FFT, filters, periodisation, inverse FFT, and the average
by ``phi_F`` -- is one precomputed matrix product over that axis
(:func:`frequential_operators`); the temporal steps are FFTs. Python loops run
over second-order wavelets ``n2`` and over groups of frequential filters that
share a sub-sampling; every operation is batched over samples, time and
filters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._blas import blas_threads
from ..filters._cache import memoize
from ..filters.morlet1d import frequential_filter_bank, frequential_padded_length, morlet_params_1d
from ._paths1d import plan_1d
from .core1d import scattering1d


@dataclass(frozen=True)
class FrGroup:
    """Frequential filters processed together (one at a time: the coefficients of
    a filter fill ``rows x time`` per sample, so grouping more does not make the
    products faster, only the working memory larger)."""

    filters: tuple  # indices into the frequential bank
    k: int  # log2 sub-sampling right after the frequential wavelet
    averaged: bool  # averaged by phi_F then (spin != 0 and F != 0)
    k_total: int  # log2 of the final log-frequency sub-sampling
    rows: tuple  # rows kept per filter (time format); all rows for joint


@dataclass(frozen=True)
class JTFSPlan:
    """Everything the cascade and the output layout need, derived from the parameters."""

    J: int
    Q1: int
    Q2: int
    J_fr: int
    Q_fr: int
    F: int
    log2_T: int
    log2_stride: int
    log2_stride_fr: int
    average_fr: bool
    format: str
    N_fr: int
    K1: int
    n2s: tuple  # second-order wavelets that have parents (j1 < j2)
    n1_max: tuple  # parents of each of them
    res2: tuple  # log2 resolution of their coefficients
    groups1: tuple  # FrGroup of the first order (spin >= 0)
    groups2: tuple  # per n2: FrGroup tuple (every spin)
    n_rows: int  # rows per path (joint format)
    paths: tuple  # (order, n2, n_fr, k_total, n_rows) per output path, output order

    @property
    def n_channels(self) -> int:
        return sum(p[4] for p in self.paths)


def _rows(n1_max: int, stride: int, joint: bool, n_total: int) -> int:
    """Rows of a path: Kymatio keeps ``len(range(0, n1_max, stride))`` in the time format."""
    return n_total if joint else len(range(0, n1_max, stride))


@memoize(64)
def jtfs_plan(
    J: int,
    Q1: int,
    Q2: int,
    J_fr: int,
    Q_fr: int,
    F: int,
    log2_T: int,
    log2_stride: int,
    log2_stride_fr: int,
    average_fr: bool,
    format: str,
) -> JTFSPlan:
    """Paths, sub-samplings and output layout of a joint time-frequency scattering.

    Kymatio's rules: the frequential wavelet ``n_fr`` of index ``j_fr``
    sub-samples by ``2**min(j_fr, log2_stride_fr)`` (``2**j_fr`` when
    ``F == 0``); moduli of non-zero spin are then averaged by ``phi_F`` down to
    ``2**log2_stride_fr``. In the time format a path keeps
    ``len(range(0, n1_max, n1_stride))`` of its rows, ``n1_stride`` being
    ``2**log2_stride_fr`` for averaged paths and ``2**j_fr`` otherwise; in the
    joint format every row of the padded axis is kept.
    """
    xi1, _, j1 = morlet_params_1d(J, Q1)
    _, _, j2 = morlet_params_1d(J, Q2)
    K1 = len(j1)
    N_fr = frequential_padded_length((J + 1) * Q1, J_fr, F, log2_stride_fr if average_fr else 0)
    fb = frequential_filter_bank(N_fr, J_fr, Q_fr, F)
    joint = format == "joint"
    s = log2_stride_fr

    def groups(n1_max: int, spins_all: bool) -> tuple:
        chosen = [f for f in range(len(fb.xi)) if spins_all or fb.spin[f] >= 0]
        by_key: dict = {}
        for f in chosen:
            jf = int(fb.j[f])
            averaged = bool(average_fr and fb.spin[f] != 0)
            k = min(jf, s) if average_fr else jf
            k_total = s if averaged else k
            stride = 2**s if averaged else 2**jf
            rows = _rows(n1_max, stride, joint, N_fr // 2**k_total)
            by_key.setdefault((k, averaged, k_total, f), []).append((f, rows))
        out = []
        for (k, averaged, k_total, _), items in by_key.items():
            out.append(
                FrGroup(
                    tuple(f for f, _ in items),
                    k,
                    averaged,
                    k_total,
                    tuple(r for _, r in items),
                )
            )
        return tuple(out)

    def path_list(order, n2, n1_max, spins_all):
        out = []
        for f in range(len(fb.xi)):
            if not (spins_all or fb.spin[f] >= 0):
                continue
            jf = int(fb.j[f])
            averaged = bool(average_fr and fb.spin[f] != 0)
            k = min(jf, s) if average_fr else jf
            k_total = s if averaged else k
            stride = 2**s if averaged else 2**jf
            out.append((order, n2, f, k_total, _rows(n1_max, stride, joint, N_fr // 2**k_total)))
        return out

    n2s, n1_max, res2 = [], [], []
    for b, jb in enumerate(j2):
        parents = sum(1 for a in j1 if a < jb)
        if parents:
            n2s.append(b)
            n1_max.append(parents)
            res2.append(min(int(jb), log2_stride))
    paths = [(0, -1, -1, 0, 1)] if not joint else []
    paths += path_list(1, -1, K1, False)
    for b, m in zip(n2s, n1_max, strict=True):
        paths += path_list(2, b, m, True)
    n_rows = N_fr // 2**s
    if joint and any(p[3] != s for p in paths):
        raise ValueError(
            "format='joint' needs every path on one log-frequency grid: pass "
            f"stride_fr <= 2**J_fr (got stride_fr={2**s}, J_fr={J_fr}), or format='time'."
        )
    return JTFSPlan(
        J=J,
        Q1=Q1,
        Q2=Q2,
        J_fr=J_fr,
        Q_fr=Q_fr,
        F=F,
        log2_T=log2_T,
        log2_stride=log2_stride,
        log2_stride_fr=s,
        average_fr=average_fr,
        format=format,
        N_fr=N_fr,
        K1=K1,
        n2s=tuple(n2s),
        n1_max=tuple(n1_max),
        res2=tuple(res2),
        groups1=groups(K1, False),
        groups2=tuple(groups(m, True) for m in n1_max),
        n_rows=n_rows,
        paths=tuple(paths),
    )


def _lowpass_last(ops, U, phi, k: int, scale: float):
    """``scale * (U * phi)`` along the last axis of a real ``U``, sub-sampled by ``k``."""
    n = U.shape[-1]
    S = ops.irfft(ops.lowpass_hermitian(ops.rfft(U, 1), phi, k, 1, n), n // k, 1)
    return S * scale if scale != 1 else S


@memoize(16)
def frequential_operators(plan: JTFSPlan, dtype: str = "float64") -> dict:
    """The frequential steps of ``plan`` as matrices acting on the last axis.

    The log-frequency axis is short (``N_fr`` points, of which only ``n1_max``
    are not zero padding), so each chain "zero-pad to ``N_fr``, FFT, multiply
    by the frequential filters of a group, periodise by ``2**k``, inverse
    FFT" is one complex matrix ``M`` of shape ``(n1_max, K * rows)``: the
    chain applied to the identity, in float64, so that ``X @ M`` is the same
    linear map as the FFTs (to rounding) at a fraction of their cost. Columns
    of rows the output drops are left out. The average by ``phi_F`` followed
    by the sub-sampling to ``2**log2_stride_fr`` is the real matrix ``A.T`` of
    shape ``(N_fr / 2**k, N_fr / 2**log2_stride_fr)``, applied as
    ``|V| @ A.T``.

    Returns
    -------
    operators : dict
        ``("fr1", g)`` and ``("fr2", p, g)``: ``M`` of the first-order group
        ``g`` and of group ``g`` of the ``p``-th second-order wavelet;
        ``("avg", k)``: ``A.T``.
    """
    from ..backends.numpy_backend import NumpyBackend

    host = NumpyBackend()
    fb = frequential_filter_bank(plan.N_fr, plan.J_fr, plan.Q_fr, plan.F)
    joint = plan.format == "joint"
    ctype = np.result_type(np.dtype(dtype), np.complex64)
    N_fr, s = plan.N_fr, plan.log2_stride_fr

    def chain(m, group):
        Z = np.zeros((m, N_fr))
        Z[:, :m] = np.eye(m)
        Zh = host.fft(Z, 1)
        psi = fb.psi[list(group.filters)]
        V = host.ifft(host.filter_subsample(Zh, psi, 2**group.k, 1), 1)  # (m, K, R)
        if not (group.averaged or joint):
            V = V[..., : max(group.rows)]
        return np.ascontiguousarray(V.reshape(m, -1), dtype=ctype)

    operators = {}
    for g, group in enumerate(plan.groups1):
        operators[("fr1", g)] = chain(plan.K1, group)
    for p, m in enumerate(plan.n1_max):
        for g, group in enumerate(plan.groups2[p]):
            operators[("fr2", p, g)] = chain(m, group)
    for group in plan.groups1 + sum(plan.groups2, ()):
        if group.averaged and ("avg", group.k) not in operators:
            R = N_fr // 2**group.k
            A_T = _lowpass_last(host, np.eye(R), fb.phi_level(group.k), 2 ** (s - group.k), 1.0)
            operators[("avg", group.k)] = np.ascontiguousarray(A_T, dtype=np.dtype(dtype))
    for v in operators.values():
        v.flags.writeable = False
    return operators


def frequency_scattering(X, operators, groups, key, tape=None):
    """The frequential wavelet coefficients of ``X`` (``(n, T, m)``), group by group.

    Yields, per group, the complex array ``(n, T, K, rows)`` (one group at a
    time, so that only one is in memory); with ``tape``, it is also stored
    under ``key + (g,)``.
    """
    n, T, m = X.shape
    ctype = np.result_type(X.dtype, np.complex64)
    flat = X.reshape(n * T, m).astype(ctype, copy=False)
    for g, group in enumerate(groups):
        M = operators[key + (g,)]
        with blas_threads(1):  # see _modulus_average
            V = (flat @ M).reshape(n, T, len(group.filters), -1)
        if tape is not None:
            tape[key + (g,)] = V
        yield V


def _modulus_average(ops, V, operators, group):
    """``|V|``, averaged along log-frequency (last axis) if the group is averaged."""
    U = ops.modulus(V)
    if group.averaged:
        # A BLAS product: faster than a fused modulus-and-product kernel here.
        # One BLAS thread: these products have a short inner dimension, and
        # threaded BLAS spins, several times slower on a busy machine.
        with blas_threads(1):
            U = U @ operators[("avg", group.k)]
    return U


def joint_scattering(x, backend, bank, operators, plan: JTFSPlan, geometry, out, tape=None):
    """Joint time-frequency scattering of a batch of signals, written into ``out``.

    Parameters
    ----------
    x : array of shape (n, N)
        Real signals (backend array).
    backend : backend instance
    bank : FilterBank1D
        Temporal filters on the padded grid.
    operators : dict
        The frequential matrices of :func:`frequential_operators` (backend arrays).
    plan : JTFSPlan
    geometry : Geometry1D
        Padding and output grid (sub-sampling ``2**plan.log2_stride``).
    out : array
        ``(n, n_channels, n_times)`` (time format) or
        ``(n, n_paths, n_rows, n_times)`` (joint format); receives the
        coefficients in Kymatio's output order.
    tape : dict or None
        Receives what :mod:`skscat.gradients` needs to back-propagate.
    """
    ops = backend
    xp = getattr(ops, "xp", np)
    n = x.shape[0]
    t0, nt = geometry.t_start, geometry.n_times
    L = plan.log2_stride
    joint = plan.format == "joint"
    dtype = x.dtype

    # -- time scattering: S0, S1 and the complex Y2 of every n2 -----------------
    plan1 = plan_1d(plan.J, plan.Q1, plan.Q2, 2, L, True)
    S01 = ops.empty((n, 1 + plan.K1, nt), dtype)
    position = {b: i for i, b in enumerate(plan.n2s)}
    Y2 = [None] * len(plan.n2s)

    def collect(group, block, W):
        for i, b in enumerate(range(block.n2.start, block.n2.stop)):
            p = position[b]
            if Y2[p] is None:  # (n, T2, n1_max): log-frequency last, for the matrices
                Y2[p] = ops.empty((n, W.shape[-1], plan.n1_max[p]), W.dtype)
            Y2[p][:, :, group.n1] = xp.swapaxes(W[:, :, i], 1, 2)

    time_tape = {} if tape is not None else None
    scattering1d(
        x,
        ops,
        bank,
        plan1,
        geometry,
        max_order=2,
        average=True,
        out=S01,
        tape=time_tape,
        periodization="sum",
        second_order=collect,
    )
    if tape is not None:
        tape["time"] = time_tape
        tape["plan1"] = plan1
        tape["Y2"] = Y2

    def emit(order_paths, values_by_group, groups):
        """Write the groups' results ``(n, K, R, nt)`` in output order."""
        index = {}
        for g, group in enumerate(groups):
            for i, f in enumerate(group.filters):
                index[int(f)] = (g, i)
        for f in order_paths:
            g, i = index[f]
            rows = groups[g].rows[i]
            yield values_by_group[g][:, i, :rows]

    channel = 0
    path = 0

    def put(value):
        nonlocal channel, path
        if joint:
            out[:, path] = value
            path += 1
        else:
            r = value.shape[1]
            out[:, channel : channel + r] = value
            channel += r

    if not joint:
        out[:, 0] = S01[:, 0]
        channel, path = 1, 1

    # -- first order: |S1 * psi_fr|, averaged by phi_F (spin != 0) ---------------
    S1 = xp.swapaxes(S01[:, 1:], 1, 2)  # (n, nt, K1)
    R1 = []
    V1 = frequency_scattering(S1, operators, plan.groups1, ("fr1",), tape)
    for V, group in zip(V1, plan.groups1, strict=True):
        R1.append(xp.moveaxis(_modulus_average(ops, V, operators, group), 1, -1))
    order1 = [f for (o, _, f, _, _) in plan.paths if o == 1]
    for value in emit(order1, R1, plan.groups1):
        put(value)

    # -- second order: ||Y2 * psi_fr| * phi_T| * phi_F --------------------------
    for p, b in enumerate(plan.n2s):
        groups = plan.groups2[p]
        res = plan.res2[p]
        V2 = frequency_scattering(Y2[p], operators, groups, ("fr2", p), tape)
        R2 = []
        for V, group in zip(V2, groups, strict=True):
            U = _modulus_average(ops, V, operators, group)  # (n, T2, K, R)
            # average in time (time last), crop to the output grid
            St = _lowpass_last(ops, xp.moveaxis(U, 1, -1), bank.phi[res], 2 ** (L - res), 2.0**res)
            R2.append(St[..., t0 : t0 + nt])  # (n, K, R, nt)
        order2 = [f for (o, b2, f, _, _) in plan.paths if o == 2 and b2 == b]
        for value in emit(order2, R2, groups):
            put(value)
    return out
