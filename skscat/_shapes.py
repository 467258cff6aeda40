"""Resolving a transform's ``shape`` parameter against ``n_features``."""

from __future__ import annotations

import math
import warnings
from numbers import Integral

import numpy as np


class ShapeWarning(UserWarning):
    """``shape`` was not given and could not be inferred unambiguously."""


def infer_image_shape(n_features: int, shape, owner: str) -> tuple[int, int]:
    """Resolve a 2-D transform's ``shape`` parameter against ``n_features``.

    ``None`` takes a square image when ``n_features`` is a perfect square and
    otherwise a ``1 x n_features`` image, with a :class:`ShapeWarning` telling
    the user to pass ``shape``. An explicit shape must match ``n_features``.
    """
    if shape is None:
        side = math.isqrt(n_features)
        if side * side == n_features:
            return side, side
        warnings.warn(
            f"{owner}: n_features={n_features} is not a perfect square, so each row is "
            f"treated as an image of shape (1, {n_features}); pass shape=(H, W) "
            "with H * W == n_features to say how the rows are laid out.",
            ShapeWarning,
            stacklevel=3,
        )
        return 1, n_features
    H, W = (int(s) for s in shape)
    if H * W != n_features:
        raise ValueError(
            f"{owner}: shape={tuple(shape)} holds {H * W} pixels but X has "
            f"{n_features} features per row; pass shape=(H, W) with H * W == n_features."
        )
    return H, W


def infer_signal_length(n_features: int, shape, owner: str) -> int:
    """Resolve a 1-D transform's ``shape`` parameter against ``n_features``.

    ``None`` takes each row as a signal of ``n_features`` samples; an explicit
    length (an int or a 1-tuple) must equal ``n_features``.
    """
    shape = validate_shape_param(shape, 1, owner)
    if shape is not None and shape[0] != n_features:
        raise ValueError(
            f"{owner}: shape={shape[0]} but X has {n_features} samples per row; "
            "pass shape=None or the signal length."
        )
    return n_features


def validate_shape_param(shape, ndim: int, owner: str):
    """Check a ``shape`` hyper-parameter: None, or ``ndim`` positive integers."""
    if shape is None:
        return None
    if ndim == 1 and isinstance(shape, Integral):
        shape = (shape,)
    try:
        values = tuple(shape)
    except TypeError:
        values = None
    if (
        values is None
        or len(values) != ndim
        or not all(isinstance(v, Integral | np.integer) and v > 0 for v in values)
    ):
        raise ValueError(
            f"{owner}: shape must be None or {ndim} positive integer(s), got {shape!r}."
        )
    return tuple(int(v) for v in values)
