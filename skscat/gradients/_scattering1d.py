"""Vector-Jacobian product of Scattering1D, mirroring :mod:`skscat.scattering.core1d`.

The forward pass is the estimator's own cascade run with a tape that keeps
the complex wavelet coefficients entering each modulus (``tape[(g,)]`` for the
first-order group ``g``, ``tape[(g, b)]`` for its second-order block ``b``);
the backward pass walks the same groups and blocks in reverse with the
adjoints of :mod:`skscat.gradients._adjoint_ops`.
"""

from __future__ import annotations

from . import _adjoint_ops as adj


def forward(est, X, backend):
    """Coefficients of a batch (``(n, n_paths, n_times)``) and the tape."""
    tape = {}
    out = est._cascade(X, backend, tape=tape)
    return out, tape


def backward(est, X, tape, G, backend):
    """Gradient of ``<S(X), G>`` with respect to ``X`` (``(n, N)``), given the tape."""
    n = X.shape[0]
    G = G.reshape(n, est.n_paths_, est._geometry_.n_times)
    return cascade_backward(backend, tape, G, est._geometry_, est._plan(), est.average_)


def cascade_backward(
    backend, tape, G, geometry, plan, average, *, periodization="mean", second_order_grad=None
):
    """Back-propagation through :func:`skscat.scattering.core1d.scattering1d`.

    ``G`` is the gradient with respect to its ``out`` (``(n, channels, n_times)``);
    ``periodization`` is the forward's. With ``second_order_grad`` (the
    forward ran with a ``second_order`` hook), ``second_order_grad(g, b)``
    returns the gradient with respect to the complex coefficients the hook
    received for group ``g``, block ``b`` (or None), and ``G`` covers orders 0
    and 1 only.
    """
    bank = tape["bank"]
    log2_T = geometry.log2_T
    t0, nt = geometry.t_start, geometry.n_times
    n = G.shape[0]
    xp = adj._xp(backend)
    summed = periodization == "sum"

    def lowpass_adjoint(g, res, length):
        """Gradient with respect to the spectrum (``length`` points) at resolution ``res``."""
        k = 2 ** (log2_T - res)
        s = adj.crop_adjoint(backend, g, (length // k,), (t0,))
        if summed and res:
            s = s * 2**res
        gA = adj.ifft_real_adjoint(backend, s, 1)
        return adj.filter_subsample_adjoint(backend, gA, bank.phi[res], k, 1)

    def modulus_back(gU, W, filters, k):
        """Back through ``U = |ifft(P_k(U_prev_hat filters))|``: gradient wrt ``U_prev_hat``."""
        gW = adj.modulus_adjoint(backend, gU, W)
        return wavelet_back(gW, filters, k)

    def wavelet_back(gW, filters, k):
        """Back through ``W = ifft(P_k(U_prev_hat filters))``."""
        return adj.filter_subsample_adjoint(
            backend, adj.ifft_adjoint(backend, gW, 1), filters, 2**k, 1
        )

    Np = geometry.N_padded
    if average:
        gU0_hat = lowpass_adjoint(G[:, 0], 0, Np)
        gx = 0
    else:
        gU0_hat = 0
        gx = G[:, 0]
    for gi, group in enumerate(plan):
        k1 = group.k1
        W1 = tape[(gi,)]
        size1 = W1.shape[-1]
        g_out = G[:, 1 + group.n1.start : 1 + group.n1.stop]
        gU1_hat = lowpass_adjoint(g_out, k1, size1) if average else 0
        gU1 = 0 if average else adj.crop_adjoint(backend, g_out, (size1,), (t0,))
        for bi, block in enumerate(group.blocks):
            k2 = block.k2
            scale = group.scale2 * (2**k1 if summed else 1)
            if second_order_grad is not None:
                gW2 = second_order_grad(gi, bi)
                if gW2 is not None:
                    psi2 = bank.block("psi2", k1, block.n2, scale)
                    gU1_hat = gU1_hat + wavelet_back(gW2, psi2, k2)
                continue
            W2 = tape[(gi, bi)]
            size2 = W2.shape[-1]
            g2 = G[:, block.channels].reshape(W2.shape[:-1] + (nt,))
            if average:
                gU2 = adj.fft_real_adjoint(backend, lowpass_adjoint(g2, k1 + k2, size2), 1)
            else:
                gU2 = adj.crop_adjoint(backend, g2, (size2,), (t0,))
            psi2 = bank.block("psi2", k1, block.n2, scale)
            gU1_hat = gU1_hat + modulus_back(gU2, W2, psi2, k2)
        if not isinstance(gU1_hat, int):
            gU1 = gU1 + adj.fft_real_adjoint(backend, gU1_hat, 1)
        if isinstance(gU1, int):
            continue
        gU0_hat = gU0_hat + modulus_back(gU1, W1, bank.block("psi1", 0, group.n1), k1)
    if not isinstance(gU0_hat, int):
        gxp = adj.fft_real_adjoint(backend, gU0_hat, 1)
        pad = ((geometry.pad_left, geometry.pad_right),)
        gx = gx + adj.pad_reflect_adjoint(backend, gxp, pad, 1)
    return xp.reshape(gx, (n, -1))


def tape_bytes_per_sample(est) -> int:
    """Rough working memory of one sample's forward tape and backward pass."""
    return 4 * est._bytes_per_sample()
