"""Wavelet scattering transforms (algorithms and estimators)."""

from .harmonic_scattering3d import HarmonicScattering3D
from .molecular import MolecularScattering
from .normalize import ScatteringNormalizer, normalize_scattering
from .roto_translation2d import RotoTranslationScattering2D
from .scattering1d import Scattering1D
from .scattering2d import Scattering2D
from .time_frequency import TimeFrequencyScattering

__all__ = [
    "HarmonicScattering3D",
    "MolecularScattering",
    "RotoTranslationScattering2D",
    "Scattering1D",
    "Scattering2D",
    "ScatteringNormalizer",
    "TimeFrequencyScattering",
    "normalize_scattering",
]
