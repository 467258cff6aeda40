"""skscat: interpretable scikit-learn transformers from harmonic analysis."""

from ._base import ShapeWarning
from .gradients import synthesize
from .scattering import Scattering2D

__version__ = "0.1.0"

__all__ = ["Scattering2D", "ShapeWarning", "__version__", "synthesize"]
