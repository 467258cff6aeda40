"""Vector-Jacobian product of RotoTranslationScattering2D, mirroring
:mod:`skscat.scattering.core_roto2d`.

The forward pass is the estimator's own cascade, run with a tape that keeps
the first-layer coefficients ``W1``, the angular convolutions ``Y`` and the
ring coefficients. The backward pass walks the paths in reverse, in full
spectra:

* ring spectra (``spatial="rings"``) ``c = |a - i b|`` with ``a = C v``,
  ``b = S v`` (rows of :func:`~skscat.scattering._rings.ring_spectrum_matrices`):
  ``gv = C^T (g a / c) + S^T (g b / c)``, and ``C^T g`` for the signed
  frequency 0; with ``spatial="rings+layout"`` the layout part's gradient
  is added to the selected paths' lattices (both parts read them);

* low-pass ``S = rows @ V @ cols.T`` of a real map ``V`` (the matrix form):
  ``gV = rows.T @ gS @ cols``; in the Fourier form
  ``S = crop(Re(ifft(P_k(fft(V) phi))))``:
  ``gV = Re(N ifft(P_k*(fft(crop*(gS)) / N) phi))``; with ``average=True``
  the mean over the image window spreads ``gS`` evenly over it;
* mean over orientation windows: ``gS`` repeated over the window, divided by
  its length;
* modulus ``|Y|``: ``g Y / |Y|``;
* angular convolution ``Y = P Re(W) + i Q Im(W)``: ``P^T Re(gY) + i Q^T Im(gY)``,
  then the gather by relative angle (a permutation of the second wavelets
  for each first angle, with conjugation where ``theta' + beta >= L``)
  scattered back;
* wavelet step ``W = ifft(P_k(fft(U) psi))``: ``gU = Re(N ifft(P_k*(fft(gW) / N) psi))``
  summed over the filters.
"""

from __future__ import annotations

import numpy as np

from ..filters.angular import angular_mixing
from ..scattering._rings import ring_spectra_adjoint
from ..scattering.core_roto2d import lowpass_operator, relative_gather
from . import _adjoint_ops as adj


def forward(est, X, backend):
    """Coefficients of a batch (``(n, n_paths, h, w)`` or ``(n, n_paths)``) and the tape."""
    tape = {}
    out = est._coefficients(X, backend, tape=tape)
    return out, tape


def backward(est, X, tape, G, backend):
    """Gradient of ``<S(X), G>`` with respect to ``X`` (``(n, H*W)``), given the tape."""
    xp = backend.xp
    bank = tape["bank"]
    J, L = bank.J, bank.L
    Mp, Np = est.padded_shape_
    H, W = est.shape_
    h, w = est.output_shape_
    n = X.shape[0]
    avg = est.average
    win = est._window()
    Gw = L // win
    dtype = str(bank.phi[0].dtype)
    (top, _), (left, _) = est._pad_width()
    offset = est._lattice_offset()
    P, Q = angular_mixing(L, dtype)
    n_ang = P.shape[0]
    PT = backend.asarray(np.ascontiguousarray(P.reshape(n_ang * L, L).T))
    QT = backend.asarray(np.ascontiguousarray(Q.reshape(n_ang * L, L).T))
    index, sign = relative_gather(L)
    sign = backend.asarray(sign.astype(dtype))
    index = backend.asarray(index)
    rows_idx = backend.asarray(np.arange(L)[:, None])
    if "rings" in tape:  # back through the ring spectra to the lattice of positions
        coefs, mats = tape["rings"]
        n_rings = est.n_paths_ * coefs[0].shape[-1]
        G = G.reshape(n, -1)
        G_layout = G[:, n_rings:]
        G = ring_spectra_adjoint(G[:, :n_rings].reshape(n, est.n_paths_, -1), coefs, mats, xp)
        if "layout" in tape:  # the layout part reads the same lattices: the gradients add
            sel = backend.asarray(tape["layout"])
            G[:, sel] += G_layout.reshape(n, sel.size, -1)
    G = G.reshape((n, est.n_paths_) + (() if avg else (h, w)))
    grid_J = (Mp // 2**J, Np // 2**J)

    def res_of(j):
        return 0 if avg else j

    def lowpass_adjoint(g, res):
        """Gradient with respect to the real map ``V`` at resolution ``res``."""
        if avg:
            g = adj.mean_adjoint(backend, g, (H, W))
            return adj.crop_adjoint(backend, g, (Mp, Np), (top, left))
        mats = lowpass_operator(bank, res, (h, w), offset, dtype)
        if mats is not None:  # the forward's S = rows @ V @ cols.T
            rows, cols = (backend.asarray(a) for a in mats)
            return rows.T @ g @ cols
        s = adj.crop_adjoint(backend, g, grid_J, (1, 1))
        gA = adj.ifft_real_adjoint(backend, s, 2)
        gV = adj.filter_subsample_adjoint(backend, gA, bank.phi[res], 2 ** (J - res), 2)
        return adj.fft_real_adjoint(backend, gV, 2)

    def window_adjoint(g, axis):
        """Adjoint of the mean over windows of ``win`` orientations (``Gw`` -> ``L``)."""
        return xp.repeat(g, win, axis=axis) / win

    def wavelet_adjoint(gW, j, res, k):
        """Back through ``W = ifft(P_k(fft(U) psi_j))`` to the real ``U``."""
        gF = adj.ifft_adjoint(backend, gW, 2)
        gS = adj.filter_subsample_adjoint(backend, gF, bank.psi[j][res], k, 2)
        return adj.fft_real_adjoint(backend, gS, 2)

    c = 1 + J * Gw
    gx_pad = lowpass_adjoint(G[:, 0], 0)
    for j1 in range(J):
        r1 = res_of(j1)
        W1 = tape[(j1,)]
        gU1 = window_adjoint(lowpass_adjoint(G[:, 1 + j1 * Gw : 1 + (j1 + 1) * Gw], r1), 1)
        if est.max_order >= 2:
            for j2 in range(j1 + 1, J):
                r2 = res_of(j2)
                m = n_ang * Gw * L
                g2 = G[:, c : c + m]
                c += m
                g2 = g2.reshape((n, n_ang, Gw, L) + g2.shape[2:])
                gA = window_adjoint(lowpass_adjoint(g2, r2), 2)  # (n, k, theta, beta, ...)
                gA = xp.moveaxis(gA, 0, 2)  # the tape's (k, theta, n, beta, ...)
                Y = tape[(j1, j2)]
                gY = adj.modulus_adjoint(backend, gA, Y)
                sp = gY.shape[-2:]
                gY = gY.reshape(n_ang * L, -1)
                g_re = (PT @ xp.ascontiguousarray(gY.real)).reshape((L, n, L) + sp)
                g_im = (QT @ xp.ascontiguousarray(gY.imag)).reshape((L, n, L) + sp)
                gWg = (g_re + 1j * (g_im * sign[:, None, :, None, None])).transpose(1, 0, 2, 3, 4)
                gW2 = xp.empty_like(gWg)
                gW2[:, rows_idx, index] = gWg
                gU1 = gU1 + wavelet_adjoint(gW2, j2, r1, 2 ** (r2 - r1))
        gW1 = adj.modulus_adjoint(backend, gU1, W1)
        gx_pad = gx_pad + wavelet_adjoint(gW1, j1, 0, 2**r1)
    gx = adj.pad_reflect_adjoint(backend, gx_pad, est._pad_width(), 2)
    return gx.reshape(n, -1)


def tape_bytes_per_sample(est) -> int:
    """Rough working memory of one sample's forward tape and backward pass."""
    # the tape holds every angular convolution, whichever backend
    return 4 * est._bytes_per_sample(fused=False) * max(1, est.J)
