"""Wavelet phase harmonics: stationary statistics of images, fields and time series.

:class:`PhaseHarmonics2D` and :class:`PhaseHarmonics1D` return, for each
sample, the covariances of the wavelet phase-harmonic model (pywph's moments
for images); :mod:`~skscat.phase_harmonics.moments` indexes them and
:mod:`~skscat.phase_harmonics.core` computes them with the backend operations.
"""

from .moments import FAMILIES, MomentTable, moment_table_1d, moment_table_2d
from .phase_harmonics1d import PhaseHarmonics1D
from .phase_harmonics2d import PhaseHarmonics2D

__all__ = [
    "FAMILIES",
    "MomentTable",
    "PhaseHarmonics1D",
    "PhaseHarmonics2D",
    "moment_table_1d",
    "moment_table_2d",
]
