"""Filter banks: pure functions of their parameters, cached at module level."""

from ._cache import clear_filter_cache
from .bump_steerable import bump_steerable_filter_bank_2d
from .morlet1d import FilterBank1D, morlet_1d, morlet_filter_bank_1d
from .morlet2d import FilterBank2D, gabor_2d, morlet_2d, morlet_filter_bank_2d, periodize_fourier
from .solid_harmonic3d import SolidHarmonicBank3D, solid_harmonic_filter_bank_3d

__all__ = [
    "FilterBank1D",
    "morlet_1d",
    "morlet_filter_bank_1d",
    "FilterBank2D",
    "bump_steerable_filter_bank_2d",
    "clear_filter_cache",
    "gabor_2d",
    "morlet_2d",
    "morlet_filter_bank_2d",
    "periodize_fourier",
    "SolidHarmonicBank3D",
    "solid_harmonic_filter_bank_3d",
]
