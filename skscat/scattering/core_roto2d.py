"""The roto-translation scattering cascade, written once against the backend operations.

The first layer is Scattering2D's: ``U1(u, theta, j1) = |x * psi_{j1, theta}|(u)``
with the same Morlet bank, padding and sub-sampling. The second layer is a
separable wavelet transform of ``U1(., ., j1)`` on the roto-translation group:

``Y(u, theta) = sum_theta' h_k(theta - theta') (U1(., theta') * psi_{j2, theta' + beta})(u)``

(the spatial wavelet turns with the first angle; ``beta`` is the relative
angle, ``h_k`` the angular filters of :mod:`skscat.filters.angular` on the
``2L`` angles of ``[0, 2 pi)``), then ``|Y|`` is averaged over ``theta``
(globally, or over windows of ``w`` orientations) and over ``u`` (``phi_J``,
or the mean over the image). A rotation by ``pi / L`` turns ``u`` and shifts
``theta`` by one step, so the angular averages do not see it.

Python loops run over scales only; samples, orientations, relative angles and
angular filters are batched.
"""

from __future__ import annotations

import numpy as np

from ..filters._cache import memoize
from ..filters.angular import angular_mixing
from ..filters.lowpass_matrices import lowpass_cost_ratio, lowpass_matrices_2d
from ..filters.morlet2d import FilterBank2D


@memoize(32)
def relative_gather(L: int) -> tuple:
    """Where ``psi_{theta' + beta}`` sits among Scattering2D's ``L`` second wavelets.

    Returns ``(index, sign)``, two ``(L, L)`` arrays over ``(theta', beta)``:
    ``index = (theta' + beta) mod L`` and ``sign = -1`` where
    ``theta' + beta >= L``. There the wavelet is turned by ``pi``, i.e.
    conjugated, so the coefficient of a real map is the conjugate one
    (its imaginary part changes sign).
    """
    a = np.arange(L)[:, None] + np.arange(L)[None, :]
    index = a % L
    sign = np.where(a >= L, -1.0, 1.0)
    index.flags.writeable = False
    sign.flags.writeable = False
    return index, sign


def lowpass_operator(bank: FilterBank2D, res: int, out_hw: tuple, offset: tuple, dtype: str):
    """``(rows, cols)`` of the spatial low-pass at ``res``, or None for the Fourier form.

    The matrix form (:func:`~skscat.filters.lowpass_matrices.lowpass_matrices_2d`)
    is taken where it is cheaper, and always for a lattice shifted off the
    lattice of :class:`~skscat.Scattering2D` (any non-zero ``offset``), which only
    it reads.
    """
    J, L = bank.J, bank.L
    M, N = bank.shape
    shifted = any(float(d) != 0.0 for d in offset)
    if not shifted and lowpass_cost_ratio((M // 2**res, N // 2**res), out_hw) > 2.0:
        return None
    mats = lowpass_matrices_2d(M, N, J, L, res, tuple(out_hw), False, dtype, tuple(offset))
    if mats is None and shifted:  # never for Morlet banks, whose low-pass is separable
        raise ValueError("a shifted output lattice needs a separable low-pass filter")
    return mats


def roto_translation2d(
    x,
    backend,
    bank: FilterBank2D,
    *,
    max_order: int,
    pad_width: tuple,
    out_hw: tuple,
    lattice_offset: tuple = (0.0, 0.0),
    average: bool,
    window: int,
    out,
    tape: dict | None = None,
):
    """Roto-translation scattering coefficients of a batch of images, written into ``out``.

    Parameters
    ----------
    x : array of shape (n, H, W)
        Real images (backend array).
    backend : backend instance
        Supplies ``pad_reflect``, ``rfft``, ``irfft``, ``ifft``,
        ``filter_subsample_hermitian``, ``lowpass_hermitian``, ``modulus``,
        ``lowpass_spatial``, the angular step (``angular_modulus_mean``, or
        ``angular_convolutions`` when the gradients need ``Y``) and ``xp``.
    bank : FilterBank2D
        Scattering2D's Fourier filters on the padded grid.
    max_order : {1, 2}
    pad_width : ((top, bottom), (left, right))
    out_hw : (h, w)
        Output positions per path (ignored when ``average``).
    lattice_offset : (dy, dx)
        The output positions are ``2**J * (i + 1) + dy`` and ``2**J * (j + 1) + dx``
        on the padded grid (pixels, not necessarily whole).
    average : bool
        If True, nothing is sub-sampled and every map is averaged over the
        image's own pixels: a quarter turn of a square image permutes those
        pixels exactly, so the output does not change. Otherwise maps are
        sub-sampled as in Scattering2D and low-passed by ``phi_J``.
    window : int
        Orientations averaged together (a divisor of ``L``; ``L`` is global).
    out : array of shape (n, n_channels, h, w) or (n, n_channels)
        Receives the coefficients: order 0, order 1 by (j1, orientation
        window), order 2 by (j1, j2 > j1, angular filter, orientation window,
        beta).
    tape : dict or None
        If given, receives what the gradients need: ``tape[(j1,)]`` the
        first-layer coefficients ``W1`` and ``tape[(j1, j2)]`` the angular
        convolutions ``Y``.
    """
    J, L = bank.J, bank.L
    M, N = bank.shape
    ops = backend
    xp = backend.xp
    dtype = str(bank.phi[0].dtype)
    G = L // window
    (top, _), (left, _) = pad_width
    H, W = x.shape[-2:]
    P, Q = angular_mixing(L, dtype)
    n_ang = P.shape[0]
    index, sign = relative_gather(L)

    def res_of(j):
        return 0 if average else j

    def theta_mean(U):
        """Mean over windows of ``window`` orientations of axis -3 (``L`` -> ``G``)."""
        s = U.shape
        return U.reshape(s[:-3] + (G, window) + s[-2:]).mean(axis=-3)

    def lowpass(V, res):
        """Low-pass of real maps ``V`` at resolution ``res``, or their mean over the image."""
        if average:
            return V[..., top : top + H, left : left + W].mean(axis=(-2, -1))
        h, w = out_hw
        mats = lowpass_operator(bank, res, out_hw, lattice_offset, dtype)
        if mats is not None:
            return ops.lowpass_spatial(V, *(ops.asarray(a) for a in mats), 2)
        Nr = N // 2**res
        k = 2 ** (J - res)
        S = ops.irfft(ops.lowpass_hermitian(ops.rfft(V, 2), bank.phi[res], k, 2, Nr), Nr // k, 2)
        return S[..., 1 : 1 + h, 1 : 1 + w]

    n = x.shape[0]
    xpad = ops.pad_reflect(x, pad_width, 2)
    out[:, 0] = lowpass(xpad, 0)
    U0 = ops.rfft(xpad, 2)
    c = 1 + J * G  # order 2 follows every order 1
    for j1 in range(J):
        r1 = res_of(j1)
        W1 = ops.ifft(ops.filter_subsample_hermitian(U0, bank.psi[j1][0], 2**r1, 2, N), 2)
        if tape is not None:
            tape[(j1,)] = W1
        U1 = ops.modulus(W1)  # (n, L, M1, N1), real
        out[:, 1 + j1 * G : 1 + (j1 + 1) * G] = lowpass(theta_mean(U1), r1)
        if max_order < 2 or j1 == J - 1:
            continue
        U1_hat = ops.rfft(U1, 2)
        N1 = N // 2**r1
        for j2 in range(j1 + 1, J):
            r2 = res_of(j2)
            W2 = ops.filter_subsample_hermitian(U1_hat, bank.psi[j2][r1], 2 ** (r2 - r1), 2, N1)
            W2 = ops.ifft(W2, 2)  # (n, theta', a, M2, N2)
            if tape is None:
                A = ops.angular_modulus_mean(W2, index, sign, P, Q, window)
            else:
                Y = ops.angular_convolutions(W2, index, sign, P, Q)  # (k, theta, n, beta, ...)
                tape[(j1, j2)] = Y
                A = ops.modulus(Y)
                A = A.reshape((n_ang, G, window, n, L) + A.shape[-2:]).mean(axis=2)
                A = xp.moveaxis(A, 2, 0)
                del Y
            del W2
            S = lowpass(A, r2)  # (n, k, window, beta, ...)
            m = n_ang * G * L
            out[:, c : c + m] = S.reshape((n, m) + S.shape[4:])
            c += m
    return out
