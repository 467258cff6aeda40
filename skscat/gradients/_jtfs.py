"""Vector-Jacobian product of TimeFrequencyScattering, mirroring
:mod:`skscat.scattering.core_jtfs`.

The forward pass is the estimator's own cascade run with a tape: the temporal
cascade's (complex first-order wavelet coefficients), the second-order
wavelet coefficients ``Y2`` of every ``n2`` and the frequential wavelet
coefficients entering each modulus. The backward pass walks the frequential
steps in reverse (averages, modulus, frequential wavelets, zero padding) and
hands the gradients with respect to ``S0``, ``S1`` and ``Y2`` to the temporal
cascade's adjoint (:func:`skscat.gradients._scattering1d.cascade_backward`).
"""

from __future__ import annotations

from .._blas import blas_threads
from . import _adjoint_ops as adj
from ._scattering1d import cascade_backward


def forward(est, X, backend):
    """Coefficients of a batch (``(n, *output_shape_)``) and the tape."""
    tape = {}
    out = est._cascade(X, backend, tape=tape)
    return out, tape


def _lowpass_last_adjoint(backend, g, phi, k: int, n: int, scale: float):
    """Adjoint of ``core_jtfs._lowpass_last`` (real ``(..., n)`` -> ``(..., n / k)``)."""
    if scale != 1:
        g = g * scale
    gA = adj.ifft_real_adjoint(backend, g, 1)
    return adj.fft_real_adjoint(backend, adj.filter_subsample_adjoint(backend, gA, phi, k, 1), 1)


def _frequency_back(backend, xp, gR_groups, tape, key, operators, groups, real):
    """Adjoint of ``core_jtfs._modulus_average`` after ``frequency_scattering``.

    ``gR_groups`` holds, per group, the gradient ``(n, T, K, rows')`` with
    respect to the (averaged) moduli; returns the gradient ``(n, T, m)`` with
    respect to the input of the frequential matrices.
    """
    with blas_threads(1):  # short inner dimensions: as in the forward
        total = _frequency_back_products(backend, xp, gR_groups, tape, key, operators, groups)
    return total.real if real else total


def _frequency_back_products(backend, xp, gR_groups, tape, key, operators, groups):
    total = 0
    for g, (gR, group) in enumerate(zip(gR_groups, groups, strict=True)):
        V = tape[key + (g,)]  # (n, T, K, rows)
        gU = gR @ operators[("avg", group.k)].T if group.averaged else gR
        gV = adj.modulus_adjoint(backend, gU, V)
        M = operators[key + (g,)]  # (m, K * rows)
        n, T = V.shape[:2]
        total = total + gV.reshape(n * T, -1) @ xp.conj(M).T
    return total.reshape(n, T, -1)


def backward(est, X, tape, G, backend):
    """Gradient of ``<S(X), G>`` with respect to ``X`` (``(n, N)``), given the tape."""
    xp = adj._xp(backend)
    plan, geometry = est._plan_, est._geometry_
    bank, operators = tape["time"]["bank"], tape["operators"]
    n = X.shape[0]
    G = G.reshape((n,) + est.output_shape_)
    joint = plan.format == "joint"
    t0, nt = geometry.t_start, geometry.n_times
    L = plan.log2_stride
    N_fr = plan.N_fr
    dtype = X.dtype

    # Split G into per-path slices in output order (the forward's ``put``).
    by_path = {}
    pos = 0 if joint else 1
    for order, n2, f, _, rows in plan.paths:
        if order == 0:
            continue
        if joint:
            by_path[(order, n2, f)] = G[:, pos]
            pos += 1
        else:
            by_path[(order, n2, f)] = G[:, pos : pos + rows]
            pos += rows

    def gathered(order, n2, group):
        """``(n, K, rows', nt)`` gradient of a group's output (zeros for rows not output)."""
        R = N_fr // 2**group.k_total if (group.averaged or joint) else max(group.rows)
        g = xp.zeros((n, len(group.filters), R, nt), dtype=dtype)
        for i, f in enumerate(group.filters):
            v = by_path[(order, n2, int(f))]
            g[:, i, : v.shape[1]] = v
        return g

    G01 = xp.zeros((n, 1 + plan.K1, nt), dtype=dtype)
    if not joint:
        G01[:, 0] = G[:, 0]

    # -- first order ----------------------------------------------------------
    gR1 = [xp.moveaxis(gathered(1, -1, group), -1, 1) for group in plan.groups1]
    gS1 = _frequency_back(backend, xp, gR1, tape, ("fr1",), operators, plan.groups1, True)
    G01[:, 1:] = xp.swapaxes(gS1, 1, 2)

    # -- second order -----------------------------------------------------------
    gY2 = []
    for p, b in enumerate(plan.n2s):
        groups = plan.groups2[p]
        res = plan.res2[p]
        T2 = tape["Y2"][p].shape[1]
        n_full = T2 // 2 ** (L - res)
        gR2 = []
        for group in groups:
            g = adj.crop_adjoint(backend, gathered(2, b, group), (n_full,), (t0,))
            g = _lowpass_last_adjoint(backend, g, bank.phi[res], 2 ** (L - res), T2, 2.0**res)
            gR2.append(xp.moveaxis(g, -1, 1))  # (n, T2, K, rows')
        gY2.append(_frequency_back(backend, xp, gR2, tape, ("fr2", p), operators, groups, False))

    position = {b: i for i, b in enumerate(plan.n2s)}
    plan1 = tape["plan1"]

    def second_order_grad(gi, bi):
        group = plan1[gi]
        block = group.blocks[bi]
        parts = [gY2[position[b]][:, :, group.n1] for b in range(block.n2.start, block.n2.stop)]
        return xp.swapaxes(xp.stack(parts, axis=2), 1, 3)  # (n, K1g, K2b, T2)

    return cascade_backward(
        backend,
        tape["time"],
        G01,
        geometry,
        plan1,
        True,
        periodization="sum",
        second_order_grad=second_order_grad,
    )


def tape_bytes_per_sample(est) -> int:
    """Rough working memory of one sample's forward tape and backward pass."""
    return 4 * est._bytes_per_sample()
