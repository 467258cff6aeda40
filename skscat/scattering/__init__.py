"""Wavelet scattering transforms (algorithms and estimators)."""

from .harmonic_scattering3d import HarmonicScattering3D
from .molecular import MolecularScattering
from .normalize import ScatteringNormalizer, normalize_scattering
from .scattering1d import Scattering1D
from .scattering2d import Scattering2D

__all__ = [
    "HarmonicScattering3D",
    "MolecularScattering",
    "Scattering1D",
    "Scattering2D",
    "ScatteringNormalizer",
    "normalize_scattering",
]
