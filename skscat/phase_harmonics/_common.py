"""What PhaseHarmonics1D and PhaseHarmonics2D share: parameters, features, names."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import HarmonicTransformer, blas_threads
from ..filters._cache import BuildOnceCache
from .core import (
    build_plan,
    frequency_boxes,
    normalization_gains,
    normalize_moments,
    phase_harmonic_moments,
)
from .moments import FAMILIES

NORMALIZATIONS = ("image",)


def largest_J(n: int) -> int:
    """``J=None``: the largest ``J`` with ``2**J <= n`` (at least 1)."""
    return max(1, int(math.floor(math.log2(max(n, 1)))))


class _PhaseHarmonicsBase(HarmonicTransformer):
    """Shared machinery; subclasses set the geometry, the table and the bank."""

    _ndim = 2

    _parameter_constraints: dict = {
        **HarmonicTransformer._parameter_constraints,
        "J": [Interval(Integral, 1, None, closed="left"), None],
        "delta_n": [Interval(Integral, 0, None, closed="left")],
        "moments": [tuple, list, str],
        "normalize": [StrOptions(set(NORMALIZATIONS)), None],
    }

    # -- derived state --------------------------------------------------------
    def _resolve_J(self, length: int) -> int:
        if self.J is None:
            return largest_J(length)
        if 2**self.J > length:
            raise ValueError(
                f"{type(self).__name__}: J={self.J} needs signals of at least 2**J = "
                f"{2**self.J} samples along their longest axis, got {length}; lower J "
                "or pass J=None to take the largest J the data allow."
            )
        return int(self.J)

    def _finish_geometry(self, table) -> None:
        self.n_moments_ = len(table)
        if self.normalize is None:
            self._imag_index_ = np.arange(len(table))
        else:
            self._imag_index_ = np.flatnonzero(~table.real)
        self.n_features_out_ = self.n_moments_ + len(self._imag_index_)

    @property
    def moment_table_(self):
        """The :class:`~skscat.phase_harmonics.moments.MomentTable` (cached, not pickled)."""
        return self._table()

    # -- transform ------------------------------------------------------------
    def _bytes_per_sample(self) -> int:
        size = math.prod(self.shape_)
        n_maps = self.J_ * self._n_angles()
        lag_factor = 2 if self.delta_n else 1
        # The moment table pairs wavelets (up to (J L)^2 pairs per lag); it is
        # built at fit, so an absurd L or J must be caught before building it.
        n_lags = (2 * int(self.delta_n) + 1) ** 2
        table_bytes = 64 * n_maps * n_maps * n_lags
        return 16 * size * (4 * n_maps * lag_factor + 4 * self._n_angles() + 4) + table_bytes

    def _transform_batch(self, X, backend):
        return self._forward(X, backend)[0]

    def _forward(self, X, backend):
        """Features of a batch and what their gradient needs (the one forward pass).

        Returns the features and a dict with the batch as signals ``x``, the
        filters on the backend, the plan, the raw moments, the statistics the
        normalisation divides by and the normalisation's constant ``gains``.
        """
        n = X.shape[0]
        x = X.reshape((n,) + tuple(self.shape_))
        host_bank = self._bank(np.dtype(X.dtype).name)
        bank = backend.prepare_bank(host_bank)  # uploaded once per device, not per batch
        plan = build_plan(self._table())
        # The matrix products are small (a few lags or wavelets against many
        # pixels): one BLAS thread. Threaded OpenBLAS on such shapes was up to
        # 1000x slower on a loaded 2-core machine (threads waiting on each other).
        with blas_threads(1):
            raw, stats = phase_harmonic_moments(
                x, backend, bank.psi, bank.phi, plan, boxes=self._boxes(host_bank), with_stats=True
            )
        xp = backend.xp
        gains = None
        moments = raw
        if self.normalize is not None:
            gains = normalization_gains(plan, host_bank.phi_peak_power)
            moments = normalize_moments(raw, stats, plan, xp, gains)
        values = xp.concatenate([moments.real, moments.imag[:, self._imag_index_]], axis=1)
        tape = dict(x=x, psi=bank.psi, phi=bank.phi, plan=plan, raw=raw, stats=stats, gains=gains)
        return values.astype(X.dtype, copy=False), tape

    def _feature_names(self) -> list[str]:
        names = self._table().names
        return [f"{name}_re" for name in names] + [f"{names[i]}_im" for i in self._imag_index_]

    def _boxes(self, bank):
        if not self.delta_n:
            return None
        return _frequency_boxes(bank)

    # -- hooks ----------------------------------------------------------------
    def _n_angles(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _table(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _bank(self, dtype: str):  # pragma: no cover - abstract
        raise NotImplementedError


_BOXES = BuildOnceCache(32)


def _frequency_boxes(bank):
    """:func:`~skscat.phase_harmonics.core.frequency_boxes` of a bank, built once per bank."""
    key = (bank.shape, bank.J, bank.L, bank.wavelet, np.dtype(bank.psi.dtype).str)
    return _BOXES.get(key, lambda: frequency_boxes(bank.psi, bank.J, bank.L, len(bank.shape)))


def _families(moments, owner):
    from .moments import check_moments

    return check_moments(moments, owner)


__all__ = ["FAMILIES", "NORMALIZATIONS", "largest_J"]
