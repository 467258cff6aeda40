"""skscat: interpretable scikit-learn transformers from harmonic analysis.

Wavelet scattering (:class:`Scattering1D`, :class:`Scattering2D`), wavelet phase
harmonics (:class:`PhaseHarmonics1D`, :class:`PhaseHarmonics2D`) and sparse
coding (:class:`SparseCoding`), with gradient-based synthesis
(:func:`synthesize`) and diagnostics (:mod:`skscat.metrics`).
"""

from ._base import ShapeWarning
from .gradients import synthesize, value_and_grad, vjp
from .phase_harmonics import PhaseHarmonics1D, PhaseHarmonics2D
from .scattering import (
    HarmonicScattering3D,
    MolecularScattering,
    RotoTranslationScattering2D,
    Scattering1D,
    Scattering2D,
    ScatteringNormalizer,
    TimeFrequencyScattering,
)
from .sparse import SparseCoding
from .time_series import TimeSeriesClassifier, TimeSeriesFeatures, make_time_series_classifier

__version__ = "0.1.0"

__all__ = [
    "HarmonicScattering3D",
    "MolecularScattering",
    "PhaseHarmonics1D",
    "PhaseHarmonics2D",
    "RotoTranslationScattering2D",
    "Scattering1D",
    "Scattering2D",
    "ScatteringNormalizer",
    "ShapeWarning",
    "SparseCoding",
    "TimeFrequencyScattering",
    "TimeSeriesClassifier",
    "TimeSeriesFeatures",
    "__version__",
    "make_time_series_classifier",
    "synthesize",
    "value_and_grad",
    "vjp",
]
