"""Solid harmonic 3-D wavelets (Kymatio 0.3's normalisation), built in Fourier.

For scale ``j`` (``sigma = sigma_0 2**j``), degree ``l`` and order ``m`` the
wavelet's Fourier transform at the grid frequency ``omega`` (radians per
sample) is

``psi_hat_{j,l,m}(omega) = c_l (-i)**l (2 pi)**1.5 |sigma omega|**l
Y_l^m(omega / |omega|) exp(-sigma**2 |omega|**2 / 2)``

with ``c_l = 1 / (2 pi sqrt(l + 1/2) (l + 1)!!)`` for even ``l`` and
``c_l = 1 / (2**((l + 3) / 2) sqrt(pi (2 l + 1)) ((l + 1) / 2)!)`` for odd
``l``; for ``l = 0`` the wavelet is the plain Gaussian
``exp(-sigma**2 |omega|**2 / 2)`` (these are Kymatio 0.3's constants). In space
``psi_{j,l,m}(u)`` is proportional to ``sigma**-3 |u / sigma|**l Y_l^m(u / |u|)
exp(-|u|**2 / (2 sigma**2))``.

Only ``sum_m |x * psi_{j,l,m}|**2`` is ever used, which does not change under
a unitary change of basis of the ``2 l + 1`` harmonics of degree ``l``. The
bank therefore uses the *real* spherical harmonics, whose wavelets are real
in space: convolutions of real data are real, computed with real FFTs.

On an even-sized axis the highest frequency ``-pi`` has no positive partner,
so the sampled filter is not exactly Hermitian there (Kymatio keeps the
complex result). The bank splits each filter into its Hermitian part (stored
as half spectra for ``irfft``) and the remainder, which lives on the Nyquist
planes only and is kept as three 2-D planes (``None`` where it is below
``1e-12`` of the filter's peak); :mod:`skscat.scattering.core3d` adds the
remainder's contribution exactly. Odd-sized axes use the standard DFT
frequencies (Kymatio 0.3 shifts them by one sample on odd sizes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._cache import cached_bank

# A Nyquist remainder below this fraction of the filter's peak is dropped.
_PLANE_NEGLIGIBLE = 1e-12


def _factorial2(i: int) -> int:
    return 1 if i < 1 else math.prod(range(i, 0, -2))


def solid_harmonic_norm(l: int) -> float:
    """Kymatio 0.3's normalisation constant ``c_l`` of degree ``l >= 1``."""
    if l % 2 == 0:
        return 1.0 / (2 * math.pi * math.sqrt(l + 0.5) * _factorial2(l + 1))
    return 1.0 / (
        2 ** (0.5 * (l + 3)) * math.sqrt(math.pi * (2 * l + 1)) * math.factorial((l + 1) // 2)
    )


def _sph_harm_complex(l: int, m: int, polar, azimuth):
    """Complex ``Y_l^m`` (``m >= 0``), orthonormal on the sphere."""
    import scipy.special

    if hasattr(scipy.special, "sph_harm_y"):
        return scipy.special.sph_harm_y(l, m, polar, azimuth)
    return scipy.special.sph_harm(m, l, azimuth, polar)  # pragma: no cover - SciPy < 1.15


def real_spherical_harmonics(l: int, polar, azimuth) -> np.ndarray:
    """The ``2 l + 1`` real spherical harmonics of degree ``l``, shape ``(2l+1, ...)``.

    Ordered ``m = -l .. l``: ``sqrt(2) Im Y_l^|m|`` for ``m < 0``, ``Y_l^0``,
    ``sqrt(2) Re Y_l^m`` for ``m > 0`` (a unitary change of basis of the
    complex harmonics).
    """
    out = np.empty((2 * l + 1,) + np.shape(polar), dtype=np.float64)
    out[l] = _sph_harm_complex(l, 0, polar, azimuth).real
    for m in range(1, l + 1):
        y = _sph_harm_complex(l, m, polar, azimuth)
        out[l + m] = math.sqrt(2.0) * y.real
        out[l - m] = math.sqrt(2.0) * y.imag
    return out


def frequency_grid(M: int, N: int, O: int) -> np.ndarray:
    """Angular frequencies ``(3, M, N, O)`` in FFT order, radians per sample."""
    axes = [2 * np.pi * np.fft.fftfreq(n) for n in (M, N, O)]
    return np.stack(np.meshgrid(*axes, indexing="ij"))


def _reversed_index(a: np.ndarray, axes: tuple) -> np.ndarray:
    """``a[-k]`` over ``axes`` (DFT index reversal)."""
    return np.roll(np.flip(a, axis=axes), 1, axis=axes)


@dataclass(frozen=True)
class SolidHarmonicBank3D:
    """Fourier solid harmonic wavelets on an ``M x N x O`` grid.

    Attributes
    ----------
    shape : tuple of int
        ``(M, N, O)``.
    J, L : int
        Scales ``j = 0 .. J`` and degrees ``l = 0 .. L``.
    sigma_0 : float
        Width of the scale-0 wavelet, in samples.
    half : list of ndarray
        ``half[l]`` of shape ``(J + 1, 2 l + 1, M, N, O // 2 + 1)``, real: the
        Hermitian part of ``|psi_hat|`` with the phase ``(-i)**l`` removed, on
        the half spectrum (for ``irfft``; odd ``l`` multiply the spectrum by
        ``-i`` first).
    planes : list of tuple
        ``planes[l] = (p0, p1, p2)``: the non-Hermitian remainder of the
        filters on the Nyquist plane of each even axis, shapes
        ``(J + 1, 2 l + 1, N, O)``, ``(..., M, O)`` and ``(..., M, N)``
        (real, phase removed as in ``half``; each plane excludes the planes
        before it), or ``None``
        where negligible.
    """

    shape: tuple
    J: int
    L: int
    sigma_0: float
    half: list
    planes: list

    @property
    def has_planes(self) -> bool:
        return any(p is not None for pl in self.planes for p in pl)


def solid_harmonic_filters_3d(M, N, O, J, L, sigma_0) -> list:
    """Full Fourier filters ``psi_hat_{j,l,m}`` with real harmonics, float64.

    Returns a list over ``l`` of complex arrays ``(J + 1, 2 l + 1, M, N, O)``
    (including the phase ``(-i)**l``); the reference the bank is split from.
    """
    omega = frequency_grid(M, N, O)
    r2 = (omega**2).sum(0)
    r = np.sqrt(r2)
    polar = np.arccos(np.clip(np.divide(omega[0], r, out=np.zeros_like(r), where=r > 0), -1, 1))
    azimuth = np.arctan2(omega[1], omega[2])
    out = []
    for l in range(L + 1):
        filters = np.empty((J + 1, 2 * l + 1, M, N, O), dtype=np.complex128)
        harmonics = real_spherical_harmonics(l, polar, azimuth) if l else None
        for j in range(J + 1):
            sigma = sigma_0 * 2**j
            gauss = np.exp(-0.5 * sigma * sigma * r2)
            if l == 0:
                filters[j, 0] = gauss
                continue
            radial = (sigma * r) ** l * gauss
            scale = solid_harmonic_norm(l) * (2 * np.pi) ** 1.5 * (-1j) ** l
            filters[j] = scale * harmonics * radial
        out.append(filters)
    return out


@cached_bank
def solid_harmonic_filter_bank_3d(
    M: int,
    N: int,
    O: int,
    J: int,
    L: int,
    sigma_0: float,
    dtype: str = "float32",
    remainders: bool = True,
) -> SolidHarmonicBank3D:
    """The cached solid harmonic filter bank of :class:`SolidHarmonicBank3D`.

    Parameters
    ----------
    M, N, O : int
        Grid shape.
    J : int
        Largest scale index (``J + 1`` scales).
    L : int
        Largest degree.
    sigma_0 : float
        Width of the scale-0 wavelet, in samples.
    dtype : {"float32", "float64"}
        Precision of the stored filters.
    remainders : bool, default=True
        Keep the non-Hermitian Nyquist remainders (Kymatio's filters exactly);
        False keeps the Hermitian part only: real wavelets in space, whose
        convolutions are computed with real FFTs alone.

    Returns
    -------
    SolidHarmonicBank3D
        Arrays are read-only (shared between estimators and threads).
    """
    shape = (M, N, O)
    rdtype = np.dtype(dtype)
    half, planes = [], []
    for l, full in enumerate(solid_harmonic_filters_3d(M, N, O, J, L, float(sigma_0))):
        # remove the phase (-i)**l: the filters become real
        real = (full * (1j) ** l).real
        mirror = _reversed_index(real, (-3, -2, -1)) * (-1) ** l
        sym = 0.5 * (real + mirror)
        rem = 0.5 * (real - mirror)
        h = np.ascontiguousarray(sym[..., : O // 2 + 1], dtype=rdtype)
        h.setflags(write=False)
        half.append(h)
        peak = max(float(np.abs(real).max()), np.finfo(np.float64).tiny)
        rem_planes = []
        taken = np.zeros(shape, dtype=bool)
        for axis, n in enumerate(shape):
            if not remainders or n % 2 or float(np.abs(rem).max()) <= _PLANE_NEGLIGIBLE * peak:
                rem_planes.append(None)
                continue
            index = [slice(None)] * 3
            index[axis] = n // 2
            index = tuple(index)
            plane = np.where(taken[index], 0.0, rem[(Ellipsis,) + index])
            taken[index] = True
            if float(np.abs(plane).max()) <= _PLANE_NEGLIGIBLE * peak:
                rem_planes.append(None)
                continue
            p = np.ascontiguousarray(plane, dtype=rdtype)
            p.setflags(write=False)
            rem_planes.append(p)
        planes.append(tuple(rem_planes))
    return SolidHarmonicBank3D(
        shape=shape, J=int(J), L=int(L), sigma_0=float(sigma_0), half=half, planes=planes
    )
