"""Refusing text input before it is parsed as numbers."""

from __future__ import annotations

import numpy as np

# dtype kinds that hold text: numpy str, bytes, and numpy 2's StringDType.
_STRING_KINDS = frozenset("UST")


def _is_text(value) -> bool:
    return isinstance(value, str | bytes | np.str_ | np.bytes_)


def refuse_strings(X, name: str, owner: str) -> None:
    """Raise a ValueError if ``X`` holds text, which would otherwise be parsed as numbers.

    Every array input of skscat (data, dictionaries, labels' features) goes
    through this check before scikit-learn's conversion to floats.
    """
    text = string_dtype_in(X)
    if text is not None:
        raise ValueError(
            f"{owner}: {name} holds strings (dtype {text}), not numbers. "
            "Pass a numeric array: if the strings are numbers, convert them "
            f"explicitly, e.g. np.asarray({name}, dtype=np.float64); categorical columns "
            "need an encoder (OneHotEncoder, OrdinalEncoder) first."
        )


def string_dtype_in(X):
    """The text dtype found in ``X`` (array, DataFrame, nested lists), or None.

    Object arrays are accepted when they hold numbers (scikit-learn converts
    them); they are scanned for ``str``/``bytes`` elements, which would
    otherwise be parsed as numbers silently.
    """
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(X, "columns"):  # a pandas DataFrame
        for name, dt in zip(X.columns, dtypes, strict=False):
            kind = getattr(dt, "kind", "O")
            if kind in _STRING_KINDS:
                return dt
            if kind == "O" and any(_is_text(v) for v in np.asarray(X[name], dtype=object)):
                return dt
        return None
    dtype = getattr(X, "dtype", None)
    if dtype is None:
        if hasattr(X, "toarray") or not isinstance(X, list | tuple):
            return None
        try:
            arr = np.asarray(X)
        except (ValueError, TypeError):
            return None  # ragged: the validation that follows says so
        dtype, X = arr.dtype, arr
    dtype = np.dtype(dtype) if not isinstance(dtype, np.dtype) else dtype
    if dtype.kind in _STRING_KINDS:
        return dtype
    if dtype.kind == "O" and isinstance(X, np.ndarray) and X.size:
        is_text = np.frompyfunc(_is_text, 1, 1)(X)
        if bool(np.asarray(is_text, dtype=bool).any()):
            return dtype
    return None


def float_dtype(dtype) -> np.dtype:
    """The dtype skscat computes in for input of ``dtype``.

    As in scikit-learn: float32 stays float32, float64 stays float64, and
    everything else (integers, booleans, objects, lists of Python numbers)
    becomes float64, so that no precision is lost silently.
    """
    dtype = np.dtype(dtype)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
