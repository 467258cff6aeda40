"""Morlet 1-D filter banks (the constants of Kymatio 0.3), built in Fourier.

A scattering of time series uses two banks of analytic Morlet wavelets, ``Q1``
per octave at the first order and ``Q2`` (by default one) at the second, and a
Gaussian low-pass of width ``sigma0 / T`` (``T = 2**J`` by default). Frequencies
are in cycles per sample, in ``[0, 1)``.

Centre frequencies start at ``xi_max = max(1 / (1 + 2**(3/Q)), 0.35)`` and
decrease by ``2**(1/Q)`` (constant-Q region) while the bandwidth
``sigma = xi * (1 - 2**(-1/Q)) / (1 + 2**(-1/Q)) / sqrt(2 log(1/r_psi))`` stays
above ``sigma_min = sigma0 / 2**J``; then ``Q - 1`` filters of bandwidth
``sigma_min`` are spaced linearly down to zero. Each filter's sub-sampling index
``j`` is the largest with ``xi + alpha * sigma < 2**-(j+1)``.

A Morlet filter is ``g_sigma(omega - xi) - kappa * g_sigma(omega)``, Gaussians
periodised over ``2P - 1`` periods of the frequency axis, with ``kappa`` making
its mean zero, normalised to unit l1 norm in time. Everything is vectorised over
the filters of a bank, and banks are cached on their parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from ._cache import cached_bank, memoize, readonly

#: Width of the low-pass at ``T = 1``: its Fourier width is ``SIGMA0 / T``.
SIGMA0 = 0.1
#: Aliasing tolerance: a filter is sub-sampled by ``2**j`` only if
#: ``xi + ALPHA * sigma < 2**-(j + 1)``.
ALPHA = 5.0
#: Overlap of neighbouring wavelets: they cross at ``R_PSI`` of their peak.
R_PSI = math.sqrt(0.5)
# Largest sample (relative to the Gaussian's unit peak) of a filter that is
# only rounding residue of the zero-mean correction.
_NUMERICAL_ZERO = 1e-14


def xi_max(Q: int) -> float:
    """Centre frequency of the highest wavelet of a bank with ``Q`` per octave."""
    return max(1.0 / (1.0 + math.pow(2.0, 3.0 / Q)), 0.35)


def sigma_psi(xi: float, Q: int, r: float = R_PSI) -> float:
    """Bandwidth of a constant-Q wavelet at ``xi`` whose neighbours cross at ``r``."""
    factor = 1.0 / math.pow(2, 1.0 / Q)
    # (the operation order matches Kymatio's, so that the values are bit-equal)
    return xi * ((1 - factor) / (1 + factor)) * (1.0 / math.sqrt(2 * math.log(1.0 / r)))


def max_dyadic_subsampling(xi: float, sigma: float, alpha: float = ALPHA) -> int:
    """Largest ``j`` such that the band ``[0, xi + alpha sigma]`` fits below ``2**-(j+1)``."""
    upper = min(xi + alpha * sigma, 0.5)
    return int(math.floor(-math.log2(upper))) - 1


@memoize(128)
def morlet_params_1d(
    J: int, Q: int, sigma0: float = SIGMA0, alpha: float = ALPHA, r_psi: float = R_PSI
) -> tuple:
    """Centre frequencies, bandwidths and sub-sampling indices of a Morlet bank.

    Parameters
    ----------
    J : int
        Log2 of the largest scale: the narrowest bandwidth is ``sigma0 / 2**J``.
    Q : int
        Wavelets per octave.

    Returns
    -------
    xi, sigma : tuple of float
        Centre frequency and bandwidth of each wavelet, highest frequency first.
    j : tuple of int
        Sub-sampling index of each wavelet (non-decreasing).
    """
    sigma_min = sigma0 / math.pow(2, J)
    step = math.pow(2, 1.0 / Q)
    top_xi = xi_max(Q)
    top_sigma = sigma_psi(top_xi, Q, r_psi)
    xis: list[float] = []
    sigmas: list[float] = []
    if top_sigma <= sigma_min:
        # Degenerate bank (huge Q, tiny J): Kymatio anchors the linear region
        # at the bandwidth; kept for parity.
        elbow = top_sigma
    else:
        xis.append(top_xi)
        sigmas.append(top_sigma)
        # Constant-Q region: geometric steps, each filter 2**(1/Q) narrower.
        while sigmas[-1] > sigma_min * step:
            xis.append(xis[-1] / step)
            sigmas.append(sigmas[-1] / step)
        elbow = xis[-1]
    # Constant-bandwidth region: Q - 1 filters spaced linearly below the elbow.
    for q in range(1, Q):
        xis.append(elbow - q / Q * elbow)
        sigmas.append(sigma_min)
    js = tuple(max_dyadic_subsampling(x, s, alpha) for x, s in zip(xis, sigmas, strict=True))
    return tuple(xis), tuple(sigmas), js


def _n_periods(sigma: float, eps: float = 1e-7) -> int:
    """Half-number ``P`` of frequency periods over which a Gaussian of width
    ``sigma`` is summed (``2P - 1`` periods, at most 9) so that it is periodic
    to precision ``eps``."""
    return min(int(math.ceil(math.sqrt(-2 * sigma * sigma * math.log(eps)) + 1)), 5)


def _periodic_gaussians(
    N: int, centers: np.ndarray, sigmas: np.ndarray, P: int, centred: bool = False
) -> np.ndarray:
    """``sum_k exp(-(f + k - c)^2 / (2 s^2))`` over ``2P - 1`` periods, averaged.

    Shape ``(K, N)`` on the frequencies ``f = n / N`` (the FFT order wraps
    through the periods). With ``P == 1`` and ``centred``, the grid is
    ``[-1/2, 1/2)`` so that a low-pass is continuous at zero.
    """
    if P == 1 and centred:
        freqs = np.fft.fftfreq(N)
    else:
        freqs = np.arange((1 - P) * N, P * N, dtype=np.float64) / float(N)
    d = freqs[None, :] - centers[:, None]
    g = np.exp(-(d * d) / (2.0 * sigmas[:, None] ** 2))
    return g.reshape(len(centers), -1, N).mean(axis=1)


def morlet_1d(N: int, xi, sigma) -> np.ndarray:
    """Fourier transforms of Morlet wavelets (or Gaussian low-passes) of length ``N``.

    Parameters
    ----------
    N : int
        Number of frequencies (the padded signal length).
    xi : float or array-like of shape (K,) or None
        Centre frequencies in cycles per sample; ``None`` or 0 gives the
        Gaussian low-pass of width ``sigma``.
    sigma : float or array-like of shape (K,)
        Frequency bandwidths.

    Returns
    -------
    filters : ndarray of shape (K, N) or (N,), float64
        Real Fourier transforms on the frequencies ``np.fft.fftfreq(N)``, each
        with unit l1 norm in time. A wavelet too narrow for the grid (all its
        energy between two frequency samples) is returned as zeros.
    """
    scalar = np.ndim(sigma) == 0 and np.ndim(xi) == 0
    sigmas = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    lowpass_only = xi is None
    xis = np.zeros_like(sigmas) if lowpass_only else np.atleast_1d(np.asarray(xi, np.float64))
    xis, sigmas = np.broadcast_arrays(xis, sigmas)
    out = np.empty((len(sigmas), N), dtype=np.float64)
    periods = np.array([_n_periods(s) for s in sigmas])
    for P in np.unique(periods):
        rows = np.flatnonzero(periods == P)
        s = sigmas[rows]
        low = _periodic_gaussians(N, np.zeros_like(s), s, int(P), centred=True)
        band = ~(xis[rows] == 0)
        filt = low
        if band.any():
            gabor = _periodic_gaussians(N, xis[rows][band], s[band], int(P))
            # kappa removes the mean: the filter vanishes at frequency 0.
            kappa = gabor[:, :1] / low[band][:, :1]
            filt = low.copy()
            filt[band] = gabor - kappa * low[band]
        norms = np.abs(scipy.fft.ifft(filt, axis=-1)).sum(axis=-1, keepdims=True)
        # A filter whose samples are all rounding residue (narrower than the
        # frequency grid) is zero, not rounding noise blown up to unit norm.
        alive = np.abs(filt).max(axis=-1, keepdims=True) * (2 * P - 1) > _NUMERICAL_ZERO
        with np.errstate(divide="ignore", invalid="ignore"):
            filt = np.where(alive & (norms > 0), filt / norms, 0.0)
        out[rows] = filt
    return out[0] if scalar else out


def gauss_1d(N: int, sigma: float) -> np.ndarray:
    """Fourier transform of the periodised Gaussian low-pass of width ``sigma``."""
    return morlet_1d(N, None, sigma)


def periodize_fourier_1d(h: np.ndarray, k: int) -> np.ndarray:
    """Fourier filter on the grid of a signal sub-sampled by ``k``: the mean of
    its ``k`` aliases (what sub-sampling after filtering does to the spectrum)."""
    if k == 1:
        return np.array(h, copy=True)
    N = h.shape[-1]
    return h.reshape(h.shape[:-1] + (k, N // k)).mean(axis=-2)


def temporal_support(h_f: np.ndarray, criterion: float = 1e-3) -> int:
    """Half temporal support of a symmetric filter given in Fourier.

    The smallest ``n`` such that the l1 norm of the filter outside ``[-n, n]``
    is at most ``criterion``; half the length when there is none (the signal is
    too short for the filter).
    """
    h = np.abs(scipy.fft.ifft(np.asarray(h_f), axis=-1)).reshape(-1, np.shape(h_f)[-1])
    half = h.shape[-1] // 2
    # residual[k] = sum of |h[i]| for k <= i < half: the mass beyond support k.
    residual = np.cumsum(h[:, :half][:, ::-1], axis=-1)[:, ::-1].max(axis=0)
    ok = np.flatnonzero(residual <= criterion)
    return int(ok[0] + 1) if ok.size else half


@dataclass(frozen=True)
class FilterBank1D:
    """Fourier-domain filters of a 1-D scattering transform.

    Attributes
    ----------
    N : int
        Padded signal length (a power of two) the filters live on.
    J : int
        Log2 of the largest wavelet scale.
    Q : tuple of int
        ``(Q1, Q2)``: wavelets per octave at orders 1 and 2.
    T : int
        Width of the low-pass (averaging) window in samples.
    psi1 : ndarray of shape (K1, N)
        First-order wavelets, highest frequency first.
    psi2 : tuple of ndarray
        ``psi2[k]`` holds the ``K2`` second-order wavelets on the grid
        sub-sampled by ``2**k``, shape ``(K2, N / 2**k)``.
    phi : tuple of ndarray
        ``phi[k]`` is the low-pass on the grid sub-sampled by ``2**k``.
    xi1, sigma1, xi2, sigma2 : ndarray
        Centre frequency and bandwidth (cycles per sample) of each wavelet.
    j1, j2 : ndarray of int
        Sub-sampling index of each wavelet.
    sigma_phi : float
        Bandwidth of the low-pass, ``SIGMA0 / T``.
    """

    N: int
    J: int
    Q: tuple
    T: int
    psi1: np.ndarray = field(repr=False)
    psi2: tuple = field(repr=False)
    phi: tuple = field(repr=False)
    xi1: np.ndarray = field(repr=False)
    sigma1: np.ndarray = field(repr=False)
    j1: np.ndarray = field(repr=False)
    xi2: np.ndarray = field(repr=False)
    sigma2: np.ndarray = field(repr=False)
    j2: np.ndarray = field(repr=False)
    sigma_phi: float = 0.0
    _blocks: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def block(self, name: str, level: int, rows: slice, scale: float = 1.0):
        """``scale * psi1[rows]`` or ``scale * psi2[level][rows]``, contiguous and memoised.

        The cascade asks for the same groups of filters at every batch; handing
        it the same array object each time lets backends cache per-filter work
        (interleaved copies, device uploads) on its identity.
        """
        key = (name, level, rows.start, rows.stop, scale)
        hit = self._blocks.get(key)
        if hit is None:
            source = self.psi1 if name == "psi1" else self.psi2[level]
            hit = source[rows] * scale if scale != 1.0 else source[rows]
            hit = readonly(hit, source.dtype) if isinstance(source, np.ndarray) else hit
            self._blocks[key] = hit
        return hit

    @property
    def nbytes(self) -> int:
        return self.psi1.nbytes + sum(a.nbytes for a in self.psi2) + sum(a.nbytes for a in self.phi)


@cached_bank
def morlet_filter_bank_1d(
    N: int, J: int, Q1: int = 1, Q2: int = 1, T: int | None = None, dtype: str = "float64"
) -> FilterBank1D:
    """Build (once per parameter set) the Fourier filters of a 1-D scattering.

    Parameters
    ----------
    N : int
        Padded signal length, a power of two.
    J : int
        Log2 of the largest wavelet scale.
    Q1, Q2 : int, default=1
        Wavelets per octave at the first and second order.
    T : int or None, default=None
        Averaging window in samples (``2**J`` when None).
    dtype : {"float64", "float32"}
        Precision in which the (real) Fourier filters are stored; they are
        always computed in float64.

    Returns
    -------
    bank : FilterBank1D
        Levels are provided for every sub-sampling the cascade can ask for:
        ``phi`` up to ``2**floor(log2 T)`` and ``psi2`` up to the largest
        first-order ``j1`` that has a second-order child, both capped by ``N``.
    """
    if np.dtype(dtype) != np.float64:
        ref = morlet_filter_bank_1d(N, J, Q1, Q2, T, "float64")
        return FilterBank1D(
            N=ref.N,
            J=ref.J,
            Q=ref.Q,
            T=ref.T,
            psi1=readonly(ref.psi1, dtype),
            psi2=tuple(readonly(a, dtype) for a in ref.psi2),
            phi=tuple(readonly(a, dtype) for a in ref.phi),
            xi1=ref.xi1,
            sigma1=ref.sigma1,
            j1=ref.j1,
            xi2=ref.xi2,
            sigma2=ref.sigma2,
            j2=ref.j2,
            sigma_phi=ref.sigma_phi,
        )
    T = 2**J if T is None else T
    log2_N = int(round(math.log2(N)))
    if 2**log2_N != N:
        raise ValueError(f"The padded length N={N} must be a power of two.")
    log2_T = int(math.floor(math.log2(T)))
    xi1, sigma1, j1 = (np.asarray(v) for v in morlet_params_1d(J, Q1))
    xi2, sigma2, j2 = (np.asarray(v) for v in morlet_params_1d(J, Q2))

    psi1 = morlet_1d(N, xi1, sigma1).reshape(len(xi1), N)
    psi2_full = morlet_1d(N, xi2, sigma2).reshape(len(xi2), N)
    parents = [a for a in j1 if np.any(j2 > a)]
    n_psi2 = min(max(parents, default=0), log2_T, log2_N)
    psi2 = tuple(
        readonly(periodize_fourier_1d(psi2_full, 2**k), np.float64) for k in range(n_psi2 + 1)
    )

    sigma_phi = SIGMA0 / T
    phi_full = gauss_1d(N, sigma_phi)
    n_phi = max(min(log2_T, log2_N), 0)
    phi = tuple(
        readonly(periodize_fourier_1d(phi_full, 2**k), np.float64) for k in range(n_phi + 1)
    )
    return FilterBank1D(
        N=N,
        J=J,
        Q=(Q1, Q2),
        T=T,
        psi1=readonly(psi1, np.float64),
        psi2=psi2,
        phi=phi,
        xi1=readonly(xi1, np.float64),
        sigma1=readonly(sigma1, np.float64),
        j1=readonly(j1, np.int64),
        xi2=readonly(xi2, np.float64),
        sigma2=readonly(sigma2, np.float64),
        j2=readonly(j2, np.int64),
        sigma_phi=sigma_phi,
    )


# -- frequential filters of the joint time-frequency scattering --------------
def frequential_padded_length(n_input_fr: int, J_fr: int, F: int, log2_stride_fr: int) -> int:
    """Length of the zero-padded log-frequency axis of a joint time-frequency scattering.

    ``n_input_fr + 8 min(F, 2**J_fr)`` rounded down to a multiple of
    ``2**J_fr`` (Kymatio's rule, with ``n_input_fr = (J + 1) Q1``), then up to a
    multiple of ``2**log2_stride_fr`` when the frequential stride is coarser,
    so that every sub-sampling divides it.
    """
    step = 2**J_fr
    N_fr = (n_input_fr + 8 * min(F, step)) // step * step
    fine = 2 ** max(J_fr, log2_stride_fr)
    return -(-N_fr // fine) * fine


@dataclass(frozen=True)
class FrequentialBank:
    """Fourier-domain filters along the log-frequency axis (index ``n1``).

    Attributes
    ----------
    N : int
        Zero-padded length of the log-frequency axis.
    J_fr, Q_fr, F : int
        Largest log-frequency scale, wavelets per octave, averaging width.
    psi : ndarray of shape (1 + 2 K, N)
        The low-pass of width ``2**J_fr`` (spin 0), then the ``K`` Morlet
        wavelets of spin +1 (highest ``xi`` first), then their mirror images
        of spin -1 (centre frequency ``-xi``).
    xi, sigma : ndarray of shape (1 + 2 K,)
        Centre frequency (signed) and bandwidth of each filter.
    j : ndarray of int
        Sub-sampling index of each filter (``J_fr`` for the low-pass).
    spin : ndarray of int
        0, +1 or -1.
    phi : ndarray of shape (N,)
        Low-pass of width ``F`` that averages the moduli along log-frequency.
    """

    N: int
    J_fr: int
    Q_fr: int
    F: int
    psi: np.ndarray = field(repr=False)
    xi: np.ndarray = field(repr=False)
    sigma: np.ndarray = field(repr=False)
    j: np.ndarray = field(repr=False)
    spin: np.ndarray = field(repr=False)
    phi: np.ndarray = field(repr=False)
    _levels: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def phi_level(self, k: int) -> np.ndarray:
        """``phi`` on the grid sub-sampled by ``2**k``: the *sum* of its aliases.

        Kymatio's main branch periodises these filters by summing (its
        frequential filters have always been built that way), so a path
        sub-sampled by ``2**k`` before the average carries no ``2**-k``.
        """
        hit = self._levels.get(k)
        if hit is None:
            N = self.phi.shape[-1]
            hit = self.phi.reshape(2**k, N // 2**k).sum(axis=0) if k else self.phi
            hit = readonly(hit, self.phi.dtype) if isinstance(hit, np.ndarray) else hit
            self._levels[k] = hit
        return hit


@cached_bank
def frequential_filter_bank(
    N: int, J_fr: int, Q_fr: int = 1, F: int | None = None, dtype: str = "float64"
) -> FrequentialBank:
    """Build (once per parameter set) the frequential filters of a joint scattering.

    The wavelets are the Morlet bank of :func:`morlet_params_1d` with ``J_fr``
    and ``Q_fr``, taken with both signs of their centre frequency (the two
    *spins*), on a log-frequency axis of ``N`` points; the low-pass that
    completes them has width ``2**J_fr``, the averaging one width ``F``
    (``2**J_fr`` when None).

    Parameters
    ----------
    N : int
        Padded length of the log-frequency axis (any integer).
    J_fr : int
        Log2 of the largest log-frequency scale.
    Q_fr : int, default=1
        Wavelets per octave.
    F : int or None, default=None
        Width of the averaging low-pass, in first-order filters.
    dtype : {"float64", "float32"}
        Storage precision (always computed in float64).

    Returns
    -------
    bank : FrequentialBank
    """
    F = 2**J_fr if F is None else int(F)
    if np.dtype(dtype) != np.float64:
        ref = frequential_filter_bank(N, J_fr, Q_fr, F, "float64")
        return FrequentialBank(
            N=N,
            J_fr=J_fr,
            Q_fr=Q_fr,
            F=F,
            psi=readonly(ref.psi, dtype),
            xi=ref.xi,
            sigma=ref.sigma,
            j=ref.j,
            spin=ref.spin,
            phi=readonly(ref.phi, dtype),
        )
    xi, sigma, j = (np.asarray(v, dtype=np.float64) for v in morlet_params_1d(J_fr, Q_fr))
    xis = np.concatenate([[0.0], xi, -xi])
    sigmas = np.concatenate([[SIGMA0 / 2**J_fr], sigma, sigma])
    js = np.concatenate([[J_fr], j, j]).astype(np.int64)
    spins = np.sign(xis).astype(np.int64)
    psi = morlet_1d(N, xis, sigmas).reshape(len(xis), N)
    return FrequentialBank(
        N=N,
        J_fr=J_fr,
        Q_fr=Q_fr,
        F=F,
        psi=readonly(psi, np.float64),
        xi=readonly(xis, np.float64),
        sigma=readonly(sigmas, np.float64),
        j=readonly(js, np.int64),
        spin=readonly(spins, np.int64),
        phi=readonly(gauss_1d(N, SIGMA0 / F), np.float64),
    )
