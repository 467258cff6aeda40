"""The 2-D scattering cascade, written once against the backend operations.

Python loops run over scales only; every operation is batched over samples and
orientations (and, at order 2, over both orientations of the path).
"""

from __future__ import annotations

from ..filters.lowpass_matrices import lowpass_cost_ratio, lowpass_matrices_2d
from ..filters.morlet2d import FilterBank2D
from ._nonlinearities import rectify
from ._paths2d import channel_index_2d

# Bytes of second-order wavelet maps computed at a time (see ``scattering2d``).
_CHUNK_BYTES = 8 * 2**20


def scattering2d(
    x,
    backend,
    bank: FilterBank2D,
    *,
    max_order: int,
    pad_width: tuple,
    out_hw: tuple,
    average: bool,
    out,
    nonlinearity: str = "modulus",
    n_phases: int = 1,
    tape: dict | None = None,
):
    """Scattering coefficients of a batch of images, written into ``out``.

    Parameters
    ----------
    x : array of shape (n, H, W)
        Real images (backend array).
    backend : backend instance
        Supplies ``pad_reflect``, ``rfft``, ``irfft``, ``ifft``,
        ``filter_subsample_hermitian``, ``lowpass_hermitian``, ``modulus``
        and, if it has it, ``lowpass_spatial`` (the last order's low-pass in
        space; without it the Fourier low-pass is used throughout).
    bank : FilterBank2D
        Fourier filters on the padded grid.
    max_order : {1, 2}
    pad_width : ((top, bottom), (left, right))
        Reflect padding to the bank's grid.
    out_hw : (h, w)
        Output positions per path; the first row and column of the
        sub-sampled grid belong to the padding and are skipped.
    average : bool
        Mean over positions instead of the spatial map.
    out : array of shape (n, n_paths, h, w) or (n, n_paths)
        Receives the coefficients, channels in Kymatio's order.
    nonlinearity : {"modulus", "relu"}, default="modulus"
        ``"relu"`` replaces ``|z|`` by ``max(Re(exp(i alpha) z), 0)`` over
        ``n_phases`` phases, so every wavelet gives ``L * n_phases`` channels
        (orientation-major, phase-minor).
    n_phases : int, default=1
        Number of phases of ``"relu"``.
    tape : dict or None
        If given, receives the complex wavelet coefficients before the
        non-linearity, ``tape[(j1,)]`` of shape ``(n, L, ...)`` and
        ``tape[(j1, j2)]`` of shape ``(n, K, L, ...)`` with ``K`` channels per
        wavelet; :mod:`skscat.gradients` back-propagates through them.
    """
    J, L = bank.J, bank.L
    h, w = out_hw
    M, N = bank.shape
    K = L * n_phases if nonlinearity == "relu" else L
    index = channel_index_2d(J, K, max_order)
    ops = backend
    dtype = str(bank.phi[0].dtype)

    # Every signal entering an FFT is real (the padded image, a modulus), so
    # spectra are half spectra (rfft); the low-pass is real and symmetric in
    # Fourier, so low-passed spectra stay half spectra and go back by irfft.
    def lowpass(U_hat, res):
        n_res = N // 2**res
        k = 2 ** (J - res)
        S = ops.irfft(ops.lowpass_hermitian(U_hat, bank.phi[res], k, 2, n_res), n_res // k, 2)
        S = S[..., 1 : 1 + h, 1 : 1 + w]
        return S.mean(axis=(-2, -1)) if average else S

    # A map whose spectrum no further order needs (the last order) is
    # low-passed in space instead: the low-pass, periodisation and crop are
    # separable, so they are two small matrices, ``rows @ u @ cols.T``, fused
    # with the non-linearity. That skips a forward and an inverse FFT per map;
    # it is taken where it costs fewer operations than the FFTs (small maps).
    def spatial_matrices(res):
        kept = (1, 1) if average else (h, w)
        if lowpass_cost_ratio((M // 2**res, N // 2**res), kept) > 2.0:
            return None
        mats = lowpass_matrices_2d(M, N, J, L, res, (h, w), average, dtype)
        return None if mats is None else tuple(ops.asarray(a) for a in mats)

    def wavelet(U_hat, j, res, key):
        W = ops.filter_subsample_hermitian(U_hat, bank.psi[j][res], 2 ** (j - res), 2, N // 2**res)
        W = ops.ifft(W, 2)
        if tape is not None:
            tape[key] = W
        return W

    def lowpass_last(W, j):
        """Low-pass of the non-linearity of ``W`` (resolution ``j``), no spectrum kept."""
        mats = spatial_matrices(j)
        if mats is None:
            return lowpass(ops.rfft(rectify(W, nonlinearity, n_phases, 2, ops), 2), j)
        if nonlinearity == "modulus":
            S = ops.lowpass_spatial(W, *mats, 2, modulus=True)
        else:
            S = ops.lowpass_spatial(rectify(W, nonlinearity, n_phases, 2, ops), *mats, 2)
        return S[..., 0, 0] if average else S

    n = x.shape[0]
    U0 = ops.rfft(ops.pad_reflect(x, pad_width, 2), 2)
    out[:, 0] = lowpass(U0, 0)
    for j1 in range(J):
        W1 = wavelet(U0, j1, 0, (j1,))  # (n, K, ...)
        if max_order < 2 or j1 == J - 1:
            out[:, index[(j1,)]] = lowpass_last(W1, j1)
            continue
        U1 = ops.rfft(rectify(W1, nonlinearity, n_phases, 2, ops), 2)
        del W1
        out[:, index[(j1,)]] = lowpass(U1, j1)
        for j2 in range(j1 + 1, J):
            # images a few at a time: the K * K maps of a path are the largest
            # intermediates, and in chunks they stay in cache from the filter
            # product through the inverse FFT to the low-pass
            size = K * K * (M // 2**j2) * (N // 2**j2) * U1.itemsize
            step = n if tape is not None else max(1, min(n, _CHUNK_BYTES // size))
            for i in range(0, n, step):
                rows = slice(i, min(n, i + step))
                S2 = lowpass_last(wavelet(U1[rows], j2, j1, (j1, j2)), j2)  # (c, K, K, ...)
                out[rows, index[(j1, j2)]] = S2.reshape((S2.shape[0], K * K) + S2.shape[3:])
    return out
