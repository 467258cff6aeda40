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
    bank = tape["bank"]
    geometry = est._geometry_
    average = est.average_
    log2_T = geometry.log2_T
    t0, nt = geometry.t_start, geometry.n_times
    n = X.shape[0]
    G = G.reshape(n, est.n_paths_, nt)
    xp = adj._xp(backend)

    def lowpass_adjoint(g, res, length):
        """Gradient with respect to the spectrum (``length`` points) at resolution ``res``."""
        k = 2 ** (log2_T - res)
        s = adj.crop_adjoint(backend, g, (length // k,), (t0,))
        gA = adj.ifft_real_adjoint(backend, s, 1)
        return adj.filter_subsample_adjoint(backend, gA, bank.phi[res], k, 1)

    def modulus_back(gU, W, filters, k):
        """Back through ``U = |ifft(P_k(U_prev_hat filters))|``: gradient wrt ``U_prev_hat``."""
        gW = adj.modulus_adjoint(backend, gU, W)
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
    for gi, group in enumerate(est._plan()):
        k1 = group.k1
        W1 = tape[(gi,)]
        size1 = W1.shape[-1]
        g_out = G[:, 1 + group.n1.start : 1 + group.n1.stop]
        gU1_hat = lowpass_adjoint(g_out, k1, size1) if average else 0
        gU1 = 0 if average else adj.crop_adjoint(backend, g_out, (size1,), (t0,))
        for bi, block in enumerate(group.blocks):
            k2 = block.k2
            W2 = tape[(gi, bi)]
            size2 = W2.shape[-1]
            g2 = G[:, block.channels].reshape(W2.shape[:-1] + (nt,))
            if average:
                gU2 = adj.fft_real_adjoint(backend, lowpass_adjoint(g2, k1 + k2, size2), 1)
            else:
                gU2 = adj.crop_adjoint(backend, g2, (size2,), (t0,))
            psi2 = bank.block("psi2", k1, block.n2, group.scale2)
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
