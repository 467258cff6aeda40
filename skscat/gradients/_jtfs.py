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


def _frequency_back(backend, xp, gU_groups, tape, key, fb, groups, N_fr, m, real):
    """Adjoint of ``core_jtfs.frequency_scattering``: gradient wrt its ``(n, T, m)`` input."""
    total = 0
    for g, (gU, group) in enumerate(zip(gU_groups, groups, strict=True)):
        if gU is None:
            continue
        V = tape[(key, g)]
        gV = adj.modulus_adjoint(backend, gU, V)
        gZh = adj.filter_subsample_adjoint(
            backend, adj.ifft_adjoint(backend, gV, 1), fb.psi_block(group.filters), 2**group.k, 1
        )
        total = total + gZh
    gZ = adj.fft_real_adjoint(backend, total, 1) if real else adj.fft_adjoint(backend, total, 1)
    return gZ[..., :m]


def backward(est, X, tape, G, backend):
    """Gradient of ``<S(X), G>`` with respect to ``X`` (``(n, N)``), given the tape."""
    xp = adj._xp(backend)
    plan, geometry = est._plan, est._geometry
    bank, fb = tape["bank"], tape["fb"]
    n = X.shape[0]
    G = G.reshape((n,) + est.output_shape_)
    joint = plan.format == "joint"
    t0, nt = geometry.t_start, geometry.n_times
    L, s = plan.log2_stride, plan.log2_stride_fr
    N_fr = plan.N_fr
    dtype = X.dtype

    # Split G into per-path slices in output order (the forward's ``put``).
    slices = []
    pos = 0 if joint else 1
    for order, n2, f, _, rows in plan.paths:
        if order == 0:
            continue
        if joint:
            slices.append(((order, n2, f), G[:, pos]))
            pos += 1
        else:
            slices.append(((order, n2, f), G[:, pos : pos + rows]))
            pos += rows
    by_path = dict(slices)

    def gathered(order, n2, group, R):
        """``(n, K, R, nt)`` gradient of a group's output (zeros for rows not output)."""
        g = xp.zeros((n, len(group.filters), R, nt), dtype=dtype)
        for i, f in enumerate(group.filters):
            v = by_path[(order, n2, int(f))]
            g[:, i, : v.shape[1]] = v
        return g

    def average_back(g, group, R_in):
        """Adjoint of ``_frequency_average``: ``(n, K, R', T)`` -> ``(n, K, T, R_in)``."""
        g = xp.swapaxes(g, -1, -2)  # (n, K, T, R')
        if group.averaged:
            k = group.k
            g = _lowpass_last_adjoint(backend, g, fb.phi_level(k), 2 ** (s - k), R_in, 1.0)
        return g

    G01 = xp.zeros((n, 1 + plan.K1, nt), dtype=dtype)
    if not joint:
        G01[:, 0] = G[:, 0]

    # -- first order ----------------------------------------------------------
    gU1 = []
    for group in plan.groups1:
        R_in = N_fr // 2**group.k
        R_out = N_fr // 2**group.k_total
        g = average_back(gathered(1, -1, group, R_out), group, R_in)  # (n, K, nt, R_in)
        gU1.append(xp.moveaxis(g, 1, 2))  # (n, nt, K, R_in)
    gS1 = _frequency_back(backend, xp, gU1, tape, "fr1", fb, plan.groups1, N_fr, plan.K1, True)
    G01[:, 1:] = xp.swapaxes(gS1, 1, 2)

    # -- second order -----------------------------------------------------------
    gY2 = []
    for p, b in enumerate(plan.n2s):
        groups = plan.groups2[p]
        res = plan.res2[p]
        T2 = tape["Y2"][p].shape[-1]
        n_full = T2 // 2 ** (L - res)
        gU2 = []
        for group in groups:
            R_in = N_fr // 2**group.k
            R_out = N_fr // 2**group.k_total
            g = average_back(gathered(2, b, group, R_out), group, R_in)  # (n, K, nt, R_in)
            if not (group.averaged or joint):
                g = g[..., : max(group.rows)]
            g = xp.swapaxes(g, -1, -2)  # (n, K, R, nt)
            g = adj.crop_adjoint(backend, g, (n_full,), (t0,))
            g = _lowpass_last_adjoint(backend, g, bank.phi[res], 2 ** (L - res), T2, 2.0**res)
            g = xp.moveaxis(g, -1, 1)  # (n, T2, K, R)
            R = g.shape[-1]
            if R < R_in:
                full = xp.zeros(g.shape[:-1] + (R_in,), dtype=dtype)
                full[..., :R] = g
                g = full
            gU2.append(g)
        m = plan.n1_max[p]
        gYt = _frequency_back(backend, xp, gU2, tape, ("fr2", p), fb, groups, N_fr, m, False)
        gY2.append(xp.swapaxes(gYt, 1, 2))  # (n, m, T2)

    position = {b: i for i, b in enumerate(plan.n2s)}
    plan1 = tape["plan1"]

    def second_order_grad(gi, bi):
        group = plan1[gi]
        block = group.blocks[bi]
        parts = [gY2[position[b]][:, group.n1] for b in range(block.n2.start, block.n2.stop)]
        return xp.stack(parts, axis=2)  # (n, K1g, K2b, T2)

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
