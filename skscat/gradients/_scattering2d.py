"""Vector-Jacobian product of Scattering2D, mirroring :mod:`skscat.scattering.core2d`.

The forward pass is the estimator's own cascade (same filters, padding and
code, so the values equal ``transform``'s), run with a tape that keeps the
complex wavelet coefficients entering each non-linearity. The backward pass
walks the same tree of paths in reverse, in full spectra:

* low-pass ``S = crop(Re(ifft(P_k(U phi))))`` (``P_k`` the periodisation):
  ``gU += P_k*(fft(crop*(gS)) / N) phi``;
* wavelet step ``U' = fft(rho(W))``, ``W = ifft(P_k(U psi))``:
  ``gU += P_k*(fft(rho'*(Re(ifft(gU')), W))) psi`` summed over orientations
  (the FFT size factors of the two adjoints cancel);
* input: ``gx = pad*(Re(N ifft(gU0)))``.
"""

from __future__ import annotations

from ..scattering._paths2d import channel_index_2d
from . import _adjoint_ops as adj


def forward(est, X, backend):
    """Coefficients of a batch (``(n, n_paths, h, w)`` or ``(n, n_paths)``) and the tape."""
    tape = {}
    out = est._cascade(X, backend, tape=tape)
    return out, tape


def backward(est, X, tape, G, backend):
    """Gradient of ``<S(X), G>`` with respect to ``X`` (``(n, H*W)``), given the tape."""
    bank = tape["bank"]
    J = bank.J
    K = est._channels()
    relu = est.nonlinearity == "relu"
    A = est.n_phases
    Mp, Np = est.padded_shape_
    h, w = est.output_shape_
    n = X.shape[0]
    index = channel_index_2d(J, K, est.max_order)
    ifft, fft = backend.ifft, backend.fft
    G = G.reshape((n, est.n_paths_) + (() if est.average else (h, w)))
    grid_J = (Mp // 2**J, Np // 2**J)

    def lowpass_adjoint(g, res):
        """Gradient with respect to the full spectrum at resolution ``res``."""
        if est.average:
            g = adj.mean_adjoint(backend, g, (h, w))
        s = adj.crop_adjoint(backend, g, grid_J, (1, 1))
        gA = adj.ifft_real_adjoint(backend, s, 2)
        return adj.filter_subsample_adjoint(backend, gA, bank.phi[res], 2 ** (J - res), 2)

    def wavelet_adjoint(gU, W, j, res):
        """Back through ``U' = fft(rho(ifft(P_k(U psi_j))))``."""
        gM = ifft(gU, 2).real
        if relu:
            gW = adj.phase_relu_adjoint(backend, gM, W, A, 2)
        else:
            gW = adj.modulus_adjoint(backend, gM, W)
        return adj.filter_subsample_adjoint(
            backend, fft(gW, 2), bank.psi[j][res], 2 ** (j - res), 2
        )

    gU0 = lowpass_adjoint(G[:, 0], 0)
    for j1 in range(J):
        gU1 = lowpass_adjoint(G[:, index[(j1,)]], j1)
        if est.max_order >= 2:
            for j2 in range(j1 + 1, J):
                g2 = G[:, index[(j1, j2)]]
                g2 = g2.reshape((n, K, K) + g2.shape[2:])
                gU1 = gU1 + wavelet_adjoint(lowpass_adjoint(g2, j2), tape[(j1, j2)], j2, j1)
        gU0 = gU0 + wavelet_adjoint(gU1, tape[(j1,)], j1, 0)
    gx = adj.fft_real_adjoint(backend, gU0, 2)
    gx = adj.pad_reflect_adjoint(backend, gx, est._pad_width(), 2)
    return gx.reshape(n, -1)


def tape_bytes_per_sample(est) -> int:
    """Rough working memory of one sample's forward tape and backward pass."""
    return 4 * est._bytes_per_sample() * max(1, est.J)
