"""Periodic wavelets along the orientation axis of a roto-translation scattering.

The first layer's moduli ``U1(u, theta)`` are sampled at ``L`` orientations
``theta = pi l / L``. Seen as a function on the rotation group they live on
the ``2L`` angles ``pi l / L`` of ``[0, 2 pi)``, extended by
``W(theta + pi) = conj(W(theta))`` (the second-layer coefficients of a real
image, whose wavelet turned by ``pi`` is its conjugate). The angular filters
are real and even, defined by their discrete Fourier transform on those ``2L``
points (angular frequency ``m``, ``|m| <= L``):

* wavelet ``k`` (``k = 0 .. K - 1``, ``K = ceil(log2 L) + 1``) has
  ``h_k(m) = cos(pi/2 (log2|m| - (log2 L - k)))`` where that argument lies in
  ``(-pi/2, pi/2)`` and 0 elsewhere: a band one octave wide on each side of
  ``|m| = L / 2**k`` (``k = 0`` the finest angular detail);
* the low-pass is the average over all angles, ``phi(m) = 1`` at ``m = 0``.

Neighbouring bands are ``cos`` and ``sin`` of the same argument, so
``sum_k h_k(m)**2 + phi(m)**2 = 1`` at every frequency (Littlewood–Paley):
the frame is tight and the angular transform keeps the energy exactly.
"""

from __future__ import annotations

import math

import numpy as np

from ._cache import memoize


def n_angular_wavelets(L: int) -> int:
    """Number of angular wavelets ``K = ceil(log2 L) + 1`` on ``2L`` angles."""
    return int(math.ceil(math.log2(L))) + 1 if L > 1 else 1


@memoize(32)
def angular_filters_fourier(L: int) -> np.ndarray:
    """Fourier transforms of the angular filters, shape ``(K + 1, 2L)``.

    Rows ``0 .. K - 1`` are the wavelets, row ``K`` the low-pass; column ``m``
    is the angular frequency ``m`` (numpy's FFT order). Read-only float64.
    """
    n = 2 * L
    m = np.abs(np.fft.fftfreq(n, 1.0 / n))
    K = n_angular_wavelets(L)
    out = np.zeros((K + 1, n))
    with np.errstate(divide="ignore"):
        t = np.log2(m)
    for k in range(K):
        d = t - (math.log2(L) - k)
        inside = (m > 0) & (np.abs(d) < 1)
        out[k, inside] = np.cos(0.5 * np.pi * d[inside])
    out[K, m == 0] = 1.0
    out.flags.writeable = False
    return out


@memoize(32)
def angular_filters(L: int) -> np.ndarray:
    """The angular filters on the ``2L`` angles, shape ``(K + 1, 2L)`` (real, even)."""
    h = np.fft.ifft(angular_filters_fourier(L), axis=-1).real
    h.flags.writeable = False
    return h


@memoize(32)
def angular_mixing(L: int, dtype: str = "float64") -> tuple:
    """Matrices of the angular convolutions on the ``L`` stored angles.

    For ``W`` on ``theta' = 0 .. L - 1`` extended to ``2L`` angles by
    ``W(theta' + L) = conj(W(theta'))``, the convolution with a real filter
    ``h`` is ``Y(theta) = P[theta, theta'] Re W(theta') + i Q[theta, theta'] Im W(theta')``
    (summed over ``theta'``) with ``P = A + B``, ``Q = A - B``,
    ``A[t, t'] = h(t - t')`` and ``B[t, t'] = h(t - t' - L)`` (indices mod
    ``2L``); ``Y(theta + L) = conj(Y(theta))`` so ``theta < L`` says all.

    Returns
    -------
    (P, Q) : two read-only arrays of shape ``(K + 1, L, L)``
        One pair of matrices per angular filter (wavelets, then low-pass).
    """
    h = angular_filters(L)
    t = np.arange(L)
    diff = t[:, None] - t[None, :]
    A = h[:, diff % (2 * L)]
    B = h[:, (diff - L) % (2 * L)]
    P = np.ascontiguousarray(A + B, dtype=dtype)
    Q = np.ascontiguousarray(A - B, dtype=dtype)
    P.flags.writeable = False
    Q.flags.writeable = False
    return P, Q
