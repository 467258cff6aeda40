"""Paths, padding and the batched execution plan of the 1-D scattering.

Kymatio 0.3's output order: order 0, then every first-order filter ``n1``
(highest frequency first), then the second-order paths ``(n1, n2)`` in
``n1``-major order, keeping ``n2`` only when ``j2 > j1`` (the second wavelet is
coarser than the sub-sampling the first one allows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..filters._cache import memoize
from ..filters.morlet1d import SIGMA0, gauss_1d, morlet_params_1d, temporal_support


@memoize(64)
def scattering1d_paths(J: int, Q1: int, Q2: int, max_order: int) -> tuple:
    """Paths in output order, as ``(order, (n1, ...))`` tuples of filter indices."""
    j1s = morlet_params_1d(J, Q1)[2]
    j2s = morlet_params_1d(J, Q2)[2]
    paths = [(0, ())]
    paths += [(1, (n1,)) for n1 in range(len(j1s))]
    if max_order >= 2:
        paths += [(2, (n1, n2)) for n1, a in enumerate(j1s) for n2, b in enumerate(j2s) if b > a]
    return tuple(paths)


@memoize(64)
def path_table_1d(J: int, Q1: int, Q2: int, max_order: int, log2_T: int, average: bool) -> dict:
    """Per-path metadata: order, filter indices, ``j``, ``xi``, ``sigma`` and gain.

    Every field is a 1-D array over paths (``n1, n2, j1, ...`` are NaN where
    the path has no such filter), so ``pandas.DataFrame(table)`` works.
    Frequencies are in cycles per sample of the input signal.

    ``gain`` is the factor by which Kymatio 0.3's cascade scales the path: it
    filters signals sub-sampled by ``2**k`` with filters periodised by
    *averaging* their aliases, which divides the result by ``2**k`` (kymatio
    pull request 736 discusses it). Averaged, order 1 carries ``2**-k1`` and
    order 2 ``2**-(2 k1 + k2)``, with ``k1 = min(j1, log2_T)`` and
    ``k1 + k2 = min(j2, log2_T)``; unaveraged, order 2 carries ``2**-j1``.
    ``S / gain`` is the same cascade without intermediate sub-sampling (up to
    aliasing), whose values compare across paths.
    """
    xi1, sigma1, j1 = morlet_params_1d(J, Q1)
    xi2, sigma2, j2 = morlet_params_1d(J, Q2)
    paths = scattering1d_paths(J, Q1, Q2, max_order)
    nan = math.nan
    keys = ("n1", "n2", "j1", "j2", "xi1", "xi2", "sigma1", "sigma2", "gain")
    cols = {k: [] for k in keys}
    orders = []
    for order, ns in paths:
        a = ns[0] if order >= 1 else None
        b = ns[1] if order >= 2 else None
        orders.append(order)
        cols["n1"].append(nan if a is None else a)
        cols["n2"].append(nan if b is None else b)
        cols["j1"].append(nan if a is None else j1[a])
        cols["j2"].append(nan if b is None else j2[b])
        cols["xi1"].append(nan if a is None else xi1[a])
        cols["xi2"].append(nan if b is None else xi2[b])
        cols["sigma1"].append(nan if a is None else sigma1[a])
        cols["sigma2"].append(nan if b is None else sigma2[b])
        if order == 0:
            gain = 1.0
        elif not average:
            gain = 1.0 if order == 1 else 2.0 ** -j1[a]
        else:
            k1 = min(j1[a], log2_T)
            gain = 2.0**-k1 if order == 1 else 2.0 ** -(k1 + min(j2[b], log2_T))
        cols["gain"].append(gain)
    table = {"order": np.asarray(orders, dtype=np.int64)}
    table.update({k: np.asarray(v, dtype=np.float64) for k, v in cols.items()})
    for v in table.values():
        v.flags.writeable = False
    return table


def path_name(order: int, ns: tuple) -> str:
    """``order0``, ``order1_n1=3``, ``order2_n1=3_n2=1``."""
    return "_".join([f"order{order}"] + [f"n{i}={n}" for i, n in enumerate(ns, 1)])


# -- geometry --------------------------------------------------------------
@memoize(256)
def kymatio_padded_length(N: int, T: int) -> int:
    """Kymatio 0.3's padded length for signals of length ``N`` and window ``T``.

    Three times the support of the low-pass (measured on ``N`` samples) on each
    side, rounded up to a power of two, but less than ``3 N - 1`` so that
    reflect padding never exceeds the signal.
    """
    support = temporal_support(gauss_1d(N, SIGMA0 / T), criterion=1e-3)
    ideal = int(math.ceil(math.log2(N + 2 * 3 * support)))
    limit = int(math.floor(math.log2(3 * N - 2))) if N > 1 else 0
    return 2 ** min(ideal, limit)


@dataclass(frozen=True)
class Geometry1D:
    """Padding and output time grid of a 1-D scattering."""

    N: int  # input length
    N_padded: int
    pad_left: int
    pad_right: int
    log2_T: int
    k_out: int  # log2 of the output sub-sampling (0 when not averaging)
    t_start: int  # first output sample on the sub-sampled padded grid
    n_times: int  # output samples per path


def _border(i: int, k: int) -> int:
    """Index of the first sample at or after padded position ``i`` on the grid
    sub-sampled by ``2**k`` (Kymatio's ``compute_border_indices``)."""
    for _ in range(k):
        i = i // 2 + i % 2
    return i


@memoize(256)
def geometry_1d(
    N: int, J: int, T: int | None, average: bool, log2_stride: int | None = None
) -> Geometry1D:
    """Where the signal sits in the padded grid and which samples are output.

    With ``average=True`` the output is sub-sampled by ``2**floor(log2 T)`` and
    keeps Kymatio's samples ``ceil(i0 / 2**k) .. ceil(i1 / 2**k)``, ``[i0, i1)``
    being the signal in the padded grid. Where that is empty (signals shorter
    than the window), the one sample nearest the signal's centre is kept, and
    the padded length is raised to at least ``2**floor(log2 T)`` (Kymatio fails
    there). With ``average=False`` every path is returned at full rate on the
    input's own ``N`` samples.
    """
    T = 2**J if T is None else T
    log2_T = int(math.floor(math.log2(T)))
    N_padded = kymatio_padded_length(N, T)
    if average:
        N_padded = max(N_padded, 2**log2_T)
    pad_left = (N_padded - N) // 2
    pad_right = N_padded - N - pad_left
    if not average:
        return Geometry1D(N, N_padded, pad_left, pad_right, log2_T, 0, pad_left, N)
    k = log2_T if log2_stride is None else int(log2_stride)
    start, stop = _border(pad_left, k), _border(pad_left + N, k)
    if stop <= start:
        centre = pad_left + (N - 1) / 2
        start = min(int(math.floor(centre / 2**k + 0.5)), N_padded // 2**k - 1)
        stop = start + 1
    return Geometry1D(N, N_padded, pad_left, pad_right, k, k, start, stop - start)


# -- execution plan ----------------------------------------------------------
@dataclass(frozen=True)
class Block2:
    """Second-order paths of one first-order group sharing a sub-sampling."""

    n2: slice  # second-order filters (contiguous)
    k2: int  # extra sub-sampling after the wavelet
    channels: np.ndarray  # output channels of the (n1, n2) pairs, n1-major


@dataclass(frozen=True)
class Group1:
    """First-order filters sharing ``j1`` (hence sub-sampling and children)."""

    n1: slice
    k1: int
    blocks: tuple
    # Factor on the second-order wavelets. Kymatio filters a first-order
    # modulus sub-sampled by 2**j1 with wavelets periodised by averaging,
    # which scales its second order by 2**-j1; the averaged cascade inherits
    # that from the filters themselves, the full-rate one applies it here.
    scale2: float = 1.0


@memoize(64)
def plan_1d(J: int, Q1: int, Q2: int, max_order: int, log2_T: int, average: bool) -> tuple:
    """Groups of filters the cascade processes together, in one batched call each.

    First-order filters are grouped by ``j1``: same sub-sampling
    ``k1 = min(j1, log2_T)`` and same second-order children ``j2 > j1``;
    those children are split into runs of equal ``k2 = min(j2, log2_T) - k1``.
    Without averaging nothing is sub-sampled (``k1 = k2 = 0``).
    """
    j1s = np.asarray(morlet_params_1d(J, Q1)[2])
    j2s = np.asarray(morlet_params_1d(J, Q2)[2])
    paths = scattering1d_paths(J, Q1, Q2, max_order)
    channel = {p: c for c, p in enumerate(paths)}
    groups = []
    for j1 in np.unique(j1s):
        rows = np.flatnonzero(j1s == j1)
        n1 = slice(int(rows[0]), int(rows[-1]) + 1)
        k1 = int(min(j1, log2_T)) if average else 0
        blocks = []
        if max_order >= 2:
            kids = np.flatnonzero(j2s > j1)
            k2s = np.array([max(min(int(j2s[b]), log2_T) - k1, 0) if average else 0 for b in kids])
            for k2 in np.unique(k2s):
                run = kids[k2s == k2]
                chans = np.array(
                    [channel[(2, (a, int(b)))] for a in range(n1.start, n1.stop) for b in run],
                    dtype=np.intp,
                )
                blocks.append(Block2(slice(int(run[0]), int(run[-1]) + 1), int(k2), chans))
        scale2 = 1.0 if average else 2.0 ** -int(j1)
        groups.append(Group1(n1, k1, tuple(blocks), scale2))
    return tuple(groups)
