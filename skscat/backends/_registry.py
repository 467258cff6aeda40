"""Backend registry: names, availability, and the choice behind ``"auto"``."""

from __future__ import annotations

import importlib

# Name -> (module, class). Modules are imported lazily so that a missing
# optional dependency only matters to the user who asks for that backend.
_BACKENDS = {
    "numpy": ("skscat.backends.numpy_backend", "NumpyBackend"),
    "numba": ("skscat.backends.numba_backend", "NumbaBackend"),
    "cupy": ("skscat.backends.cupy_backend", "CupyBackend"),
}
# Fastest first: what "auto" picks among the available ones (GPU backends are
# never chosen implicitly, since they change the type of the output).
_AUTO_ORDER = ("numba", "numpy")

BACKEND_NAMES = ("auto", *_BACKENDS)


def _backend_class(name: str):
    module_name, class_name = _BACKENDS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise ImportError(f"The {name!r} backend is not part of this skscat build.") from exc
        raise
    return getattr(module, class_name)


def available_backends() -> list[str]:
    """Names of the backends that can run on this machine."""
    names = []
    for name in _BACKENDS:
        try:
            cls = _backend_class(name)
        except ImportError:
            continue
        if cls.is_available():
            names.append(name)
    return names


def resolve_backend_name(name) -> str:
    """Map a user's ``backend`` parameter to a concrete, runnable backend name.

    Raises
    ------
    ValueError
        For a name that is not a backend, listing the choices.
    ImportError or RuntimeError
        For a known backend that cannot run here, saying what is missing.
    """
    if not isinstance(name, str) or name not in BACKEND_NAMES:
        raise ValueError(
            f"Unknown backend {name!r}; choose one of {', '.join(map(repr, BACKEND_NAMES))}."
        )
    if name == "auto":
        for candidate in _AUTO_ORDER:
            try:
                if _backend_class(candidate).is_available():
                    return candidate
            except ImportError:
                continue
        return "numpy"
    _backend_class(name).check_available()
    return name


def get_backend(name: str = "auto", n_jobs: int | None = None):
    """Return a backend instance, its FFTs and kernels using ``n_jobs`` threads."""
    return _backend_class(resolve_backend_name(name))(n_jobs=n_jobs)
