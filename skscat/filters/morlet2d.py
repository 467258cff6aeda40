"""Morlet 2-D filter bank (the constants of Kymatio 0.3), built in Fourier.

For scale ``j`` and angle index ``theta`` the wavelet has envelope width
``sigma = 0.8 * 2**j``, centre frequency ``xi = 3/4 * pi / 2**j``, slant ``4 / L``
and orientation ``(int(L - L/2 - 1) - theta) * pi / L``; the low-pass is a
Gaussian of width ``0.8 * 2**(J - 1)``. Filters are periodised on the padded
grid (a sum over the neighbouring periods), transformed to Fourier once, and
cropped/periodised for every sub-sampled resolution the cascade visits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from ._cache import cached_bank, readonly

# Kymatio 0.3 normalises its Gabor filters with this truncated value of pi;
# keeping it makes coefficients equal to Kymatio's instead of off by 3e-5.
_KYMATIO_PI = 3.1415
# Periodic copies whose Gaussian envelope stays below exp(-_TAIL) everywhere
# contribute nothing at double precision and are skipped.
_TAIL = 60.0


def _rotation_quadratic_form(theta: np.ndarray, sigma: float, slant: float) -> np.ndarray:
    """The quadratic form ``R D R^-1 / (2 sigma^2)`` for each angle, shape (K, 2, 2)."""
    c, s = np.cos(theta), np.sin(theta)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    diag = np.diag([1.0, slant * slant])
    return rot @ diag @ np.swapaxes(rot, -1, -2) / (2.0 * sigma * sigma)


def _gabor_sums(M, N, sigma, thetas, xi, slant, with_wave=True):
    """Periodised Gaussian envelopes and Gabor waves, before normalisation.

    Returns ``(wave, envelope)`` of shapes ``(K, M, N)`` (complex128, or None
    without ``with_wave``) and ``(K, M, N)`` (float64): the sums over the
    periods ``(ex, ey)`` in ``-2..2`` of ``exp(-q(x, y))`` and of
    ``exp(-q(x, y) + i xi (x cos theta + y sin theta))`` at ``x + ex M, y + ey N``.

    Only the box where the envelope exceeds ``exp(-_TAIL)`` (relative to its
    peak) is evaluated in each period; outside it the terms are below
    ``1e-26`` of the filter's maximum and do not change a double. The
    exponential is one real ``exp`` per point: the oscillation is separable,
    ``exp(i kx x) exp(i ky y)``, an outer product of two vectors.
    """
    form = _rotation_quadratic_form(thetas, sigma, slant)
    K = thetas.size
    envelope = np.zeros((K, M, N), dtype=np.float64)
    wave = np.zeros((K, M, N), dtype=np.complex128) if with_wave else None
    for t in range(K):
        a = form[t, 0, 0]
        b = form[t, 0, 1] + form[t, 1, 0]
        c = form[t, 1, 1]
        det = a * c - 0.25 * b * b
        # extent of the ellipse q(x, y) <= _TAIL along each axis
        rx = np.sqrt(_TAIL * c / det)
        ry = np.sqrt(_TAIL * a / det)
        kx = xi * np.cos(thetas[t])
        ky = xi * np.sin(thetas[t])
        for ex in (-2, -1, 0, 1, 2):
            x_lo = max(ex * M, int(np.floor(-rx)))
            x_hi = min(ex * M + M, int(np.ceil(rx)) + 1)
            if x_lo >= x_hi:
                continue
            xx = np.arange(x_lo, x_hi, dtype=np.float64)
            for ey in (-2, -1, 0, 1, 2):
                y_lo = max(ey * N, int(np.floor(-ry)))
                y_hi = min(ey * N + N, int(np.ceil(ry)) + 1)
                if y_lo >= y_hi:
                    continue
                yy = np.arange(y_lo, y_hi, dtype=np.float64)
                quad = (a * (xx * xx))[:, None] + b * np.outer(xx, yy) + (c * (yy * yy))[None, :]
                env = np.exp(-quad)
                rows = slice(x_lo - ex * M, x_hi - ex * M)
                cols = slice(y_lo - ey * N, y_hi - ey * N)
                envelope[t, rows, cols] += env
                if with_wave:
                    wave[t, rows, cols] += env * np.outer(
                        np.exp(1j * kx * xx), np.exp(1j * ky * yy)
                    )
    return wave, envelope


def gabor_2d(
    M: int,
    N: int,
    sigma: float,
    theta,
    xi: float,
    slant: float = 1.0,
) -> np.ndarray:
    """Periodised complex Gabor filters in space on an ``M x N`` grid.

    Parameters
    ----------
    M, N : int
        Grid size.
    sigma : float
        Width of the Gaussian envelope.
    theta : float or array-like of shape (K,)
        Orientation(s) in radians.
    xi : float
        Centre frequency (radians per sample); 0 gives the envelope alone.
    slant : float, default=1.0
        Ratio of the envelope's two axes.

    Returns
    -------
    gabor : ndarray of shape (K, M, N) or (M, N), complex128
    """
    thetas = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    wave, envelope = _gabor_sums(M, N, sigma, thetas, xi, slant, with_wave=xi != 0)
    out = (envelope.astype(np.complex128) if wave is None else wave) / (
        2.0 * _KYMATIO_PI * sigma * sigma / slant
    )
    return out if np.ndim(theta) else out[0]


def morlet_2d(
    M: int,
    N: int,
    sigma: float,
    theta,
    xi: float,
    slant: float = 0.5,
) -> np.ndarray:
    """Periodised Morlet wavelets: a Gabor minus ``K`` times its envelope (zero mean)."""
    thetas = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    wave, envelope = _gabor_sums(M, N, sigma, thetas, xi, slant)
    # the ratio of the sums does not depend on the common normalisation
    k = wave.sum(axis=(-2, -1), keepdims=True) / envelope.sum(axis=(-2, -1), keepdims=True)
    wave -= k * envelope
    wave *= 1.0 / (2.0 * _KYMATIO_PI * sigma * sigma / slant)
    return wave if np.ndim(theta) else wave[0]


def periodize_fourier(x: np.ndarray, res: int) -> np.ndarray:
    """Crop a Fourier filter to the grid of a signal sub-sampled by ``2**res``.

    Frequencies that would alias are zeroed first (the filters are assumed to be
    compactly supported in Fourier), then the spectrum is folded onto the
    ``(M / 2**res, N / 2**res)`` grid by summing its periods.
    """
    if res == 0:
        return np.array(x, copy=True)
    M, N = x.shape[-2:]
    k = 2**res
    x = np.array(x, copy=True)
    start_x, len_x = int(M * 2 ** (-res - 1)), int(M * (1 - 2 ** (-res)))
    start_y, len_y = int(N * 2 ** (-res - 1)), int(N * (1 - 2 ** (-res)))
    x[..., start_x : start_x + len_x, :] = 0
    x[..., :, start_y : start_y + len_y] = 0
    folded = x.reshape(x.shape[:-2] + (k, M // k, k, N // k))
    return folded.sum(axis=(-4, -2))


@dataclass(frozen=True)
class FilterBank2D:
    """Fourier-domain Morlet filters of a 2-D scattering transform.

    Attributes
    ----------
    shape : tuple of int
        Padded grid ``(M, N)`` the filters live on.
    J, L : int
        Number of scales and of orientations.
    psi : tuple of tuple of ndarray
        ``psi[j][res]`` holds the ``L`` wavelets of scale ``j`` on the grid
        sub-sampled by ``2**res``, shape ``(L, M / 2**res, N / 2**res)``, for
        ``res < min(j + 1, max(J - 1, 1))``.
    phi : tuple of ndarray
        ``phi[res]`` is the low-pass filter on the grid sub-sampled by ``2**res``.
    angles : ndarray of shape (L,)
        Orientation of each angle index, radians.
    """

    shape: tuple
    J: int
    L: int
    psi: tuple = field(repr=False)
    phi: tuple = field(repr=False)
    angles: np.ndarray = field(repr=False)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for levels in self.psi for a in levels) + sum(
            a.nbytes for a in self.phi
        )



@cached_bank
def morlet_filter_bank_2d(
    M: int, N: int, J: int, L: int = 8, dtype: str = "float64"
) -> FilterBank2D:
    """Build (once per parameter set) the Fourier filters of a 2-D scattering.

    Parameters
    ----------
    M, N : int
        Padded grid size; both must be multiples of ``2**J``.
    J : int
        Number of scales.
    L : int, default=8
        Number of orientations.
    dtype : {"float64", "float32"}
        Precision in which the (real) Fourier filters are stored.

    Returns
    -------
    bank : FilterBank2D
    """
    angles = (int(L - L / 2 - 1) - np.arange(L)) * np.pi / L
    psi = []
    for j in range(J):
        spatial = morlet_2d(M, N, 0.8 * 2**j, angles, 3.0 / 4.0 * np.pi / 2**j, 4.0 / L)
        # The periodised Morlet is Hermitian up to rounding: its transform is real.
        fourier = scipy.fft.fft2(spatial, workers=-1).real
        n_res = min(j + 1, max(J - 1, 1))
        psi.append(tuple(readonly(periodize_fourier(fourier, r), dtype) for r in range(n_res)))
    phi_fourier = scipy.fft.fft2(gabor_2d(M, N, 0.8 * 2 ** (J - 1), 0.0, 0.0), workers=-1).real
    phi = tuple(readonly(periodize_fourier(phi_fourier, r), dtype) for r in range(J))
    return FilterBank2D(
        shape=(M, N), J=J, L=L, psi=tuple(psi), phi=phi, angles=readonly(angles, np.float64)
    )
