"""Docstring text shared by the batched estimators, written once."""

from __future__ import annotations

_MARKER = "    <batched parameters>"

BATCHED_PARAMETERS = """\
    backend : {"auto", "numpy", "numba", "cupy"}, default="auto"
        Array backend: ``"numpy"`` is the reference, ``"numba"`` runs compiled
        CPU kernels, ``"cupy"`` runs on an NVIDIA GPU (CuPy input stays on the
        device). ``"auto"`` takes the fastest CPU backend available. All give
        the same numbers to floating-point tolerance.
    batch_size : int or "auto", default="auto"
        Rows transformed at a time; ``"auto"`` keeps a batch's working memory
        at most 256 MiB, and on the CPU about 32 MiB per thread (intermediates
        that stay in the caches; not for Scattering1D, whose cascade works in
        bounded blocks) but at least a row a thread, counted in the data's
        precision, in batches of even size. Memory is bounded by it whatever
        ``n_samples`` is.
    n_jobs : int or None, default=None
        Threads for FFTs and kernels. ``None``: the physical cores this
        process may use, fewer under ``threadpoolctl`` limits or
        ``OMP_NUM_THREADS``, one inside joblib or dask workers (see the
        backends page); ``-1``: all CPUs. Results do not depend on it.
    verbose : bool or int, default=False
        Show a progress bar over batches."""


def with_batched_parameters(cls):
    """Class decorator: put :data:`BATCHED_PARAMETERS` where the docstring has the marker line."""
    if cls.__doc__:  # None under ``python -OO``
        cls.__doc__ = cls.__doc__.replace(_MARKER, BATCHED_PARAMETERS)
    return cls
