"""The NumPy/SciPy reference backend.

Every operation acts on the trailing ``ndim`` axes (1 for signals, 2 for
images) and broadcasts over the leading (batch, path) axes.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.fft

from .._threads import effective_n_threads


def _resolve_workers(n_jobs: int | None) -> int:
    """Threads for FFTs and kernels: :func:`skscat._threads.effective_n_threads`."""
    return effective_n_threads(n_jobs)


class NumpyBackend:
    """Reference implementation of the backend operations with NumPy and SciPy."""

    name = "numpy"
    xp = np

    def __init__(self, n_jobs: int | None = None):
        self.workers = _resolve_workers(n_jobs)

    # -- availability -----------------------------------------------------
    @classmethod
    def is_available(cls) -> bool:
        return True

    @classmethod
    def check_available(cls) -> None:
        """Raise a clear error if this backend cannot run here (never for NumPy)."""

    # -- data movement ----------------------------------------------------
    def asarray(self, x, dtype=None):
        return np.asarray(x, dtype=dtype)

    def to_numpy(self, x):
        return np.asarray(x)

    def empty(self, shape, dtype):
        return np.empty(shape, dtype=dtype)

    def zeros(self, shape, dtype):
        return np.zeros(shape, dtype=dtype)

    # -- transforms -------------------------------------------------------
    @staticmethod
    def _axes(ndim: int) -> tuple:
        return tuple(range(-ndim, 0))

    def fft(self, x, ndim: int):
        """Complex FFT over the last ``ndim`` axes (input real or complex)."""
        return scipy.fft.fftn(x, axes=self._axes(ndim), workers=self.workers)

    def ifft(self, x, ndim: int):
        return scipy.fft.ifftn(x, axes=self._axes(ndim), workers=self.workers)

    def ifft_real(self, x, ndim: int):
        """Real part of the inverse FFT (the signal is real by construction)."""
        return self.ifft(x, ndim).real

    def rfft(self, x, ndim: int):
        """FFT of a real signal over the last ``ndim`` axes: its half spectrum.

        The last axis keeps ``n // 2 + 1`` frequencies; the others follow from
        Hermitian symmetry (see :meth:`hermitian_full`).
        """
        return scipy.fft.rfftn(x, axes=self._axes(ndim), workers=self.workers)

    def irfft(self, x, n_last: int, ndim: int):
        """Inverse of :meth:`rfft`: the real signal whose last axis has ``n_last`` samples."""
        shape = x.shape[x.ndim - ndim : -1] + (n_last,)
        return scipy.fft.irfftn(x, s=shape, axes=self._axes(ndim), workers=self.workers)

    def _ifft1(self, x, axis: int, overwrite: bool = False):
        """Inverse complex FFT along one axis (``overwrite``: ``x`` is a temporary)."""
        return scipy.fft.ifft(x, axis=axis, workers=self.workers, overwrite_x=overwrite)

    def _irfft1(self, x, n: int, axis: int):
        """Inverse real FFT along one axis, ``n`` output samples (zero-pads ``x``)."""
        return scipy.fft.irfft(x, n=n, axis=axis, workers=self.workers)

    def irfft_box(self, z, box: tuple, shape: tuple):
        """:meth:`irfft` of a half spectrum that is zero outside a box of frequencies.

        ``z`` is ``(..., m0, m1, c2 + 1)``: the spectrum on ``|k_a| <= c_a``
        (indices ``0..c_a`` then ``-c_a..-1`` on axes 0 and 1, ``m_a = 2 c_a +
        1``, or the whole axis where ``2 c_a + 1 >= n_a``), zero elsewhere.
        One-dimensional inverse FFTs run only over lines that are not zero:
        axis 0 on the ``m1 (c2 + 1)`` lines of the box, axis 1 on the ``M (c2
        + 1)`` lines that have data, then the real inverse along axis 2
        (zero-padding the rest). Equal to ``irfft`` of the zero-filled
        spectrum up to rounding. Written with ``self.xp`` and the backend's
        one-dimensional FFTs, so other backends reuse it.
        """
        return self._irfft1(self._box_first_passes(z, box, shape), shape[2], -1)

    def _box_first_passes(self, z, box: tuple, shape: tuple):
        """The inverse FFTs of :meth:`irfft_box` along axes 0 and 1: ``(..., M, N, c2 + 1)``."""
        xp = self.xp
        M, N, _ = shape
        c0, c1, _ = box
        lead = z.shape[:-3]
        cdtype = np.result_type(z.dtype, np.complex64)
        if 2 * c0 + 1 < M:
            buf = xp.zeros(lead + (M,) + z.shape[-2:], dtype=cdtype)
            buf[..., : c0 + 1, :, :] = z[..., : c0 + 1, :, :]
            buf[..., M - c0 :, :, :] = z[..., c0 + 1 :, :, :]
            z = self._ifft1(buf, -3, True)
        else:
            z = self._ifft1(z, -3, True)
        if 2 * c1 + 1 < N:
            buf = xp.zeros(lead + (M, N, z.shape[-1]), dtype=cdtype)
            buf[..., : c1 + 1, :] = z[..., : c1 + 1, :]
            buf[..., N - c1 :, :] = z[..., c1 + 1 :, :]
            return self._ifft1(buf, -2, True)
        return self._ifft1(z, -2, True)

    def box_modulus_integrals(self, z, box, shape, powers, extra=None, keep_modulus=True):
        """:meth:`rotation_modulus_integrals` of :meth:`irfft_box` ``(z, box, shape)``.

        ``z`` is ``(n, K, m0, m1, c2 + 1)``, the ``K`` harmonics' products on
        the box. One op, so that a backend can fuse the last inverse
        transform with the modulus (the numba backend never writes the ``K``
        convolutions to memory).
        """
        y = self.irfft_box(z, box, shape)
        return self.rotation_modulus_integrals(y, powers, extra, keep_modulus)

    def cross_lag_sums(self, F1, F2, rows, cols, E):
        """``sum_q F1[..., r, q] conj(F2[..., r, q]) E[q, t]`` over the columns ``q`` of a box.

        The first stage of phase harmonics' lag sums (cross-correlations at a
        few lags from two spectra): their product restricted to a frequency
        box, contracted with the columns' phase factors. Written with
        ``self.xp`` only, so every backend shares it.

        Parameters
        ----------
        F1, F2 : complex arrays of shape (n, C, M, N)
        rows, cols : int arrays or None
            Frequency indices of the box along ``M`` and ``N`` (host arrays;
            ``None``: all).
        E : complex array of shape (len(cols), T)

        Returns
        -------
        complex array of shape (n, C, len(rows), T)
        """
        xp = self.xp
        if rows is not None:
            idx = xp.asarray(rows)
            F1, F2 = xp.take(F1, idx, axis=-2), xp.take(F2, idx, axis=-2)
        if cols is not None:
            idx = xp.asarray(cols)
            F1, F2 = xp.take(F1, idx, axis=-1), xp.take(F2, idx, axis=-1)
        return xp.matmul(F1 * F2.conj(), E)

    def hermitian_full(self, x, n_last: int, ndim: int):
        """Full spectrum of a real signal from its half spectrum (``rfft`` output).

        ``X[k] = conj(X[-k])`` gives the last-axis frequencies above ``n_last // 2``.
        Written with ``self.xp`` only, so every backend shares it.
        """
        xp = self.xp
        n_half = x.shape[-1]
        out = xp.empty(x.shape[:-1] + (n_last,), dtype=x.dtype)
        out[..., :n_half] = x
        # Last-axis frequencies n_half .. n_last - 1 mirror n_last - n_half .. 1
        # (a reversed slice: no gather).
        mirror = x[..., n_last - n_half : 0 : -1]
        # negate every other spatial axis' frequency too: X[-kx, -ky]
        for axis in range(-ndim, -1):
            mirror = xp.roll(xp.flip(mirror, axis=axis), 1, axis=axis)
        xp.conjugate(mirror, out=out[..., n_half:])
        return out

    def filter_subsample_hermitian(self, x, filters, k: int, ndim: int, n_last: int):
        """:meth:`filter_subsample` of the full spectrum whose half ``x`` is given.

        Plain composition ``filter_subsample(hermitian_full(x), ...)``; the
        numba backend fuses the expansion, the product and the periodisation.
        """
        return self.filter_subsample(self.hermitian_full(x, n_last, ndim), filters, k, ndim)

    def lowpass_hermitian(self, x, phi, k: int, ndim: int, n_last: int):
        """Half spectrum of the product with a real, symmetric low-pass, periodised.

        ``x`` is the half spectrum of a real signal whose last axis has
        ``n_last`` samples and ``phi`` a filter with ``phi[-k] == phi[k]``, so
        the periodised product is again the spectrum of a real signal; its half
        (for :meth:`irfft` with ``n_last // k`` samples) is returned. Plain
        composition of :meth:`hermitian_full` and :meth:`filter_subsample`.
        """
        y = self.filter_subsample(self.hermitian_full(x, n_last, ndim), phi, k, ndim)
        return y[..., : (n_last // k) // 2 + 1]

    # -- element-wise -----------------------------------------------------
    def lowpass_spatial(self, x, rows, cols, ndim: int, modulus: bool = False):
        """``rows @ u @ cols.T`` over the last ``ndim`` axes, ``u = |x|`` if ``modulus``.

        The low-pass, sub-sampling and crop of a real map, when they are
        separable (:mod:`skscat.filters.lowpass_matrices`): ``rows`` is
        ``(h, M)`` and ``cols`` ``(w, N)`` for ``x`` of shape ``(..., M, N)``,
        giving ``(..., h, w)``; for ``ndim=1`` only ``cols`` is used
        (``(..., N) -> (..., w)``). Plain composition of :meth:`modulus` and
        two matrix products in ``u``'s precision; the numba backend fuses the
        modulus and both products in one kernel.
        """
        u = self.modulus(x) if modulus else x
        y = u @ np.asarray(cols, dtype=u.dtype).T
        if ndim == 2:
            y = np.asarray(rows, dtype=u.dtype) @ y
        return y

    def filter_subsample(self, x, filters, k: int, ndim: int):
        """Multiply by Fourier filters, then sub-sample by ``k`` in space.

        ``x`` has shape ``(..., *S)``; ``filters`` has shape ``(K, *S)`` (a new
        filter axis is inserted before the spatial ones) or ``S`` (plain
        product). Sub-sampling by ``k`` in space is a periodisation in Fourier:
        the spectrum is averaged over its ``k**ndim`` aliases.
        """
        if filters.ndim > ndim:
            x = x[(..., None) + (slice(None),) * ndim]
        if k == 1:
            return x * filters
        # Multiply and accumulate alias block by alias block: no full-size
        # product is stored, and contiguous block adds run about twice as fast
        # as a mean over the strided alias axes of a reshaped product.
        sizes = [n // k for n in x.shape[-ndim:]]
        out = None
        for offsets in itertools.product(range(k), repeat=ndim):
            block = (...,) + tuple(
                slice(o * s, (o + 1) * s) for o, s in zip(offsets, sizes, strict=True)
            )
            term = x[block] * filters[block]
            if out is None:
                out = term
            else:
                out += term
        out *= 1.0 / k**ndim
        return out

    def modulus(self, x):
        return np.abs(x)

    def phase_harmonic(self, z, k: int, modulus=None):
        """Phase harmonic ``[z]^k = |z| exp(i k arg z)`` of a complex array, element-wise.

        The modulus is kept and the phase multiplied by the integer ``k >= 0``:
        ``k = 0`` gives ``|z|`` (real dtype), ``k = 1`` gives ``z`` itself, and
        ``[0]^k = 0`` for every ``k`` (the phase of 0 does not matter). Since
        ``|[z]^k| = |z|``, harmonics compose: ``[[z]^k]^2 = [z]^(2k)``.

        Computed without angles as ``|z| u**k`` with ``u = z / |z|`` (0 where
        ``z == 0``) raised by repeated squaring; for ``k = 2`` this is
        ``z * z / |z|``.

        Parameters
        ----------
        z : complex array
        k : int
            Non-negative harmonic order.
        modulus : real array, optional
            ``|z|`` if the caller has it already (it is not recomputed).

        Returns
        -------
        array
            Same shape as ``z``; complex of ``z``'s precision for ``k >= 1``,
            real for ``k = 0``.
        """
        xp = self.xp  # written with xp only, so other backends may reuse it
        k = int(k)
        if k < 0:
            raise ValueError(f"phase_harmonic needs k >= 0, got {k}.")
        r = xp.abs(z) if modulus is None else modulus
        if k == 0:
            return r
        if k == 1:
            return z
        safe = xp.where(r > 0, r, 1)
        inv = xp.where(r > 0, 1 / safe, 0).astype(r.dtype, copy=False)
        if k == 2:  # z^2 / |z|
            return z * z * inv
        u = z * inv
        result = None
        power = u
        while True:
            if k & 1:
                result = power if result is None else result * power
            k >>= 1
            if not k:
                break
            power = power * power
        return result * r

    def phase_relu(self, z, n_phases: int, ndim: int):
        """Rectified real parts ``max(Re(exp(i alpha_a) z), 0)`` over ``n_phases`` phases.

        ``z`` has shape ``(..., K, *S)``; the result ``(..., K * n_phases, *S)``
        (channel ``t * n_phases + a``). Written with ``self.xp`` only.
        """
        from ..scattering._nonlinearities import phase_rotations

        xp = self.xp
        rot = phase_rotations(n_phases, xp, z.dtype).reshape((n_phases,) + (1,) * ndim)
        u = xp.maximum((z[(..., None) + (slice(None),) * ndim] * rot).real, 0)
        lead = z.shape[: z.ndim - ndim - 1]
        return u.reshape(lead + (z.shape[-ndim - 1] * n_phases,) + z.shape[z.ndim - ndim :])

    def rotation_modulus_integrals(self, y, powers, extra=None, keep_modulus=True):
        """Rotation-covariant modulus over the harmonics and its integrals.

        ``y`` is real, ``(n, K, M, N, O)`` (``K = 2 l + 1`` convolutions with
        the harmonics of one degree). ``s = sum_k y[:, k]**2`` (plus ``extra``,
        ``(n, M, N, O)``, when given), ``U = sqrt(s)``, and the integrals
        ``sum_u U(u)**q`` for each ``q`` in ``powers``.

        Returns
        -------
        U : array of shape (n, M, N, O), or None unless ``keep_modulus``
        integrals : array of shape (n, len(powers))
        """
        xp = self.xp  # written with xp only, so other backends may reuse it
        s = (y * y).sum(axis=1)
        if extra is not None:
            s += extra
        U = xp.sqrt(s)
        flat_s = s.reshape(s.shape[0], -1)
        flat_u = U.reshape(U.shape[0], -1)
        cols = []
        for q in powers:
            q = float(q)
            if q == 2.0:
                cols.append(flat_s.sum(axis=1))
            elif q == 1.0:
                cols.append(flat_u.sum(axis=1))
            else:
                cols.append((flat_u ** flat_u.dtype.type(q)).sum(axis=1))
        return (U if keep_modulus else None), xp.stack(cols, axis=1)

    def angular_convolutions(self, W, index, sign, P, Q):
        """Second-layer maps read by relative angle and convolved along the angles.

        ``W`` ``(n, L, L, *S)`` complex holds ``W2[n, theta', a]`` (first
        angle ``theta'``, second wavelet ``a``). The gather reads, for each
        relative angle ``beta``, ``W'[theta', beta] = W[theta', index[theta', beta]]``
        with its imaginary part multiplied by ``sign[theta', beta]`` (a
        wavelet turned by ``pi`` is the conjugate one); then for each angular
        filter ``k`` ``Y[k, theta] = sum_t P[k, theta, t] Re W'[t] + i Q[k, theta, t] Im W'[t]``
        (:func:`skscat.filters.angular.angular_mixing`). ``index``, ``sign``,
        ``P`` and ``Q`` are host arrays. Written with ``self.xp`` only, so
        every backend shares it.

        Returns
        -------
        complex array of shape (K, L, n, L, *S)
            ``Y[k, theta, n, beta]``.
        """
        xp = self.xp
        n, L = W.shape[:2]
        space = tuple(W.shape[3:])
        K = P.shape[0]
        rtype = np.finfo(W.dtype).dtype
        rows = xp.asarray(np.arange(L)[:, None])
        Wg = W[:, rows, xp.asarray(index)]  # (n, theta', beta, *S)
        Wg = xp.moveaxis(Wg, 1, 0)  # (theta', n, beta, *S): one matrix product per filter
        s = xp.asarray(np.asarray(sign, dtype=rtype)).reshape((L, 1, L) + (1,) * len(space))
        re = xp.ascontiguousarray(Wg.real).reshape(L, -1)
        im = xp.ascontiguousarray(Wg.imag * s).reshape(L, -1)
        del Wg
        Pm = xp.asarray(np.ascontiguousarray(P, dtype=rtype).reshape(K * L, L))
        Qm = xp.asarray(np.ascontiguousarray(Q, dtype=rtype).reshape(K * L, L))
        Y = xp.empty((K * L, re.shape[1]), dtype=np.result_type(rtype, np.complex64))
        Y.real = Pm @ re
        Y.imag = Qm @ im
        return Y.reshape((K, L, n, L) + space)

    def angular_modulus_mean(self, W, index, sign, P, Q, window: int):
        """Mean over windows of ``window`` orientations of ``|angular_convolutions(...)|``.

        Same arguments as :meth:`angular_convolutions`; returns the real
        ``(n, K, L // window, L, *S)`` array over (sample, angular filter,
        orientation window, relative angle, position). The numba backend
        fuses the gather, the products, the modulus and the mean in one kernel.
        """
        Y = self.angular_convolutions(W, index, sign, P, Q)
        K, L, n = Y.shape[:3]
        A = self.modulus(Y)
        A = A.reshape((K, L // window, window, n) + tuple(Y.shape[3:])).mean(axis=2)
        return self.xp.moveaxis(A, 2, 0)

    def gaussian_modulus_integrals(self, R, weights, tau, h, cutoff, C, L, powers):
        """First-order integrals of sums of Gaussian solid harmonic wavelets, on the host.

        ``R`` ``(n, A, 3)`` and ``weights`` ``(n, D, A)`` are NumPy float64
        arrays; returns ``(n, D, L + 1, len(powers))`` float64. See
        :func:`skscat.scattering.atomic3d.gaussian_modulus_integrals_numpy`
        (this is it) for the contract.
        """
        from ..scattering.atomic3d import gaussian_modulus_integrals_numpy

        return gaussian_modulus_integrals_numpy(R, weights, tau, h, cutoff, C, L, powers)

    def pad_reflect(self, x, pad_width, ndim: int):
        """Reflect-pad the last ``ndim`` axes by ``pad_width`` ((before, after), ...)."""
        widths = ((0, 0),) * (x.ndim - ndim) + tuple(tuple(p) for p in pad_width)
        return self.xp.pad(x, widths, mode="reflect")

    def prepare_bank(self, bank):
        """The filter bank as this backend computes with it: host arrays, unchanged."""
        return bank
