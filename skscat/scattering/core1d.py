"""The 1-D scattering cascade, written once against the backend operations.

Python loops run over filter groups (first-order filters of equal ``j1``, and
runs of second-order filters of equal sub-sampling) only; every operation is
batched over samples and over the filters of a group (at order 2, over both
filters of the path). A group whose arrays would exceed ``_BLOCK_BYTES`` runs
in chunks of its first-order filters.
"""

from __future__ import annotations

import numpy as np

from ..filters.morlet1d import FilterBank1D
from ._paths1d import Geometry1D


def pad_signal(x, backend, geometry: Geometry1D):
    """Reflect-pad the last axis of ``x`` to ``geometry.N_padded``.

    Padding wider than the signal (short signals) reflects repeatedly, as
    :func:`numpy.pad` does; it is done by an index gather since backends only
    reflect once.
    """
    left, right, N = geometry.pad_left, geometry.pad_right, geometry.N
    if left == 0 and right == 0:
        return x
    if max(left, right) < N:
        return backend.pad_reflect(x, ((left, right),), 1)
    index = np.pad(np.arange(N), (left, right), mode="reflect")
    return x[..., backend.asarray(index)]


# Largest complex block (bytes) a group computes at once: bigger groups run in
# chunks of first-order filters. Blocks this size are recycled by the C
# allocator (glibc maps blocks above 32 MiB afresh, page by page, at every
# call) and fit in a last-level cache. At 200 x 4096, J=6, Q=8 (batches of
# 65 signals, whole groups of up to 42 MiB in float32, 85 MiB in float64)
# this measured about 20% faster in float64 and 5% in float32, one thread.
# Host arrays only.
_BLOCK_BYTES = 16 * 2**20


def _filter_chunks(group, n, N, dtype, whole=False):
    """Slices of the group's first-order filters (relative to ``group.n1``)
    computed together: all of them if ``whole`` (the tape and the
    ``second_order`` callback see whole groups) or if they fit in
    ``_BLOCK_BYTES``."""
    K1 = group.n1.stop - group.n1.start
    # complex values per sample and first-order filter, largest over the group's blocks
    per_filter = N // 2**group.k1
    for block in group.blocks:
        K2 = block.n2.stop - block.n2.start
        per_filter = max(per_filter, K2 * (N // 2 ** (group.k1 + block.k2)))
    size = n * per_filter * 2 * np.dtype(dtype).itemsize
    step = K1 if whole else max(1, min(K1, _BLOCK_BYTES // max(size, 1)))
    return [slice(a, min(K1, a + step)) for a in range(0, K1, step)]


def scattering1d(
    x,
    backend,
    bank: FilterBank1D,
    plan: tuple,
    geometry: Geometry1D,
    *,
    max_order: int,
    average: bool,
    out,
    tape=None,
    periodization: str = "mean",
    second_order=None,
):
    """Scattering coefficients of a batch of signals, written into ``out``.

    Parameters
    ----------
    x : array of shape (n, N)
        Real signals (backend array).
    backend : backend instance
        Supplies ``pad_reflect``, ``rfft``, ``irfft``, ``ifft``,
        ``filter_subsample_hermitian``, ``lowpass_hermitian`` and ``modulus``.
    bank : FilterBank1D
        Fourier filters on the padded grid.
    plan : tuple of Group1
        The filter groups (:func:`skscat.scattering._paths1d.plan_1d`).
    geometry : Geometry1D
        Padding and output time grid.
    max_order : {1, 2}
    average : bool
        Low-pass and sub-sample by ``2**log2_T`` (Kymatio's output); otherwise
        every path's modulus at full rate on the input's samples (order 0 is
        the signal itself).
    out : array of shape (n, n_paths, n_times)
        Receives the coefficients, paths in Kymatio's order.
    tape : dict or None
        If given, receives the bank (``tape["bank"]``) and the complex wavelet
        coefficients before each modulus: ``tape[(g,)]`` of shape
        ``(n, K1, N / 2**k1)`` for first-order group ``g`` and ``tape[(g, b)]``
        of shape ``(n, K1, K2, N / 2**(k1 + k2))`` for its second-order block
        ``b``; :mod:`skscat.gradients` back-propagates through them.
    periodization : {"mean", "sum"}, default="mean"
        How the filters applied to a signal sub-sampled by ``2**k`` are
        periodised: by the mean of their ``2**k`` aliases (Kymatio 0.3, which
        :class:`~skscat.scattering.Scattering1D` reproduces) or by their sum
        (Kymatio's main branch after its issue 984, which the joint
        time-frequency scattering reproduces). ``"sum"`` multiplies every
        low-pass and second-order wavelet used at resolution ``2**k`` by ``2**k``.
    second_order : callable or None
        If given, called as ``second_order(group, block, W)`` with the complex
        second-order wavelet coefficients ``W`` of each block (shape
        ``(n, K1, K2, N / 2**(k1 + k2))``, on the padded grid) instead of
        taking their modulus and average; ``out`` then receives orders 0 and 1
        only, and may have ``1 + K1`` channels.
    """
    ops = backend
    n = x.shape[0]
    N = bank.N
    log2_T = geometry.log2_T
    t0, nt = geometry.t_start, geometry.n_times
    if periodization not in ("mean", "sum"):
        raise ValueError(f"periodization must be 'mean' or 'sum', got {periodization!r}.")
    summed = periodization == "sum"

    # Every signal entering an FFT is real (the padded signal, a modulus), so
    # spectra are half spectra (rfft); the analytic wavelets need the full
    # spectrum (filter_subsample_hermitian rebuilds it), the real symmetric
    # low-pass keeps half spectra, which go back by irfft.
    def lowpass(U_half, res):
        """``U * phi`` sub-sampled to the output grid, from resolution ``2**res``."""
        n_res, k = N // 2**res, 2 ** (log2_T - res)
        S = ops.irfft(ops.lowpass_hermitian(U_half, bank.phi[res], k, 1, n_res), n_res // k, 1)
        S = S[..., t0 : t0 + nt]
        return S * 2**res if summed and res else S

    def wavelet_modulus(U_half, filters, res, k, key):
        """``|U * psi|`` for each filter, from resolution ``2**res``, sub-sampled by ``2**k``."""
        W = ops.ifft(ops.filter_subsample_hermitian(U_half, filters, 2**k, 1, N // 2**res), 1)
        if tape is not None:
            tape[key] = W
        return ops.modulus(W)

    if tape is not None:
        tape["bank"] = bank
    U0 = ops.rfft(pad_signal(x, ops, geometry), 1)
    out[:, 0] = lowpass(U0, 0) if average else x
    # device arrays come from memory pools and gain from large launches: whole groups
    whole = tape is not None or second_order is not None or not isinstance(out, np.ndarray)
    for g, group in enumerate(plan):
        k1 = group.k1
        K1 = group.n1.stop - group.n1.start
        for rows in _filter_chunks(group, n, N, out.dtype, whole):
            n1 = slice(group.n1.start + rows.start, group.n1.start + rows.stop)
            U1 = wavelet_modulus(U0, bank.block("psi1", 0, n1), 0, k1, (g,))  # (n, K1, N / 2**k1)
            channels = slice(1 + n1.start, 1 + n1.stop)
            if not average:
                out[:, channels] = U1[..., t0 : t0 + nt]
            if not (average or group.blocks):
                continue
            U1 = ops.rfft(U1, 1)
            if average:
                out[:, channels] = lowpass(U1, k1)
            for b, block in enumerate(group.blocks):
                k2 = block.k2
                psi2 = bank.block("psi2", k1, block.n2, group.scale2 * (2**k1 if summed else 1))
                if second_order is not None:
                    n_in = N // 2**k1
                    W = ops.ifft(ops.filter_subsample_hermitian(U1, psi2, 2**k2, 1, n_in), 1)
                    second_order(group, block, W)
                    continue
                U2 = wavelet_modulus(U1, psi2, k1, k2, (g, b))  # (n, K1, K2, N / 2**(k1 + k2))
                S2 = lowpass(ops.rfft(U2, 1), k1 + k2) if average else U2[..., t0 : t0 + nt]
                ch = block.channels
                if rows.stop - rows.start < K1:
                    ch = ch.reshape(K1, -1)[rows].ravel()
                out[:, ch] = S2.reshape((n, -1, nt))
    return out
