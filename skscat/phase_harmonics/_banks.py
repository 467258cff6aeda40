"""Filter banks of the phase-harmonic transforms (cached by parameters).

2-D: pywph's bump-steerable wavelets (:mod:`skscat.filters.bump_steerable`) or
the Morlet wavelets of the scattering transform
(:func:`skscat.filters.morlet2d.morlet_2d`, Kymatio's constants
``sigma = 0.8 * 2**j``, ``xi = 3 pi / 4 / 2**j``, slant ``4 / L``) turned so
that angle index ``t`` has its wave vector at ``t pi / L`` from the column
axis, like the bump-steerable ones; both with pywph's Gaussian scaling
functions. 1-D: the Morlet wavelets of :mod:`skscat.filters.morlet1d`, one
per octave (see :func:`morlet_bank_1d`). Every wavelet is set to exactly 0 at frequency 0, so
wavelet coefficients have zero mean and the features are blind to offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from ..filters._cache import cached_bank, readonly
from ..filters.bump_steerable import SIGMA0, bump_steerable_filter_bank_2d, gaussian_lowpass_2d
from ..filters.morlet1d import morlet_1d, sigma_psi, xi_max
from ..filters.morlet2d import morlet_2d

WAVELETS_2D = ("bump_steerable", "morlet")


@dataclass(frozen=True)
class PhaseHarmonicBank:
    """Real Fourier filters of a phase-harmonic transform.

    Attributes
    ----------
    psi : ndarray of shape (J * L, *S)
        Wavelets, index ``j * L + t``, zero at frequency 0.
    phi : ndarray of shape (n_phi, *S)
        Low-passes of the scaling moments.
    phi_peak_power : ndarray of shape (n_phi,)
        Largest variance gain of each low-pass over real signals,
        ``max_{k != 0} (phi(k)^2 + phi(-k)^2) / 2``: the variance of a real
        cosine at frequency ``k`` is multiplied by that factor, and no real
        signal's more (the j = -1 Gaussian, narrow in space, exceeds 1 by
        aliasing).
    """

    shape: tuple
    J: int
    L: int
    wavelet: str
    psi: np.ndarray = field(repr=False)
    phi: np.ndarray = field(repr=False)
    phi_peak_power: np.ndarray = field(repr=False, default=None)

    @property
    def nbytes(self) -> int:
        return self.psi.nbytes + self.phi.nbytes


def peak_power(filters: np.ndarray, ndim: int) -> np.ndarray:
    """``max_{k != 0} (f(k)^2 + f(-k)^2) / 2`` for each real Fourier filter ``f``.

    A real signal's spectrum has ``|X(k)| = |X(-k)|``, so the filter multiplies
    its variance by a mean of these values; a cosine at the maximising
    frequency reaches the maximum.
    """
    f = np.asarray(filters, dtype=np.float64)
    mirror = f
    for axis in range(-ndim, 0):  # f(-k): flip every axis, keeping index 0 in place
        mirror = np.roll(np.flip(mirror, axis=axis), 1, axis=axis)
    power = ((f * f + mirror * mirror) / 2).reshape(f.shape[0], int(np.prod(f.shape[1:])))
    power[:, 0] = 0  # the mean is removed before any variance is taken
    return readonly(power.max(axis=1, initial=0.0), np.float64)


def _zero_mean(psi: np.ndarray, ndim: int) -> np.ndarray:
    psi = np.array(psi, copy=True)
    psi[(...,) + (0,) * ndim] = 0.0
    return psi


@cached_bank
def phase_harmonic_bank_2d(
    M: int, N: int, J: int, L: int, scaling_j: tuple, wavelet: str, dtype: str
) -> PhaseHarmonicBank:
    """Wavelets and low-passes of :class:`~skscat.PhaseHarmonics2D` on an ``M x N`` grid."""
    if wavelet == "bump_steerable":
        bank = bump_steerable_filter_bank_2d(M, N, J, L, scaling_j, "float64")
        psi, phi = bank.psi, bank.phi
    elif wavelet == "morlet":
        angles = np.pi / 2 - np.arange(L) * np.pi / L
        psi = np.empty((J * L, M, N))
        for j in range(J):
            spatial = morlet_2d(M, N, 0.8 * 2**j, angles, 3.0 / 4.0 * np.pi / 2**j, 4.0 / L)
            psi[j * L : (j + 1) * L] = scipy.fft.fft2(spatial).real
        phi = gaussian_lowpass_2d(M, N, np.asarray(scaling_j, dtype=np.float64)).reshape(-1, M, N)
    else:  # pragma: no cover - validated by the estimator
        raise ValueError(f"Unknown wavelet {wavelet!r}; choose one of {WAVELETS_2D}.")
    return PhaseHarmonicBank(
        shape=(M, N),
        J=J,
        L=L,
        wavelet=wavelet,
        psi=readonly(_zero_mean(psi, 2), dtype),
        phi=readonly(phi, dtype),
        phi_peak_power=peak_power(phi, 2),
    )


def morlet_bank_1d(N: int, J: int) -> tuple:
    """Analytic Morlet wavelets, one per octave, in Fourier.

    :func:`skscat.filters.morlet1d.morlet_1d` (Kymatio's Morlet: a Gaussian of
    width ``sigma`` at ``xi`` minus ``kappa`` times the same Gaussian at 0,
    periodised in frequency, unit l1 norm in time) with the constant-Q
    constants of one wavelet per octave: ``xi_j = xi_max(1) * 2**-j``
    (``xi_max(1) = 0.35`` cycles per sample) and ``sigma_j = sigma_psi(xi_j, 1)``
    (neighbouring wavelets cross at ``sqrt(1/2)`` of their peak). Dyadic centre
    frequencies make ``[z_j2]^(2^(j2 - j1))`` fall in the band of ``z_j1``.

    Returns
    -------
    psi : ndarray of shape (J, N)
    xi, sigma : ndarray of shape (J,)
    """
    xi = xi_max(1) * 2.0 ** -np.arange(J, dtype=np.float64)
    sigma = np.array([sigma_psi(v, 1) for v in xi])
    return morlet_1d(N, xi, sigma).reshape(J, N), xi, sigma


def gaussian_lowpass_1d(N: int, js) -> np.ndarray:
    """Periodised Gaussian low-passes of width ``SIGMA0 * 2**j`` samples, in Fourier."""
    js = np.atleast_1d(np.asarray(js, dtype=np.float64))
    sigma_t = SIGMA0 * 2.0**js
    shifts = np.arange(-2, 2, dtype=np.float64)
    t = (np.arange(N, dtype=np.float64)[None, :] + N * shifts[:, None]).ravel()
    g = (
        np.exp(-(t[None, :] ** 2) / (2.0 * sigma_t[:, None] ** 2))
        .reshape(js.size, 4, N)
        .sum(axis=1)
    )
    g /= np.sqrt(2.0 * np.pi) * sigma_t[:, None]
    return scipy.fft.fft(g, axis=-1).real


@cached_bank
def phase_harmonic_bank_1d(N: int, J: int, scaling_j: tuple, dtype: str) -> PhaseHarmonicBank:
    """Wavelets and low-passes of :class:`~skscat.PhaseHarmonics1D` for length ``N``."""
    psi, _, _ = morlet_bank_1d(N, J)
    phi = gaussian_lowpass_1d(N, scaling_j).reshape(-1, N)
    return PhaseHarmonicBank(
        shape=(N,),
        J=J,
        L=1,
        wavelet="morlet",
        psi=readonly(_zero_mean(psi, 1), dtype),
        phi=readonly(phi, dtype),
        phi_peak_power=peak_power(phi, 1),
    )
