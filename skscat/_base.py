"""Machinery shared by every skscat transformer.

One validation path (:meth:`HarmonicTransformer._validate_X`), one batching loop
(:meth:`HarmonicTransformer._transform_batched`) and one backend choice
(:func:`skscat.backends.resolve_backend_name`) serve all transforms; a
transform implements ``_fit_geometry`` (what ``fit`` derives from the
parameters and ``n_features``) and ``_transform_batch`` (the algorithm on one
batch of rows).
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import sys
import threading
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._threads import dask_task
from .backends import BACKEND_NAMES, get_backend, resolve_backend_name

# Working memory a batch may use when ``batch_size="auto"``.
_BATCH_MEMORY_BYTES = 256 * 2**20

# dtype kinds that hold text: numpy str, bytes, and numpy 2's StringDType.
_STRING_KINDS = frozenset("UST")


def available_memory_bytes() -> int | None:
    """Memory this process can still allocate, or None when it cannot be told.

    ``psutil.virtual_memory().available`` when psutil is installed, otherwise
    the free physical pages from :func:`os.sysconf`; capped by the address
    space limit (``ulimit -v``) when one is set.
    """
    available = None
    try:
        import psutil

        available = int(psutil.virtual_memory().available)
    except Exception:  # psutil absent or unsupported here
        try:
            available = int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            available = None
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft not in (resource.RLIM_INFINITY, -1) and soft > 0:
            available = soft if available is None else min(available, soft)
    except (ImportError, ValueError, OSError):
        pass
    return available


def _format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def _is_text(value) -> bool:
    return isinstance(value, str | bytes | np.str_ | np.bytes_)


def refuse_strings(X, name: str, owner: str) -> None:
    """Raise a ValueError if ``X`` holds text, which would otherwise be parsed as numbers.

    Every array input of skscat (data, dictionaries, labels' features) goes
    through this check before scikit-learn's conversion to floats.
    """
    text = _string_dtype_in(X)
    if text is not None:
        raise ValueError(
            f"{owner}: {name} holds strings (dtype {text}), not numbers. "
            "Pass a numeric array: if the strings are numbers, convert them "
            f"explicitly, e.g. np.asarray({name}, dtype=np.float64); categorical columns "
            "need an encoder (OneHotEncoder, OrdinalEncoder) first."
        )


def _string_dtype_in(X):
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


_blas_lock = threading.Lock()
_blas_state: dict = {"depth": 0, "limiter": None, "controller": None}


@contextlib.contextmanager
def blas_threads(limit: int):
    """Limit BLAS to ``limit`` threads while any thread of the process is inside.

    threadpoolctl's limits are process-wide. With one ``threadpool_limits``
    context per call, threads that enter and leave in different orders
    restore each other's saved limits and leave BLAS limited after they are
    all done; here the first thread in sets the limit, the others share it,
    and the last one out restores the original. The library scan
    (``ThreadpoolController``) is done once per process.

    Parameters
    ----------
    limit : int
        Number of BLAS threads (the backend's ``workers``).
    """
    with _blas_lock:
        if _blas_state["depth"] == 0:
            controller = _blas_state["controller"]
            if controller is None:
                from threadpoolctl import ThreadpoolController

                controller = _blas_state["controller"] = ThreadpoolController()
            _blas_state["limiter"] = controller.limit(limits=int(limit), user_api="blas")
        _blas_state["depth"] += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_state["depth"] -= 1
            if _blas_state["depth"] == 0:
                _blas_state["limiter"].restore_original_limits()
                _blas_state["limiter"] = None


class ShapeWarning(UserWarning):
    """``shape`` was not given and could not be inferred unambiguously."""


def _is_dask_array(X) -> bool:
    mod = sys.modules.get("dask.array")
    return mod is not None and isinstance(X, mod.Array)


def _is_device_array(X) -> bool:
    mod = sys.modules.get("cupy")
    return mod is not None and isinstance(X, mod.ndarray)


def _progress(iterable, total: int, verbose, desc: str, unit: str = "batch"):
    """Wrap ``iterable`` in a progress bar when ``verbose`` asks for one."""
    if not verbose or total <= 1:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # a plain counter on stderr when tqdm is absent

        def counted():
            for i, item in enumerate(iterable, 1):
                yield item
                print(f"{desc}: {unit} {i}/{total}", file=sys.stderr, flush=True)

        return counted()
    return tqdm(iterable, total=total, desc=desc, unit=unit, leave=False)


class HarmonicTransformer(TransformerMixin, BaseEstimator):
    """Base class of skscat's transformers (not for direct use).

    Subclasses declare ``_parameter_constraints`` (extending this class's),
    and implement ``_fit_geometry(n_features)``, ``_transform_batch(X, backend)``,
    ``_feature_names()`` and ``_bytes_per_sample()``.
    """

    _parameter_constraints: dict = {
        "backend": [StrOptions(set(BACKEND_NAMES))],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    # -- scikit-learn protocol -------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = False
        return tags

    def fit(self, X, y=None):
        """Validate ``X`` and derive everything that depends on the parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, one flattened signal or image per row.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._validate_params()
        X = self._validate_X(X, reset=True)
        self.backend_ = resolve_backend_name(self.backend)
        self._fit_geometry(self.n_features_in_)
        self._check_memory(1, when="fit")
        return self

    def transform(self, X):
        """Transform ``X`` batch by batch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One flattened signal or image per row. A CuPy array stays on the
            GPU with ``backend="cupy"``; a dask array gives a lazy dask array.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out_)
            The features, float32 for float32 input and float64 for float64.
        """
        check_is_fitted(self)
        if _is_dask_array(X):
            return self._transform_dask(X)
        X = self._validate_X(X, reset=False)
        return self._transform_batched(X)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features, one per coordinate, by path.

        Parameters
        ----------
        input_features : None
            Ignored: the names depend on the transform's parameters only.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        return np.asarray(self._feature_names(), dtype=object)

    # -- shared machinery -------------------------------------------------
    def _validate_X(self, X, *, reset: bool):
        """The one validation path: 2-D, finite, numeric, real; float32/64 kept."""
        if _is_device_array(X):
            return self._validate_device_X(X, reset=reset)
        refuse_strings(X, "X", type(self).__name__)
        ndim = getattr(X, "ndim", None)
        if ndim is None and isinstance(X, list | tuple):
            try:
                ndim = np.ndim(X)
            except ValueError:  # ragged: the validation that follows says so
                ndim = None
        if ndim is not None and ndim != 2 and not hasattr(X, "toarray"):
            fix = (
                "X.reshape(1, -1) for a single signal or image"
                if ndim == 1
                else "X.reshape(len(X), -1), one flattened signal or image per row"
            )
            raise ValueError(
                f"{type(self).__name__}: Expected 2D array of shape (n_samples, n_features), "
                f"got a {ndim}-D array (found array with dim {ndim}) of shape {np.shape(X)}. "
                f"Reshape your data: pass {fix}."
            )
        dtype = getattr(X, "dtype", None)
        if isinstance(dtype, np.dtype) and dtype.kind == "c":
            raise ValueError(
                f"{type(self).__name__}: Complex data not supported (X has dtype {dtype}); "
                "pass the real part X.real, or the modulus np.abs(X)."
            )
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=False,
            dtype=[np.float32, np.float64],
            ensure_2d=True,
            ensure_all_finite=True,
        )
        return X

    def _validate_device_X(self, X, *, reset: bool):
        """Validation of a CuPy array without moving it to the host.

        Only ``backend="cupy"`` computes on the device; any other backend would
        need a host copy, which is the user's to make (never hidden here).
        """
        if self.backend != "cupy":
            raise TypeError(
                f"X is a CuPy (GPU) array but backend={self.backend!r} computes on the CPU. "
                "Pass backend='cupy' to keep the data on the GPU, or copy it to the host "
                "first with X.get() (cupy.asnumpy(X))."
            )
        if X.ndim != 2:
            raise ValueError(
                f"Expected a 2-D array of shape (n_samples, n_features), got {X.ndim}-D."
            )
        if X.dtype.kind == "c":
            raise ValueError("Complex data not supported; pass the real part (X.real).")
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float32)
        if X.shape[0] == 0:
            raise ValueError("Found array with 0 sample(s); at least 1 is required.")
        if not bool(X.size == 0 or self._device_all_finite(X)):
            raise ValueError("Input X contains NaN or infinity.")
        if reset:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    @staticmethod
    def _device_all_finite(X) -> bool:
        import cupy

        return bool(cupy.isfinite(X).all())

    def _check_memory(self, n_rows: int, *, when: str) -> None:
        """A clear ValueError, not an out-of-memory kill, when ``n_rows`` cannot fit.

        ``_bytes_per_sample()`` estimates one row's working memory (its padded
        signal, wavelet coefficients and filters); when ``n_rows`` of them
        exceed what :func:`available_memory_bytes` reports, nothing is
        allocated and the error names the size and what to change.
        """
        per_sample = int(self._bytes_per_sample())
        need = per_sample * max(1, int(n_rows))
        available = available_memory_bytes()
        if available is None or need <= available:
            return
        name = type(self).__name__
        if n_rows > 1 and per_sample <= available:
            fix = f"pass a smaller batch_size (at most {available // per_sample}) or 'auto'"
            what = f"a batch of {n_rows} rows needs about {_format_bytes(need)}"
        else:
            fix = (
                "lower J, L, Q or n_phases (or crop/downsample the input, "
                "or pass shape to say how rows are laid out)"
            )
            what = f"a single sample needs about {_format_bytes(need)} of working memory"
        raise ValueError(
            f"{name}: at {when}, {what} but only {_format_bytes(available)} is available; {fix}."
        )

    def _resolve_batch_size(self, n_samples: int) -> int:
        if self.batch_size != "auto":
            return int(self.batch_size)
        per_sample = max(1, int(self._bytes_per_sample()))
        budget = _BATCH_MEMORY_BYTES
        available = available_memory_bytes()
        if available is not None:
            budget = min(budget, available)
        return int(max(1, min(n_samples, budget // per_sample)))

    def _transform_batched(self, X):
        """The one batching loop: memory bounded by ``batch_size`` rows at a time."""
        backend = get_backend(self.backend_, n_jobs=self.n_jobs)
        n_samples = X.shape[0]
        on_device = _is_device_array(X)
        batch = self._resolve_batch_size(n_samples)
        self._check_memory(min(batch, n_samples), when="transform")
        starts = range(0, n_samples, batch)
        out = None
        n_batches = math.ceil(n_samples / batch)
        for start in _progress(starts, n_batches, self.verbose, type(self).__name__):
            stop = min(start + batch, n_samples)
            Y = self._transform_batch(backend.asarray(X[start:stop]), backend)
            if out is None:
                empty = backend.empty if on_device else np.empty
                out = empty((n_samples, Y.shape[1]), dtype=Y.dtype)
            out[start:stop] = Y if on_device else backend.to_numpy(Y)
        return out

    def _transform_dask(self, X):
        """Lazy transform of a dask array chunked by rows (``map_blocks``).

        The fitted estimator enters the graph once, as a single
        ``dask.delayed`` node that every row block refers to, so a
        distributed scheduler ships it to each worker once, not once per
        block. Column chunks are merged first (a row must be whole); the
        estimator must have been fitted (``fit`` on a sample or on the
        in-memory data) before.
        """
        import dask
        import dask.array as da

        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D dask array, got {X.ndim}-D.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        if X.numblocks[1] != 1:
            X = X.rechunk({1: -1})
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float32
        # A snapshot: refitting ``self`` later does not change this lazy result.
        estimator = dask.delayed(copy.deepcopy(self), pure=True)
        return da.map_blocks(
            _transform_block,
            X,
            estimator,
            dtype=dtype,
            chunks=(X.chunks[0], (self.n_features_out_,)),
            meta=np.empty((0, 0), dtype=dtype),
        )

    # -- for subclasses ---------------------------------------------------
    def _fit_geometry(self, n_features: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform_batch(self, X, backend):  # pragma: no cover - abstract
        raise NotImplementedError

    def _feature_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _bytes_per_sample(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError


def _transform_block(block, estimator):
    with dask_task():  # dask runs one block per worker thread: no inner threads
        return estimator.transform(block)


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
