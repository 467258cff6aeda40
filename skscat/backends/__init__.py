"""Backends: the handful of array operations the transforms are written against.

A backend implements operations (FFTs, the filter product fused with Fourier
periodisation, the modulus, padding) and nothing else; the algorithms live in
:mod:`skscat.scattering` and friends. Backends are looked up by name.
"""

from ._registry import BACKEND_NAMES, available_backends, get_backend, resolve_backend_name

__all__ = ["BACKEND_NAMES", "available_backends", "get_backend", "resolve_backend_name"]
