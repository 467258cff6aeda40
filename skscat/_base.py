"""Machinery shared by every skscat transformer.

One validation path (:meth:`BatchedTransformer._validate_X`), one batching
loop (:meth:`BatchedTransformer._map_batches`, for transforms and gradients)
and one backend choice (:func:`skscat.backends.resolve_backend_name`) serve
all transforms. A
transform whose ``fit`` only derives state from the parameters and
``n_features`` subclasses :class:`HarmonicTransformer` and implements
``_fit_geometry(n_features)``; every transform implements
``_transform_batch(X, backend)`` (the algorithm on one batch of rows),
``_feature_names()`` and ``_bytes_per_sample()``.
"""

from __future__ import annotations

import copy
import math
import sys
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._blas import blas_threads
from ._memory import available_memory_bytes, format_bytes
from ._shapes import ShapeWarning, infer_image_shape, infer_signal_length, validate_shape_param
from ._threads import dask_task, map_row_blocks, row_blocks
from ._validation import float_dtype, refuse_strings, string_dtype_in
from .backends import BACKEND_NAMES, get_backend, resolve_backend_name

# Working memory a batch may use when ``batch_size="auto"``.
_BATCH_MEMORY_BYTES = 256 * 2**20
# Working memory of the rows one CPU thread transforms at a time when
# ``batch_size="auto"``: a cascade makes a pass over its batch per step, and
# intermediates this small stay in the caches between passes (and come from
# the allocator's recycled blocks, not fresh pages); counted in the data's
# precision (float32 rows half their float64 estimate). Never fewer than
# ``_THREAD_CHUNK_ROWS`` rows a thread: large images gain nothing from it, and
# their FFTs get slower on fewer rows a call.
_THREAD_CHUNK_BYTES = 32 * 2**20
_THREAD_CHUNK_ROWS = 4
# Backends computing on the host, whose batches may be split over threads.
_HOST_BACKENDS = ("numpy", "numba")


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


class BatchedTransformer(TransformerMixin, BaseEstimator):
    """Validation, batching, dask and device handling shared by skscat's transformers.

    Not for direct use. Subclasses declare ``_parameter_constraints``
    (extending this class's), write their own ``fit`` (which validates ``X``
    with ``_validate_X(X, reset=True)`` and sets ``backend_`` and
    ``n_features_out_``), and implement ``_transform_batch(X, backend)``,
    ``_feature_names()`` and ``_bytes_per_sample()``.
    """

    _parameter_constraints: dict = {
        "backend": [StrOptions(set(BACKEND_NAMES))],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }
    # True where the algorithm computes in blocks of bounded size whatever the
    # batch (Scattering1D's chunks of filters): more rows a thread then only
    # amortise per-call costs, and auto batches are bounded by memory alone.
    _bounded_blocks: bool = False

    # -- scikit-learn protocol -------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = False
        return tags

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
            The features: float32 for float32 input, float64 for any other.
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
        """The one validation path: 2-D, finite, numeric, real.

        float32 and float64 are kept; everything else (integers, booleans,
        objects, lists) becomes float64, as in scikit-learn.
        """
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
            dtype=[np.float64, np.float32],
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
        if X.dtype != float_dtype(X.dtype):
            X = X.astype(float_dtype(X.dtype))
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

    def _check_memory(self, n_rows: int, *, when: str, per_sample: int | None = None) -> None:
        """A clear ValueError, not an out-of-memory kill, when ``n_rows`` cannot fit.

        ``_bytes_per_sample()`` estimates one row's working memory (its padded
        signal, wavelet coefficients and filters); when ``n_rows`` of them
        exceed what :func:`available_memory_bytes` reports, nothing is
        allocated and the error names the size and what to change.
        ``per_sample`` overrides that estimate (e.g. a gradient's tape).
        """
        per_sample = int(self._bytes_per_sample() if per_sample is None else per_sample)
        need = per_sample * max(1, int(n_rows))
        available = available_memory_bytes()
        if available is None or need <= available:
            return
        name = type(self).__name__
        if n_rows > 1 and per_sample <= available:
            fix = f"pass a smaller batch_size (at most {available // per_sample}) or 'auto'"
            what = f"a batch of {n_rows} rows needs about {format_bytes(need)}"
        else:
            fix = (
                "lower J, L, Q or n_phases (or crop/downsample the input, "
                "or pass shape to say how rows are laid out)"
            )
            what = f"a single sample needs about {format_bytes(need)} of working memory"
        raise ValueError(
            f"{name}: at {when}, {what} but only {format_bytes(available)} is available; {fix}."
        )

    def _resolve_batch_size(self, n_samples: int, per_sample: int | None = None) -> int:
        if self.batch_size != "auto":
            return int(self.batch_size)
        per_sample = self._bytes_per_sample() if per_sample is None else per_sample
        per_sample = max(1, int(per_sample))
        budget = _BATCH_MEMORY_BYTES
        available = available_memory_bytes()
        if available is not None:
            budget = min(budget, available)
        return int(max(1, min(n_samples, budget // per_sample)))

    def _transform_batched(self, X):
        """``_transform_batch`` over batches of rows (see :meth:`_map_batches`)."""
        return self._map_batches(
            X, lambda backend, Xb, rows: (self._transform_batch(Xb, backend),)
        )[0]

    def _map_batches(
        self,
        X,
        compute,
        *,
        per_sample: int | None = None,
        when="transform",
        split_rows: bool = True,
    ):
        """The one batching loop: memory bounded by ``batch_size`` rows at a time.

        ``compute(backend, X_batch, rows)`` returns a tuple of arrays with one
        row per row of the batch (already on the backend); each is gathered
        into an output of ``len(X)`` rows, on the device for device input and
        on the host otherwise. ``per_sample`` overrides
        ``_bytes_per_sample()`` for the batch size and the memory check.

        On the CPU with several threads (``n_jobs``, see :mod:`skscat._threads`)
        each batch is split into one contiguous sub-batch per thread, run
        concurrently with one thread inside each (the batch's memory is
        shared out, not multiplied); ``split_rows=False`` keeps whole batches
        (a ``compute`` whose side effects must follow row order).
        """
        backend = get_backend(self.backend_, n_jobs=self.n_jobs)
        n_samples = X.shape[0]
        on_device = _is_device_array(X)
        per = self._bytes_per_sample() if per_sample is None else per_sample
        # the estimates budget float64; float32 rows need half of it
        per = max(1, int(per) * min(8, np.dtype(X.dtype).itemsize) // 8)
        batch = self._resolve_batch_size(n_samples, per)
        self._check_memory(min(batch, n_samples), when=when, per_sample=per)
        n_threads = backend.workers if split_rows and backend.name in _HOST_BACKENDS else 1
        if on_device:
            n_threads = 1
        elif self.batch_size == "auto" and backend.name in _HOST_BACKENDS:
            if not self._bounded_blocks:
                rows = max(_THREAD_CHUNK_ROWS, _THREAD_CHUNK_BYTES // per)
                batch = min(batch, n_threads * rows)
            # Rows larger than the batch budget still get one a thread, memory
            # permitting: one row on all threads splits every FFT and kernel
            # call, which scales far worse than a row a thread.
            rows = min(n_threads, n_samples)
            available = available_memory_bytes()
            if batch < rows and (available is None or rows * per <= available):
                batch = rows
            batch = math.ceil(n_samples / math.ceil(n_samples / batch))  # even batches
        # one single-threaded backend per sub-batch slot (made on this thread)
        row_backends = []

        def run(i, rows):
            be = row_backends[i]
            results = compute(be, be.asarray(X[rows]), rows)
            return tuple(Y if on_device else be.to_numpy(Y) for Y in results)

        starts = range(0, n_samples, batch)
        outs = None
        n_batches = math.ceil(n_samples / batch)
        for start in _progress(starts, n_batches, self.verbose, type(self).__name__):
            rows = slice(start, min(start + batch, n_samples))
            blocks = row_blocks(rows.stop - rows.start, n_threads)
            if len(blocks) == 1:
                parts = [compute(backend, backend.asarray(X[rows]), rows)]
                if not on_device:
                    parts = [tuple(backend.to_numpy(Y) for Y in parts[0])]
                blocks = [rows]
            else:
                blocks = [slice(start + b.start, start + b.stop) for b in blocks]
                while len(row_backends) < len(blocks):
                    row_backends.append(get_backend(self.backend_, n_jobs=1))
                with blas_threads(1):
                    parts = map_row_blocks(run, blocks)
            if outs is None:
                empty = backend.empty if on_device else np.empty
                outs = [
                    empty((n_samples,) + tuple(Y.shape[1:]), dtype=Y.dtype) for Y in parts[0]
                ]
            for block, results in zip(blocks, parts, strict=True):
                for out, Y in zip(outs, results, strict=True):
                    out[block] = Y
        return outs

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
        dtype = float_dtype(X.dtype)
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
    def _transform_batch(self, X, backend):  # pragma: no cover - abstract
        raise NotImplementedError

    def _feature_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _bytes_per_sample(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError


class HarmonicTransformer(BatchedTransformer):
    """Base class of the transforms whose ``fit`` only derives state from the parameters.

    Subclasses declare ``_parameter_constraints`` (extending this class's),
    and implement ``_fit_geometry(n_features)``, ``_transform_batch(X, backend)``,
    ``_feature_names()`` and ``_bytes_per_sample()``.
    """

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

    def _fit_geometry(self, n_features: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def _transform_block(block, estimator):
    with dask_task():  # dask runs one block per worker thread: no inner threads
        return estimator.transform(block)


__all__ = [
    "BatchedTransformer",
    "HarmonicTransformer",
    "ShapeWarning",
    "available_memory_bytes",
    "blas_threads",
    "format_bytes",
    "infer_image_shape",
    "infer_signal_length",
    "refuse_strings",
    "string_dtype_in",
    "validate_shape_param",
]
