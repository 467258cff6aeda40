"""Bump-steerable wavelets and Gaussian low-passes (the filters of pywph 1.1).

The wavelet phase-harmonic statistics of Allys et al. (2020) and Regaldo-Saint
Blancard et al. (2021) use *bump-steerable* wavelets, defined in Fourier for
scale ``j`` and angle index ``t`` (orientation ``theta = t pi / L``) by

.. math::

    \\hat\\psi_{j,t}(k) = c_L \\exp\\Big(-\\frac{(|k| - \\xi_j)^2}
    {\\xi_j^2 - (|k| - \\xi_j)^2}\\Big) \\mathbf 1_{0 < |k| < 2\\xi_j}
    \\cos^{L-1}(\\arg k - \\theta)\\, \\mathbf 1_{\\cos(\\arg k - \\theta) \\ge 0},

with ``xi_j = k0 / 2**j``, ``k0 = 0.85 pi`` and
``c_L = 2**(L-1) (L-1)! / (1.29 sqrt(L (2(L-1))!))``: a radial bump of
compact support ``(0, 2 xi_j)`` times an angular window on the half plane
around ``theta``. The wavelet is *analytic* (one-sided), so ``|x * psi|`` is an
envelope and ``arg(x * psi)`` a local phase.

Frequencies are laid out as ``numpy.fft.fftfreq``; ``k_x`` runs along the last
(column) axis and ``k_y`` along the rows, and angles are measured from the
``k_x`` axis towards ``k_y``. At fine scales the bump reaches past the Nyquist
frequency (``2 xi_0 = 1.7 pi``), so it is evaluated on the frequencies
``2 pi m / N`` for ``m`` in ``[-N, N)`` (a grid twice as large in each
direction) and folded onto the ``M x N`` grid by summing its aliases: the
Fourier transform of the wavelet periodised in space.

The scaling functions are Gaussians ``exp(-|u|^2 / (2 sigma^2)) / (2 pi sigma^2)``
with ``sigma = sigma0 2**j``, ``sigma0 = 1 / (0.496 * 2**-0.55 * k0)``, summed
in space over the copies shifted by ``(a M, b N)`` for ``a, b`` in
``{-2, -1, 0, 1}`` (pywph's periodisation), then Fourier transformed.
All builders are vectorised over scales and angles and cached by parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from ._cache import cached_bank, readonly

#: Central wavenumber of the mother bump-steerable wavelet (radians per sample).
K0 = 0.85 * np.pi
#: Width of the Gaussian scaling function at ``j = 0``.
SIGMA0 = 1.0 / (0.496 * 2.0**-0.55 * K0)


def bump_steerable_constant(L: int) -> float:
    """Amplitude ``c_L`` of the bump-steerable wavelets for ``L`` angles."""
    return (
        2.0 ** (L - 1) / 1.29 * math.factorial(L - 1) / math.sqrt(L * math.factorial(2 * (L - 1)))
    )


def _doubled_frequencies(M: int, N: int):
    """``(k_x, k_y)`` on the ``2M x 2N`` grid of frequencies ``2 pi m / N``, ``m in [-N, N)``."""
    kx = 2.0 * np.pi * np.fft.fftfreq(2 * N) * 2.0
    ky = 2.0 * np.pi * np.fft.fftfreq(2 * M) * 2.0
    return kx[None, :], ky[:, None]


def _fold(h: np.ndarray, M: int, N: int) -> np.ndarray:
    """Sum the aliases of a spectrum on the doubled grid onto the ``M x N`` grid.

    In FFT order, index ``i < M`` of the doubled axis is the frequency ``i`` and
    index ``M + i`` the frequency ``i - M``, an alias of ``i`` on the ``M``-grid:
    folding is a reshape to ``(2, M)`` and a sum over the first axis.
    """
    lead = h.shape[:-2]
    return h.reshape(lead + (2, M, 2, N)).sum(axis=(-4, -2))


def bump_steerable_2d(M: int, N: int, j, theta, L: int, k0: float = K0) -> np.ndarray:
    """Fourier transforms of bump-steerable wavelets on an ``M x N`` grid.

    Parameters
    ----------
    M, N : int
        Grid size (rows, columns).
    j : float or array-like of shape (J,)
        Scale(s); the central frequency is ``k0 / 2**j``.
    theta : float or array-like of shape (T,)
        Orientation(s) in radians.
    L : int
        Number of angles of the bank: sets the angular power ``L - 1`` and the
        amplitude ``c_L``.
    k0 : float, default=0.85*pi
        Central wavenumber at ``j = 0``.

    Returns
    -------
    psi_hat : ndarray of shape (J, T, M, N), float64
        Real, periodised Fourier filters (leading axes dropped for scalar
        ``j`` / ``theta``).
    """
    js = np.atleast_1d(np.asarray(j, dtype=np.float64))
    thetas = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    kx, ky = _doubled_frequencies(M, N)
    modulus = np.sqrt(kx * kx + ky * ky)
    angle = np.arctan2(np.broadcast_to(ky, modulus.shape), np.broadcast_to(kx, modulus.shape))

    # Angular window: cos(arg k - theta)**(L-1) on the half plane
    # (arg k - theta) mod 2 pi in [0, pi/2] U [3 pi/2, 2 pi).
    delta = np.mod(angle[None] - thetas[:, None, None], 2.0 * np.pi)
    half_plane = (delta <= np.pi / 2) | (delta >= 3 * np.pi / 2)
    angular = np.where(half_plane, np.cos(angle[None] - thetas[:, None, None]) ** (L - 1), 0.0)

    out = np.empty((js.size, thetas.size, M, N), dtype=np.float64)
    c = bump_steerable_constant(L)
    for i, jj in enumerate(js):
        xi = k0 / 2.0**jj
        inside = (modulus > 0.0) & (modulus < 2.0 * xi)
        d = np.where(inside, modulus - xi, 0.0)
        radial = np.where(inside, np.exp(-(d * d) / np.where(inside, xi * xi - d * d, 1.0)), 0.0)
        out[i] = _fold(c * radial[None] * angular, M, N)
    if np.ndim(theta) == 0:
        out = out[:, 0]
    if np.ndim(j) == 0:
        out = out[0]
    return out


def gaussian_lowpass_2d(M: int, N: int, j, sigma0: float = SIGMA0) -> np.ndarray:
    """Fourier transforms of periodised Gaussian scaling functions.

    Parameters
    ----------
    M, N : int
        Grid size.
    j : float or array-like of shape (K,)
        Scale(s): the width is ``sigma0 * 2**j`` pixels (``j`` may be negative).
    sigma0 : float
        Width at ``j = 0``.

    Returns
    -------
    phi_hat : ndarray of shape (K, M, N) or (M, N), float64
        Real Fourier filters with ``phi_hat[0, 0] ~ 1``.
    """
    js = np.atleast_1d(np.asarray(j, dtype=np.float64))
    sigmas = sigma0 * 2.0**js
    shifts = np.array([-2, -1, 0, 1], dtype=np.float64)
    # Separable: the 2-D periodised Gaussian is a product of 1-D ones.
    rows = (np.arange(M, dtype=np.float64)[None, :] + M * shifts[:, None]).ravel()
    cols = (np.arange(N, dtype=np.float64)[None, :] + N * shifts[:, None]).ravel()
    inv = 1.0 / (2.0 * sigmas * sigmas)
    gy = np.exp(-(rows[None, :] ** 2) * inv[:, None]).reshape(js.size, 4, M).sum(axis=1)
    gx = np.exp(-(cols[None, :] ** 2) * inv[:, None]).reshape(js.size, 4, N).sum(axis=1)
    spatial = gy[:, :, None] * gx[:, None, :] / (2.0 * np.pi * sigmas * sigmas)[:, None, None]
    out = scipy.fft.fft2(spatial).real
    return out if np.ndim(j) else out[0]


@dataclass(frozen=True)
class BumpSteerableBank2D:
    """Fourier filters of a wavelet phase-harmonic transform on an ``M x N`` grid.

    Attributes
    ----------
    shape : tuple of int
        Grid ``(M, N)``.
    J, L : int
        Number of scales and of angles in ``[0, pi)``.
    psi : ndarray of shape (J * L, M, N)
        Wavelets in Fourier, index ``j * L + t`` (scale-major), orientation
        ``t pi / L``.
    phi : ndarray of shape (len(phi_j), M, N)
        Gaussian scaling functions in Fourier.
    phi_j : tuple of int
        Scale of each scaling function.
    angles : ndarray of shape (L,)
        Orientation of each angle index, radians from the ``k_x`` (column) axis.
    """

    shape: tuple
    J: int
    L: int
    psi: np.ndarray = field(repr=False)
    phi: np.ndarray = field(repr=False)
    phi_j: tuple = ()
    angles: np.ndarray = field(repr=False, default=None)

    @property
    def nbytes(self) -> int:
        return self.psi.nbytes + self.phi.nbytes



@cached_bank
def bump_steerable_filter_bank_2d(
    M: int, N: int, J: int, L: int = 4, phi_j: tuple = (), dtype: str = "float64"
) -> BumpSteerableBank2D:
    """Build (once per parameter set) the bump-steerable bank of pywph.

    Parameters
    ----------
    M, N : int
        Image size (the transform is periodic: no padding).
    J : int
        Scales ``j = 0 .. J-1``.
    L : int, default=4
        Angles ``t pi / L``, ``t = 0 .. L-1``.
    phi_j : tuple of int, default=()
        Scales of the Gaussian scaling functions to build.
    dtype : {"float64", "float32"}
        Precision of the stored (real) Fourier filters.

    Returns
    -------
    bank : BumpSteerableBank2D
    """
    angles = np.arange(L) * np.pi / L
    psi = bump_steerable_2d(M, N, np.arange(J), angles, L).reshape(J * L, M, N)
    phi = gaussian_lowpass_2d(M, N, np.asarray(phi_j, dtype=np.float64)).reshape(-1, M, N)
    return BumpSteerableBank2D(
        shape=(M, N),
        J=J,
        L=L,
        psi=readonly(psi, dtype),
        phi=readonly(phi, dtype),
        phi_j=tuple(int(v) for v in phi_j),
        angles=readonly(angles, np.float64),
    )
