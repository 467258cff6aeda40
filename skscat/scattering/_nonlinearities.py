"""Point-wise non-linearities of the scattering cascades.

``modulus`` is the backend's own operation. ``phase_relu`` is the rectifier
acting on the phase (Mallat, Zhang & Rochette, "Phase harmonic correlations
and convolutional neural networks", 2020): for a complex wavelet
coefficient ``z = x * psi_lambda`` and ``A`` phases ``alpha_a = 2 pi a / A``,

    U(alpha_a) = max(Re(exp(i alpha_a) z), 0) = max(x * Re(exp(i alpha_a) psi_lambda), 0),

the rectified response to the real wavelet of phase ``alpha_a``. Its discrete
Fourier transform along ``alpha`` is ``gamma_hat(k) |z| exp(i k phase(z))`` (up to
aliasing of the harmonics ``k + m A``), with ``gamma(alpha) = max(cos alpha, 0)``,
``gamma_hat(0) = 1 / pi``, ``gamma_hat(+-1) = 1 / 4``, ``gamma_hat(k) = 0`` for odd
``|k| >= 3``: the rectifier computes phase harmonics.
"""

from __future__ import annotations

import numpy as np

NONLINEARITIES = ("modulus", "relu")


def phase_angles(n_phases: int) -> np.ndarray:
    """The phases ``alpha_a = 2 pi a / n_phases``, radians."""
    return 2.0 * np.pi * np.arange(n_phases) / n_phases


def phase_rotations(n_phases: int, xp=np, dtype=np.complex128):
    """``exp(i alpha_a)`` for every phase, shape ``(n_phases,)``."""
    return xp.asarray(np.exp(1j * phase_angles(n_phases)), dtype=dtype)


def phase_relu(z, n_phases: int, ndim: int, backend=None):
    """Rectified real parts ``max(Re(exp(i alpha_a) z), 0)`` over ``n_phases`` phases.

    Parameters
    ----------
    z : complex array of shape ``(..., K, *S)``
        Wavelet coefficients; ``S`` are the ``ndim`` spatial axes and ``K`` the
        filter (orientation) axis.
    n_phases : int
        Number of phases ``A``.
    ndim : int
        Number of spatial axes.
    backend : backend instance or None
        The backend whose ``phase_relu`` computes it (the NumPy backend when None).

    Returns
    -------
    u : real array of shape ``(..., K * A, *S)``
        Channel ``t * A + a`` is filter ``t`` at phase ``a``.
    """
    if backend is None:
        from ..backends.numpy_backend import NumpyBackend

        backend = NumpyBackend()
    return backend.phase_relu(z, n_phases, ndim)


def rectify(z, nonlinearity: str, n_phases: int, ndim: int, backend):
    """Apply the cascade's non-linearity: the modulus, or the ReLU over phases."""
    if nonlinearity == "relu":
        return phase_relu(z, n_phases, ndim, backend)
    return backend.modulus(z)
