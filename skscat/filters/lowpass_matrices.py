"""The low-pass step of a 2-D scattering as two small matrices.

The cascade's low-pass of a real map ``u`` at resolution ``res`` is

    S = crop(irfft2(P_k(rfft2(u) * phi_res)))

with ``P_k`` the Fourier periodisation (sub-sampling by ``k = 2**(J - res)`` in
space) and ``crop`` the ``(h, w)`` positions kept. Every step is linear and,
because ``phi`` is a Gaussian on a rectangular grid, separable:
``phi_res[a, b] = g_x[a] g_y[b]``. So ``S = rows @ u @ cols.T`` where ``rows``
(``h x M_res``) and ``cols`` (``w x N_res``) are the same steps along one axis,
obtained by applying them to the identity. For small maps this is cheaper than
the forward FFT it replaces (the cascade uses it where the map's spectrum is not
needed for a further order), and it gives the same numbers to rounding.
"""

from __future__ import annotations

import math

import numpy as np

from ._cache import cached_bank
from .morlet2d import morlet_filter_bank_2d

# Largest deviation of the low-pass from the product of its two axis profiles,
# relative to its maximum, for which the separable form is used.
_SEPARABILITY_TOL = 1e-10


def _axis_operator(g: np.ndarray, k: int, shift: float = 0.0) -> np.ndarray:
    """Matrix of ``v -> ifft(P_k(fft(v) * g))`` on signals of ``len(g)`` samples.

    Returns an ``(n // k, n)`` real array (``g`` is real and symmetric, so the
    operator maps real signals to real signals). A ``shift`` (in samples)
    reads the filtered signal at ``k p + shift`` instead of ``k p``: a
    translation by a phase ramp, exact for the band-limited low-pass.
    """
    n = g.size
    spectra = np.fft.fft(np.eye(n), axis=0) * g[:, None]
    if shift:
        f = np.fft.fftfreq(n, 1.0 / n)
        spectra = spectra * np.exp(2j * np.pi * f * shift / n)[:, None]
    folded = spectra.reshape(k, n // k, n).mean(axis=0)
    return np.fft.ifft(folded, axis=0).real


def lowpass_cost_ratio(shape_res: tuple, out_hw: tuple) -> float:
    """Multiply-adds of the matrix form relative to ``N log2 N`` of the FFT it avoids.

    The cascade takes the matrix form when this is at most 2 (the forward
    real FFT, the Fourier product and the inverse FFT of the Fourier form
    together cost about twice ``N log2 N`` multiply-adds per map in practice).
    """
    M, N = shape_res
    h, w = out_hw
    return w * (1.0 + h / N) / math.log2(max(M * N, 2))


@cached_bank
def lowpass_matrices_2d(
    M: int,
    N: int,
    J: int,
    L: int,
    res: int,
    out_hw: tuple,
    average: bool,
    dtype: str,
    offset: tuple = (0.0, 0.0),
):
    """``(rows, cols)`` such that the cascade's low-pass at ``res`` is ``rows @ u @ cols.T``.

    Parameters
    ----------
    M, N, J, L : int
        Parameters of the filter bank (:func:`morlet_filter_bank_2d`).
    res : int
        Resolution of the map (it lives on the ``(M / 2**res, N / 2**res)`` grid).
    out_hw : (h, w)
        Positions kept: rows and columns ``1 .. h`` and ``1 .. w`` of the
        ``(M / 2**J, N / 2**J)`` grid.
    average : bool
        Return the mean over the kept positions instead (``1 x M_res`` and
        ``1 x N_res`` matrices).
    dtype : {"float64", "float32"}
    offset : (dy, dx), default=(0.0, 0.0)
        Shift of the kept positions, in pixels of the full-resolution grid
        (any real number: the positions need not fall on pixels).

    Returns
    -------
    (rows, cols) : tuple of read-only ndarrays, or None
        None when the low-pass is not separable to rounding (never for the
        Morlet banks; the cascade then keeps the Fourier form).
    """
    phi = morlet_filter_bank_2d(M, N, J, L, "float64").phi[res]
    gx = phi[:, 0]
    gy = phi[0, :] / phi[0, 0]
    if np.abs(phi - np.outer(gx, gy)).max() > _SEPARABILITY_TOL * np.abs(phi).max():
        return None
    k = 2 ** (J - res)
    h, w = out_hw
    rows = _axis_operator(gx, k, offset[0] / 2**res)[1 : 1 + h]
    cols = _axis_operator(gy, k, offset[1] / 2**res)[1 : 1 + w]
    if average:
        rows = rows.mean(axis=0, keepdims=True)
        cols = cols.mean(axis=0, keepdims=True)
    out = []
    for a in (rows, cols):
        a = np.ascontiguousarray(a, dtype=dtype)
        a.flags.writeable = False
        out.append(a)
    return tuple(out)
