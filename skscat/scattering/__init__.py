"""Wavelet scattering transforms (algorithms and estimators)."""

from .scattering2d import Scattering2D

__all__ = ["Scattering2D"]
