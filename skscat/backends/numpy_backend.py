"""The NumPy/SciPy reference backend.

Every operation acts on the trailing ``ndim`` axes (1 for signals, 2 for
images) and broadcasts over the leading (batch, path) axes.
"""

from __future__ import annotations

import os

import numpy as np
import scipy.fft


def _resolve_workers(n_jobs: int | None) -> int:
    """scikit-learn's convention: None means 1, -1 all cores, -2 all but one."""
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, int(n_jobs))


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

    # -- element-wise -----------------------------------------------------
    def filter_subsample(self, x, filters, k: int, ndim: int):
        """Multiply by Fourier filters, then sub-sample by ``k`` in space.

        ``x`` has shape ``(..., *S)``; ``filters`` has shape ``(K, *S)`` (a new
        filter axis is inserted before the spatial ones) or ``S`` (plain
        product). Sub-sampling by ``k`` in space is a periodisation in Fourier:
        the spectrum is averaged over its ``k**ndim`` aliases.
        """
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
        return np.abs(x)

    def pad_reflect(self, x, pad_width, ndim: int):
        """Reflect-pad the last ``ndim`` axes by ``pad_width`` ((before, after), ...)."""
        widths = ((0, 0),) * (x.ndim - ndim) + tuple(tuple(p) for p in pad_width)
        return np.pad(x, widths, mode="reflect")
