"""The CuPy (CUDA GPU) backend.

The same operations as :mod:`skscat.backends.numpy_backend`, on the GPU:
FFTs with ``cupyx.scipy.fft`` (cuFFT plans cached per shape, dtype and axes
by CuPy's plan cache, per thread and device); fused ``RawKernel`` kernels
(:mod:`skscat.backends._cuda_kernels`) for the filter product with Fourier
periodisation (from a full or a half spectrum), the modulus and the
rectifier over phases; filter banks uploaded once per bank and device
(:meth:`CupyBackend.prepare_bank`).

The array module is a parameter: ``CupyBackend(xp=numpy)`` runs everything
except the device code on NumPy, each fused kernel replaced by its NumPy
reference (same arguments, same index arithmetic). That stand-in is how CI,
which has no GPU, runs this backend's code path against the numpy backend.

``backend="cupy"`` is never chosen by ``"auto"`` (it changes the output type).
Without CuPy, or without a CUDA device and driver,
:meth:`CupyBackend.check_available` raises a clear ImportError / RuntimeError
when the estimator is fitted; there is no silent fall-back to the CPU.
"""

from __future__ import annotations

import dataclasses
import weakref

import numpy as np
import scipy.fft

from ..filters._cache import BuildOnceCache
from . import _cuda_kernels
from .numpy_backend import NumpyBackend, _resolve_workers

INSTALL_HINT = 'pip install "skscat[gpu]"' + " (CuPy for CUDA 12: cupy-cuda12x)"


# -- availability ----------------------------------------------------------
def _import_cupy():
    """``cupy``, or an ImportError that says how to install it."""
    try:
        import cupy
    except ImportError as exc:
        raise ImportError(
            f"backend='cupy' needs CuPy, which could not be imported ({exc}). Install it "
            f"with: {INSTALL_HINT}. Without an NVIDIA GPU, use backend='numpy' or 'numba'."
        ) from exc
    return cupy


def _check_device(cupy) -> None:
    """Raise a RuntimeError unless CuPy sees at least one CUDA device."""
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:  # CUDARuntimeError: no driver, driver too old, ...
        raise RuntimeError(
            "backend='cupy' needs a CUDA GPU, but CuPy is installed and found no usable "
            f"CUDA device or driver ({type(exc).__name__}: {exc}). Check the NVIDIA driver "
            f"with `nvidia-smi` and that CuPy matches its CUDA version ({INSTALL_HINT}); "
            "without a GPU, use backend='numpy' or 'numba'."
        ) from exc
    if count < 1:
        raise RuntimeError(
            "backend='cupy' needs a CUDA GPU, but CuPy is installed and reports 0 CUDA "
            "devices (is CUDA_VISIBLE_DEVICES empty?); without a GPU, use backend='numpy' "
            "or 'numba'."
        )


# -- caches shared by every backend instance ------------------------------
# (kernel name, dtype) -> cupy.RawKernel (it compiles lazily, per device).
_raw_kernels = BuildOnceCache(64)
# (id(host bank), device, xp) -> the bank with its arrays on the device. An
# entry lives as long as the host bank it was made from (itself held by the
# module-level filter cache), so filters are uploaded once per bank and device.
_device_banks = BuildOnceCache(64)


def clear_device_caches() -> None:
    """Forget uploaded filter banks and compiled kernels (CuPy keeps its FFT plans)."""
    _device_banks.clear()
    _raw_kernels.clear()


def _to_device_tree(value, asarray):
    if isinstance(value, np.ndarray):
        return asarray(value)
    if isinstance(value, tuple):
        return tuple(_to_device_tree(v, asarray) for v in value)
    if isinstance(value, list):
        return [_to_device_tree(v, asarray) for v in value]
    if isinstance(value, dict):
        return {k: _to_device_tree(v, asarray) for k, v in value.items()}
    return value


class CupyBackend:
    """The backend operations on a CUDA GPU with CuPy.

    Parameters
    ----------
    n_jobs : int or None, default=None
        Host threads for the NumPy stand-in's FFTs; the GPU ignores it.
    xp : module or None, default=None
        Array module: ``cupy`` (the default) or ``numpy``, which runs the whole
        backend on the host with each fused kernel replaced by its NumPy
        reference (for testing without a GPU).
    """

    name = "cupy"

    def __init__(self, n_jobs: int | None = None, xp=None):
        if xp is None:
            xp = _import_cupy()
        self.xp = xp
        self.n_jobs = n_jobs
        # Host threads (the stand-in's FFTs, BLAS limits); the GPU ignores them.
        self.workers = _resolve_workers(n_jobs)
        self.on_device = xp is not np
        if self.on_device:
            import cupyx.scipy.fft

            # cuFFT plans are cached per shape by CuPy's plan cache (per thread
            # and device, least recently used first out).
            self._fft_module = cupyx.scipy.fft
            self._fft_kw = {}
        else:
            self._fft_module = scipy.fft
            self._fft_kw = {"workers": _resolve_workers(n_jobs)}

    # -- availability -----------------------------------------------------
    @classmethod
    def is_available(cls) -> bool:
        try:
            cls.check_available()
        except (ImportError, RuntimeError):
            return False
        return True

    @classmethod
    def check_available(cls) -> None:
        """Raise ImportError without CuPy, RuntimeError without a CUDA device."""
        _check_device(_import_cupy())

    def device_id(self):
        """The current CUDA device's id, or ``"host"`` for the NumPy stand-in."""
        return int(self.xp.cuda.Device().id) if self.on_device else "host"

    # -- data movement ----------------------------------------------------
    def asarray(self, x, dtype=None):
        """``x`` as an array of this backend (host data is copied to the device)."""
        return self.xp.asarray(x, dtype=dtype)

    def to_numpy(self, x):
        """``x`` as a NumPy array (device data is copied to the host)."""
        if self.on_device and isinstance(x, self.xp.ndarray):
            return self.xp.asnumpy(x)
        return np.asarray(x)

    def empty(self, shape, dtype):
        return self.xp.empty(shape, dtype=dtype)

    def zeros(self, shape, dtype):
        return self.xp.zeros(shape, dtype=dtype)

    def prepare_bank(self, bank):
        """The filter bank with its arrays on the device, uploaded once.

        Device copies are cached by host bank and device, and dropped when the
        host bank is garbage-collected (it lives in the module-level filter
        cache, keyed by the bank's parameters).
        """
        key = (id(bank), self.device_id(), self.xp.__name__)

        def upload():
            prepared = self._upload_bank(bank)
            try:
                weakref.finalize(bank, _device_banks.pop, key)
            except TypeError:  # not weak-referenceable: the LRU bound applies
                pass
            return prepared

        return _device_banks.get(key, upload)

    def _upload_bank(self, bank):
        def asarray(a):  # contiguous on the host, then one copy to the device
            return self.xp.asarray(np.ascontiguousarray(a))

        if dataclasses.is_dataclass(bank) and not isinstance(bank, type):
            changes = {
                f.name: _to_device_tree(getattr(bank, f.name), asarray)
                for f in dataclasses.fields(bank)
                if f.init
            }
            return dataclasses.replace(bank, **changes)
        if isinstance(bank, np.ndarray | tuple | list | dict):
            return _to_device_tree(bank, asarray)
        raise TypeError(f"Cannot upload a filter bank of type {type(bank).__name__}.")

    # -- transforms -------------------------------------------------------
    @staticmethod
    def _axes(ndim: int) -> tuple:
        return tuple(range(-ndim, 0))

    def _as_complex(self, x):
        return self.xp.ascontiguousarray(x, dtype=np.result_type(x.dtype, np.complex64))

    def _as_real(self, x):
        return self.xp.ascontiguousarray(x, dtype=np.result_type(x.dtype, np.float32))

    def fft(self, x, ndim: int):
        """Complex FFT over the last ``ndim`` axes (input real or complex)."""
        return self._fft_module.fftn(self._as_complex(x), axes=self._axes(ndim), **self._fft_kw)

    def ifft(self, x, ndim: int):
        return self._fft_module.ifftn(self._as_complex(x), axes=self._axes(ndim), **self._fft_kw)

    def ifft_real(self, x, ndim: int):
        """Real part of the inverse FFT (the signal is real by construction)."""
        return self.ifft(x, ndim).real

    def rfft(self, x, ndim: int):
        """FFT of a real signal over the last ``ndim`` axes: its half spectrum.

        The last axis keeps ``n // 2 + 1`` frequencies; the others follow from
        Hermitian symmetry (see :meth:`hermitian_full`).
        """
        return self._fft_module.rfftn(self._as_real(x), axes=self._axes(ndim), **self._fft_kw)

    def irfft(self, x, n_last: int, ndim: int):
        """Inverse of :meth:`rfft`: the real signal whose last axis has ``n_last`` samples."""
        shape = tuple(x.shape[x.ndim - ndim : -1]) + (int(n_last),)
        return self._fft_module.irfftn(
            self._as_complex(x), s=shape, axes=self._axes(ndim), **self._fft_kw
        )

    def _ifft1(self, x, axis: int, overwrite: bool = False):
        """Inverse complex FFT along one axis (``overwrite``: ``x`` is a temporary)."""
        return self._fft_module.ifft(
            self._as_complex(x), axis=axis, overwrite_x=overwrite, **self._fft_kw
        )

    def _irfft1(self, x, n: int, axis: int):
        """Inverse real FFT along one axis, ``n`` output samples (zero-pads ``x``)."""
        return self._fft_module.irfft(self._as_complex(x), n=n, axis=axis, **self._fft_kw)

    # Written with ``self.xp`` only in the reference, so they serve here unchanged.
    hermitian_full = NumpyBackend.hermitian_full
    pad_reflect = NumpyBackend.pad_reflect
    irfft_box = NumpyBackend.irfft_box
    _box_first_passes = NumpyBackend._box_first_passes
    box_modulus_integrals = NumpyBackend.box_modulus_integrals

    def filter_subsample_hermitian(self, x, filters, k: int, ndim: int, n_last: int):
        """:meth:`filter_subsample` of the full spectrum whose half ``x`` is given.

        One fused kernel reads the missing frequencies through Hermitian
        symmetry, multiplies and periodises.
        """
        out = self._periodize_hermitian(x, filters, k, ndim, n_last, half_output=False)
        if out is None:
            return self.filter_subsample(self.hermitian_full(x, n_last, ndim), filters, k, ndim)
        return out

    def lowpass_hermitian(self, x, phi, k: int, ndim: int, n_last: int):
        """Half spectrum of the product with a real, symmetric low-pass, periodised.

        ``x`` is the half spectrum of a real signal whose last axis has
        ``n_last`` samples and ``phi`` a filter with ``phi[-k] == phi[k]``; the
        half (for :meth:`irfft` with ``n_last // k`` samples) of the periodised
        product is returned, by one fused kernel.
        """
        out = self._periodize_hermitian(x, phi, k, ndim, n_last, half_output=True)
        if out is None:
            y = self.filter_subsample(self.hermitian_full(x, n_last, ndim), phi, k, ndim)
            return y[..., : (n_last // k) // 2 + 1]
        return out

    # -- fused kernels ----------------------------------------------------
    def _launch(self, name: str, dtype, total: int, args: tuple) -> None:
        """Run kernel ``name`` (``_cuda_kernels.KERNELS``) over ``total`` outputs.

        On the device a ``cupy.RawKernel``; with the NumPy stand-in, the
        kernel's reference called with the very same arguments.
        """
        spec = _cuda_kernels.KERNELS[name]
        if total == 0:
            return
        if not self.on_device:
            spec.reference(*args)
            return
        dtype = np.dtype(dtype)
        key = (spec.function_name(dtype), self.xp.__name__)
        kernel = _raw_kernels.get(
            key,
            lambda: self.xp.RawKernel(spec.source(dtype), spec.function_name(dtype)),
        )
        grid, block = _cuda_kernels.launch_config(total)
        kernel(grid, block, args)

    def filter_subsample(self, x, filters, k: int, ndim: int):
        """Multiply by Fourier filters, then sub-sample by ``k`` in space.

        ``x`` has shape ``(..., *S)``; ``filters`` has shape ``(K, *S)`` (a new
        filter axis is inserted before the spatial ones) or ``S`` (plain
        product). Sub-sampling by ``k`` in space is a periodisation in Fourier:
        the spectrum is averaged over its ``k**ndim`` aliases. One fused kernel
        does the product and the periodisation.
        """
        k = int(k)
        spatial = tuple(x.shape[x.ndim - ndim :]) if x.ndim >= ndim else None
        geometry = self._kernel_geometry(x, filters, k, ndim, spatial)
        if geometry is None:
            return self._filter_subsample_generic(x, filters, k, ndim)
        x, filters, out, B, K, n1, n2, k1, k2 = geometry[:9]
        args = (x.reshape(-1), filters.reshape(-1), out.reshape(-1))
        args += tuple(np.int64(v) for v in (B, K, n1, n2, k1, k2))
        self._launch("periodize_product", filters.dtype, out.size, args)
        return out

    def _periodize_hermitian(self, x, filters, k, ndim, n_last, *, half_output):
        """The fused Hermitian product, or None where its kernel does not apply."""
        k, n_last = int(k), int(n_last)
        if x.ndim < ndim:
            return None
        n_half = x.shape[-1]
        if not (2 * n_half > n_last >= n_half):
            return None
        spatial = tuple(x.shape[x.ndim - ndim : -1]) + (n_last,)
        m_last = (n_last // k) // 2 + 1 if half_output else None
        geometry = self._kernel_geometry(x, filters, k, ndim, spatial, m_last=m_last)
        if geometry is None:
            return None
        x, filters, out, B, K, n1, n2, k1, k2, m2 = geometry
        args = (x.reshape(-1), filters.reshape(-1), out.reshape(-1))
        args += tuple(np.int64(v) for v in (B, K, n1, n2, m2, k1, k2, n_half))
        self._launch("periodize_product_hermitian", filters.dtype, out.size, args)
        return out

    def _kernel_geometry(self, x, filters, k, ndim, spatial, m_last=None):
        """Arguments of the periodised-product kernels, or None if they do not apply.

        ``spatial`` is the full-spectrum grid; the output's last axis keeps
        ``m_last`` frequencies (all when None). Returns ``(x, filters, out, B,
        K, n1, n2, k1, k2, m2)`` with ``x`` and ``filters`` contiguous in the
        computing precision and ``out`` allocated.
        """
        xp = self.xp
        if (
            ndim not in (1, 2)
            or spatial is None
            or k < 1
            or filters.ndim not in (ndim, ndim + 1)
            or tuple(filters.shape[filters.ndim - ndim :]) != spatial
            or filters.dtype.kind != "f"
            or x.dtype.kind != "c"  # a real x keeps a real product (numpy backend)
            or any(n % k for n in spatial)
        ):
            return None
        ctype = np.result_type(x.dtype, filters.dtype, np.complex64)
        rtype = np.finfo(ctype).dtype
        if rtype not in _cuda_kernels.DTYPES:
            return None
        x = xp.ascontiguousarray(x, dtype=ctype)
        filters = xp.ascontiguousarray(filters, dtype=rtype)
        batch_shape = tuple(x.shape[: x.ndim - ndim])
        B = int(np.prod(batch_shape, dtype=np.int64))
        filter_shape = tuple(filters.shape[:1]) if filters.ndim > ndim else ()
        K = filter_shape[0] if filter_shape else 1
        if ndim == 1:
            n1, k1, n2, k2 = 1, 1, spatial[0] // k, k
        else:
            n1, k1, n2, k2 = spatial[0] // k, k, spatial[1] // k, k
        m2 = n2 if m_last is None else min(int(m_last), n2)
        out_spatial = tuple(n // k for n in spatial[:-1]) + (m2,)
        out = xp.empty(batch_shape + filter_shape + out_spatial, dtype=ctype)
        return x, filters, out, B, K, n1, n2, k1, k2, m2

    def _filter_subsample_generic(self, x, filters, k: int, ndim: int):
        """The numpy backend's formula with ``xp`` (shapes no kernel covers)."""
        if filters.ndim > ndim:
            x = x[(..., None) + (slice(None),) * ndim]
        y = x * filters
        if k == 1:
            return y
        shape = y.shape[:-ndim]
        for n in y.shape[-ndim:]:
            shape += (k, n // k)
        axes = tuple(range(y.ndim - ndim, y.ndim + ndim, 2))
        return y.reshape(shape).mean(axis=axes)

    def modulus(self, x):
        """``|x|``; for complex ``x`` one fused kernel, real output."""
        xp = self.xp
        if x.dtype.kind != "c" or np.dtype(x.dtype) not in (np.complex64, np.complex128):
            return xp.abs(x)
        x = xp.ascontiguousarray(x)
        rtype = np.finfo(x.dtype).dtype
        out = xp.empty(x.shape, dtype=rtype)
        self._launch("modulus", rtype, out.size, (x.reshape(-1), out.reshape(-1), np.int64(x.size)))
        return out

    # The reference is written with ``self.xp`` only, so it serves here unchanged.
    phase_harmonic = NumpyBackend.phase_harmonic
    rotation_modulus_integrals = NumpyBackend.rotation_modulus_integrals
    cross_lag_sums = NumpyBackend.cross_lag_sums
    angular_convolutions = NumpyBackend.angular_convolutions
    angular_modulus_mean = NumpyBackend.angular_modulus_mean

    def gaussian_modulus_integrals(self, R, weights, tau, h, cutoff, C, L, powers):
        """Atom-based integrals: host work on a few atoms, by the numba kernel when available.

        Same contract as :meth:`NumpyBackend.gaussian_modulus_integrals`
        (NumPy arrays in and out).
        """
        from .numba_backend import NumbaBackend

        host = NumbaBackend if NumbaBackend.is_available() else NumpyBackend
        return host(self.n_jobs).gaussian_modulus_integrals(
            R, weights, tau, h, cutoff, C, L, powers
        )

    def phase_relu(self, z, n_phases: int, ndim: int):
        """Rectified real parts ``max(Re(exp(i alpha_a) z), 0)`` over ``n_phases`` phases.

        ``z`` has shape ``(..., K, *S)``; the result ``(..., K * n_phases, *S)``
        (channel ``t * n_phases + a``), by one fused kernel. The hook that
        :func:`skscat.scattering._nonlinearities.phase_relu` calls.
        """
        from ..scattering._nonlinearities import phase_rotations

        xp = self.xp
        A = int(n_phases)
        if z.ndim < ndim + 1 or np.dtype(z.dtype) not in (np.complex64, np.complex128):
            return NumpyBackend.phase_relu(self, z, n_phases, ndim)
        z = xp.ascontiguousarray(z)
        rot = xp.ascontiguousarray(phase_rotations(A, xp, z.dtype))
        lead_shape = tuple(z.shape[: z.ndim - ndim - 1])
        spatial = tuple(z.shape[z.ndim - ndim :])
        K = z.shape[z.ndim - ndim - 1]
        rtype = np.finfo(z.dtype).dtype
        out = xp.empty(lead_shape + (K * A,) + spatial, dtype=rtype)
        lead = int(np.prod(lead_shape, dtype=np.int64))
        S = int(np.prod(spatial, dtype=np.int64))
        args = (z.reshape(-1), rot, out.reshape(-1))
        args += tuple(np.int64(v) for v in (lead, K, A, S))
        self._launch("phase_relu", rtype, out.size, args)
        return out

    def lowpass_spatial(self, x, rows, cols, ndim: int, modulus: bool = False):
        """``rows @ u @ cols.T`` over the last ``ndim`` axes, ``u = |x|`` if ``modulus``.

        Same contract as :meth:`NumpyBackend.lowpass_spatial` (the separable
        low-pass of the last order, as two small matrices): the fused modulus
        kernel, then two batched matrix products (cuBLAS on the device).
        """
        xp = self.xp
        u = self.modulus(x) if modulus else x
        y = u @ xp.asarray(cols, dtype=u.dtype).T
        if ndim == 2:
            y = xp.asarray(rows, dtype=u.dtype) @ y
        return y
