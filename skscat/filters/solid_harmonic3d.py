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

The remainder's output is imaginary where the Hermitian part's is real, so it
only adds its own energy to ``sum_m |x * psi_{j,l,m}|**2``: a remainder whose
peak, squared, is below the precision of the bank's dtype (relative to the
filter's peak) changes nothing that precision sees and is dropped.

Coarse wavelets are band-limited to the precision: outside a box
``|k_a| <= c_a`` of frequency indices every filter of one ``(l, j)`` is below
``eps / 16`` of its peak (``eps`` of the bank's dtype). The bank records that
box and the filters on it, so the cascade multiplies and inverse-transforms
only the box (:meth:`skscat.backends.numpy_backend.NumpyBackend.irfft_box`,
:meth:`~skscat.backends.numpy_backend.NumpyBackend.box_modulus_integrals`):
the same result as the full transform to the dtype's precision, for a
fraction of the work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._cache import cached_bank

# A Nyquist remainder below this fraction of the filter's peak is dropped
# whatever the dtype (exact zeros up to rounding of the filter formula).
_PLANE_NEGLIGIBLE = 1e-12
# Filters below this fraction of eps (of the bank's dtype) times their peak
# are outside the box the cascade computes on.
_BOX_EPS_FRACTION = 1.0 / 16
# Boxes keeping more than this fraction of the half spectrum are not worth
# the extra copies of the pruned transform.
_BOX_MAX_FRACTION = 0.7


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
    plane_scales : list of tuple
        ``plane_scales[l]``: the scales ``j`` whose remainders are not zero
        (the others were dropped as below the dtype's precision).
    boxes : list of tuple
        ``boxes[l][j]``: ``(c0, c1, c2)``, the largest frequency index
        ``|k_a|`` of the filters of ``(l, j)`` above ``eps / 16`` of their
        peak on each axis (``c_a = n_a // 2`` where the filters reach the
        Nyquist frequency), or ``None`` where the box is nearly the whole
        grid and the full transform is cheaper.
    half_box : list of tuple
        ``half_box[l][j]``: the filters ``half[l][j]`` on that box, shape
        ``(2 l + 1, m0, m1, c2 + 1)`` with ``m_a = 2 c_a + 1`` (indices
        ``0..c_a`` then ``-c_a..-1``; ``m_a = n_a`` on axes the box does not
        cut), or ``None``.
    """

    shape: tuple
    J: int
    L: int
    sigma_0: float
    half: list
    planes: list
    plane_scales: list = None
    boxes: list = None
    half_box: list = None

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
    eps = float(np.finfo(rdtype).eps)
    half, planes, plane_scales, boxes, half_box = [], [], [], [], []
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
        # per scale: remainders whose energy is below the dtype's precision go
        scale_peak = np.maximum(np.abs(real).reshape(J + 1, -1).max(1), np.finfo(float).tiny)
        rem_peak = np.abs(rem).reshape(J + 1, -1).max(1)
        live = (rem_peak / scale_peak) ** 2 > eps
        rem = rem * live[:, None, None, None, None]
        plane_scales.append(tuple(int(j) for j in np.flatnonzero(live)) if remainders else ())
        box_l, half_box_l = [], []
        for j in range(J + 1):
            box = _band_box(np.abs(real[j]), _BOX_EPS_FRACTION * eps * scale_peak[j])
            if box is None:
                box_l.append(None)
                half_box_l.append(None)
                continue
            hb = np.ascontiguousarray(box_crop(h[j], box, shape))
            hb.setflags(write=False)
            box_l.append(box)
            half_box_l.append(hb)
        boxes.append(tuple(box_l))
        half_box.append(tuple(half_box_l))
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
        shape=shape,
        J=int(J),
        L=int(L),
        sigma_0=float(sigma_0),
        half=half,
        planes=planes,
        plane_scales=plane_scales,
        boxes=boxes,
        half_box=half_box,
    )


def _band_box(magnitude: np.ndarray, threshold: float):
    """``(c0, c1, c2)`` bounding ``magnitude > threshold`` (``(K, M, N, O)``), or None.

    ``c_a`` is the largest ``|k_a|`` (signed DFT index) where the filters
    exceed ``threshold``, ``n_a // 2`` when they reach the Nyquist index.
    ``None`` when the box keeps more than ``_BOX_MAX_FRACTION`` of the half
    spectrum.
    """
    above = magnitude > threshold
    cuts = []
    for axis, n in enumerate(above.shape[1:]):
        other = tuple(a for a in range(4) if a != axis + 1)
        index = np.flatnonzero(above.any(axis=other))
        k = np.where(index <= n // 2, index, n - index)
        c = int(k.max()) if k.size else 0
        cuts.append(n // 2 if 2 * c + 1 >= n else c)
    M, N, O = above.shape[1:]
    sizes = [min(2 * cuts[0] + 1, M), min(2 * cuts[1] + 1, N), cuts[2] + 1]
    if sizes[0] * sizes[1] * sizes[2] > _BOX_MAX_FRACTION * M * N * (O // 2 + 1):
        return None
    return tuple(cuts)


def box_crop(a, box: tuple, shape: tuple, xp=np):
    """The half spectrum ``a`` (``(..., M, N, O // 2 + 1)``) on ``box`` (see ``half_box``).

    Written with ``xp`` only, so every backend crops its own arrays with it.
    """
    M, N, O = shape
    c0, c1, c2 = box
    a = a[..., : c2 + 1]
    if 2 * c1 + 1 < N:
        a = xp.concatenate([a[..., : c1 + 1, :], a[..., N - c1 :, :]], axis=-2)
    if 2 * c0 + 1 < M:
        a = xp.concatenate([a[..., : c0 + 1, :, :], a[..., M - c0 :, :, :]], axis=-3)
    return a
