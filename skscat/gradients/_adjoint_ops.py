"""Adjoints of the backend operations, written once against the forward ones.

Every step of a scattering or phase-harmonic transform is an FFT, an inverse
FFT, a product with Fourier filters followed by a periodisation (sub-sampling
in space), a reflect padding, a crop, a modulus, a rectifier over phases or a
phase power. Their adjoints are as simple; each function below calls only the
backend's forward operations (``fft``, ``ifft``) and element-wise array
operations of its array module ``xp``, so every backend (NumPy, numba, CuPy)
gets them.

Conventions. Complex arrays are vectors of ``R^2`` with the real inner
product ``<a, b> = Re(sum(a * conj(b)))``; the adjoint ``T*`` of an operation
``T`` satisfies ``<T a, b> = <a, T* b>``. For a complex-linear map this is the
conjugate transpose. Operations act on the trailing ``ndim`` axes and
broadcast over the leading ones, as the backend operations do.

Non-smooth points get a defined, finite subgradient: the modulus and the phase
power at ``z = 0`` use ``exp(i phase(0)) := 0``, the rectifier at ``0`` has
slope ``0``.
"""

from __future__ import annotations

import math

import numpy as np


def _xp(backend):
    return backend.xp


def _size(x, ndim: int) -> int:
    return math.prod(x.shape[x.ndim - ndim :])


# -- Fourier transforms ---------------------------------------------------------
def fft_adjoint(backend, g, ndim: int):
    """Adjoint of ``backend.fft``: ``N * ifft(g)`` (``N`` points)."""
    return backend.ifft(g, ndim) * _size(g, ndim)


def ifft_adjoint(backend, g, ndim: int):
    """Adjoint of ``backend.ifft``: ``fft(g) / N``."""
    return backend.fft(g, ndim) / _size(g, ndim)


def fft_real_adjoint(backend, g, ndim: int):
    """Adjoint of the FFT of a *real* signal: ``Re(N * ifft(g))``."""
    return fft_adjoint(backend, g, ndim).real


def ifft_real_adjoint(backend, g, ndim: int):
    """Adjoint of ``Re(ifft(x))`` (``backend.ifft_real``, ``irfft`` of a half spectrum)."""
    return ifft_adjoint(backend, g, ndim)


# -- filter product and periodisation -------------------------------------------
def filter_subsample_adjoint(backend, g, filters, k: int, ndim: int):
    """Adjoint of ``backend.filter_subsample(x, filters, k, ndim)``.

    The forward multiplies by the filters and averages the spectrum over its
    ``k**ndim`` aliases; the adjoint tiles ``g`` ``k`` times along each axis,
    divides by ``k**ndim`` and multiplies by the conjugate filters. With a
    filter axis (``filters.ndim > ndim``) the forward inserted an axis before
    the spatial ones; the adjoint sums over it.
    """
    xp = _xp(backend)
    filt = xp.conj(filters) if xp.iscomplexobj(filters) else filters
    if k == 1:
        y = g * filt
    else:
        # Tile by broadcasting: the filter viewed as (..., k, n0/k, k, n1/k, ...)
        # times g viewed as (..., 1, n0/k, 1, n1/k, ...), without a tiled copy.
        small = g.shape[g.ndim - ndim :]
        split = sum(((k, n) for n in small), ())
        filt = filt.reshape(filt.shape[: filt.ndim - ndim] + split)
        g = (g / k**ndim).reshape(g.shape[: g.ndim - ndim] + sum(((1, n) for n in small), ()))
        y = g * filt
        y = y.reshape(y.shape[: y.ndim - 2 * ndim] + tuple(k * n for n in small))
    if filters.ndim > ndim:
        y = y.sum(axis=-ndim - 1)
    return y


# -- padding and cropping ---------------------------------------------------------
def _reflect_matrix(n_in: int, before: int, after: int, xp, dtype):
    """One-hot matrix ``P`` (``n_out x n_in``) with ``pad(x) = P @ x`` along one axis."""
    idx = np.pad(np.arange(n_in), (before, after), mode="reflect") if n_in > 1 else None
    if idx is None:  # a length-1 axis: every padded sample is the one sample
        idx = np.zeros(n_in + before + after, dtype=np.intp)
    P = np.zeros((idx.size, n_in))
    P[np.arange(idx.size), idx] = 1.0
    return xp.asarray(P, dtype=dtype)


def pad_reflect_adjoint(backend, g, pad_width, ndim: int):
    """Adjoint of ``backend.pad_reflect``: folds the reflected margins back.

    ``g`` has the padded shape; the result has the unpadded one. Every padded
    sample is a copy of one input sample, so the adjoint adds each margin
    sample onto the sample it copied (a product with the one-hot padding
    matrix, axis by axis).
    """
    xp = _xp(backend)
    real_dtype = g.real.dtype
    for axis, (before, after) in zip(range(-ndim, 0), pad_width, strict=True):
        n_in = g.shape[axis] - before - after
        P = _reflect_matrix(n_in, int(before), int(after), xp, real_dtype)
        g = xp.moveaxis(xp.moveaxis(g, axis, -1) @ P, -1, axis)
    return g


def crop_adjoint(backend, g, full_shape: tuple, starts: tuple):
    """Adjoint of cropping ``x[..., s0:s0+h, s1:s1+w]``: zeros with ``g`` in the window."""
    xp = _xp(backend)
    ndim = len(starts)
    out = xp.zeros(g.shape[: g.ndim - ndim] + tuple(full_shape), dtype=g.dtype)
    window = tuple(slice(s, s + n) for s, n in zip(starts, g.shape[g.ndim - ndim :], strict=True))
    out[(...,) + window] = g
    return out


def mean_adjoint(backend, g, shape: tuple):
    """Adjoint of the mean over trailing axes of size ``shape``: spread ``g`` evenly."""
    xp = _xp(backend)
    ndim = len(shape)
    g = g[(...,) + (None,) * ndim] / math.prod(shape)
    return xp.broadcast_to(g, g.shape[: g.ndim - ndim] + tuple(shape))


# -- point-wise non-linearities -----------------------------------------------------
def _inverse_modulus(backend, z):
    """``1 / |z|``, with ``0`` where ``z == 0``."""
    xp = _xp(backend)
    r = xp.abs(z)
    with np.errstate(divide="ignore"):
        return xp.where(r > 0, 1 / r, 0).astype(r.dtype, copy=False)


def unit_phase(backend, z):
    """``z / |z|``, with ``0`` where ``z == 0`` (the subgradient convention)."""
    return z * _inverse_modulus(backend, z)


def modulus_adjoint(backend, g, z):
    """Adjoint of the Jacobian of ``|z|`` at ``z``: ``g * z / |z|`` (``0`` at ``z = 0``)."""
    return (g * _inverse_modulus(backend, z)) * z


def phase_relu_adjoint(backend, g, z, n_phases: int, ndim: int):
    """Adjoint of the Jacobian of :func:`skscat.scattering._nonlinearities.phase_relu`.

    The forward maps ``z`` (``(..., K, *S)``, complex) to the real channels
    ``max(Re(exp(i alpha_a) z), 0)`` (``(..., K * A, *S)``). Its Jacobian is
    ``dz -> 1[Re(e_a z) > 0] Re(e_a dz)``, whose adjoint is
    ``g -> sum_a g_a 1[Re(e_a z) > 0] conj(e_a)``.
    """
    from ..scattering._nonlinearities import phase_rotations

    xp = _xp(backend)
    spatial = z.shape[z.ndim - ndim :]
    g = g.reshape(z.shape[: z.ndim - ndim] + (n_phases,) + spatial)
    rot = phase_rotations(n_phases, xp, z.dtype).reshape((n_phases,) + (1,) * ndim)
    active = (z[(..., None) + (slice(None),) * ndim] * rot).real > 0
    return (xp.where(active, g, 0) * xp.conj(rot)).sum(axis=-ndim - 1)


def phase_power_adjoint(backend, g, z, k, zk=None):
    """Adjoint of the Jacobian of the phase power ``[z]^k = |z| exp(i k phase(z))``.

    With ``u = z / |z|``, ``d[z]^k = (1 + k)/2 u^(k-1) dz + (1 - k)/2 u^(k+1) conj(dz)``,
    so the adjoint is ``g -> (1 + k)/2 conj(u)^(k-1) g + (1 - k)/2 u^(k+1) conj(g)``.
    At ``z = 0``, ``u := 0`` and ``u^0 := 1``: ``k = 1`` (the identity) and
    ``k = -1`` (the conjugate) keep their exact gradients ``g`` and ``conj(g)``,
    every other power gets ``0``. ``k`` may be an array broadcasting against
    ``z`` (one power per channel). ``zk``, the forward's ``[z]^k`` if the caller
    has it, saves computing ``u^k``.
    """
    xp = _xp(backend)
    inv = _inverse_modulus(backend, z)
    u = z * inv
    if np.ndim(k) == 0 and float(k) == int(k) and int(k) not in (-1, 1):
        k = int(k)
        uk = zk * inv if zk is not None else _int_power(xp, u, k)
        u_km1 = uk * xp.conj(u)  # u^(k-1) (|u| = 1, and 0 where z = 0)
        u_kp1 = uk * u
        return (1 + k) / 2 * xp.conj(u_km1) * g + (1 - k) / 2 * u_kp1 * xp.conj(g)
    k = xp.asarray(k, dtype=z.real.dtype)
    nonzero = inv != 0
    phase = xp.angle(u)

    def power(m):
        return xp.where(nonzero, xp.exp(1j * m * phase), (m == 0).astype(z.real.dtype))

    a = (1 + k) / 2 * xp.conj(power(k - 1))
    b = (1 - k) / 2 * power(k + 1)
    return a * g + b * xp.conj(g)


def _int_power(xp, u, k: int):
    """``u**k`` for a unit-modulus ``u`` (0 stays 0, also for ``k = 0``) by squaring."""
    if k < 0:
        u, k = xp.conj(u), -k
    result = None
    power = u
    while k:
        if k & 1:
            result = power if result is None else result * power
        k >>= 1
        if k:
            power = power * power
    return result if result is not None else xp.where(u != 0, 1, 0).astype(u.dtype)


def phase_power(backend, z, k):
    """``[z]^k = |z| exp(i k phase(z))`` (``0`` at ``z = 0``), for reference and tests."""
    xp = _xp(backend)
    return xp.abs(z) * xp.where(xp.abs(z) > 0, xp.exp(1j * k * xp.angle(z)), 0)
