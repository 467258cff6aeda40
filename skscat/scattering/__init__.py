"""Wavelet scattering transforms (algorithms and estimators)."""

from .normalize import ScatteringNormalizer, normalize_scattering
from .scattering1d import Scattering1D
from .scattering2d import Scattering2D

__all__ = ["Scattering1D", "Scattering2D", "ScatteringNormalizer", "normalize_scattering"]
