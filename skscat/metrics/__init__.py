"""Diagnostics of feature representations."""

from .neural_collapse import neural_collapse

__all__ = ["neural_collapse"]
