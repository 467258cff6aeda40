"""Scattering1D: the scikit-learn transformer around the 1-D cascade."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from .._base import HarmonicTransformer, infer_signal_length
from .._docstrings import with_batched_parameters
from ..filters._cache import memoize
from ..filters.morlet1d import morlet_filter_bank_1d
from ._paths1d import geometry_1d, path_name, path_table_1d, plan_1d, scattering1d_paths
from .core1d import scattering1d


def resolve_Q(Q, owner: str = "Scattering1D") -> tuple[int, int]:
    """``Q`` as ``(Q1, Q2)``: an int means ``(Q, 1)``, a 1-tuple ``(Q1, 1)``."""
    values = (Q,) if isinstance(Q, Integral | np.integer) else Q
    try:
        values = tuple(values)
    except TypeError:
        values = None
    if (
        values is None
        or not 1 <= len(values) <= 2
        or not all(
            isinstance(v, Integral | np.integer) and not isinstance(v, bool) and v >= 1
            for v in values
        )
    ):
        raise ValueError(
            f"{owner}: Q must be an integer >= 1 or a pair (Q1, Q2) of such integers, got {Q!r}."
        )
    Q1, Q2 = (tuple(int(v) for v in values) + (1,))[:2]
    return Q1, Q2


@memoize(32)
def _coordinate_meta(J, Q1, Q2, max_order, geometry, average) -> dict:
    """Per-coordinate metadata (paths repeated over the time samples)."""
    paths = path_table_1d(J, Q1, Q2, max_order, geometry.log2_T, average)
    n_paths, nt = len(paths["order"]), geometry.n_times
    meta = {k: np.repeat(v, nt) for k, v in paths.items()}
    meta["path"] = np.repeat(np.arange(n_paths), nt)
    meta["t"] = np.tile(np.arange(nt), n_paths)
    # Sample of the input signal each output sample is centred on.
    step = 2**geometry.k_out
    meta["time"] = (geometry.t_start + meta["t"]) * step - geometry.pad_left
    for v in meta.values():
        v.flags.writeable = False
    return meta


@with_batched_parameters
class Scattering1D(HarmonicTransformer):
    """1-D wavelet scattering transform of time series, as a scikit-learn transformer.

    Each row of ``X`` is a signal. The transform cascades Morlet wavelet
    transforms and moduli,
    ``S x = {x * phi, |x * psi_l1| * phi, ||x * psi_l1| * psi_l2| * phi}``,
    with ``Q1`` wavelets per octave at order 1 and ``Q2`` at order 2, keeping
    the second-order paths whose second wavelet is coarser than the first
    (``j2 > j1``). The low-pass ``phi`` averages over ``T`` samples, which makes
    the coefficients invariant to time shifts smaller than ``T`` and stable to
    small time warps. With the default options the coefficients equal those of
    Kymatio 0.3's ``Scattering1D(J, shape, Q, T)``, flattened per sample.

    Parameters
    ----------
    J : int, default=6
        Log2 of the largest wavelet scale (``2**J`` samples).
    shape : int or None, default=None
        Signal length; ``None`` takes ``n_features``. Signals of any length
        are accepted and reflect-padded to a power of two internally.
    Q : int or tuple of int, default=1
        Wavelets per octave: ``Q`` at order 1 and one at order 2, or a pair
        ``(Q1, Q2)``.
    T : int or None, default=None
        Averaging window in samples (``2**J`` when None); the output is
        sub-sampled by ``2**floor(log2 T)``. ``T=0`` means no averaging
        (Kymatio's convention), like ``average=False``.
    max_order : {1, 2}, default=2
        Highest scattering order.
    average : bool, default=True
        If False, no low-pass: the output is the modulus of every path,
        ``|x * psi_l1|`` and ``||x * psi_l1| * psi_l2|``, at full rate on the
        input's ``N`` samples (order 0 is the signal itself), so that every
        path shares one time grid. First-order values equal Kymatio's
        unaveraged ones (``T=0``) at the samples Kymatio keeps; second-order
        ones are computed without Kymatio's sub-sampling in between.
    <batched parameters>

    Attributes
    ----------
    n_features_in_ : int
        Signal length seen at ``fit``.
    shape_ : tuple of int
        ``(N,)``, the signal length used.
    Q_ : tuple of int
        ``(Q1, Q2)``.
    T_ : int
        Averaging window actually used.
    average_ : bool
        Whether the output is averaged (False for ``average=False`` or ``T=0``).
    padded_length_ : int
        Power-of-two length the signal is reflect-padded to.
    n_paths_ : int
        Number of scattering paths (orders 0, 1 and 2).
    n_times_ : int
        Output samples per path. Averaged: Kymatio's count, about
        ``N / 2**floor(log2 T)`` (samples of the sub-sampled grid that fall on
        the signal), and 1 for signals shorter than the window (where Kymatio
        returns none): the low-pass average nearest the signal's centre.
        Unaveraged: ``N``.
    n_features_out_ : int
        ``n_paths_ * n_times_``; the output is the ``(paths, time)`` array of
        each sample flattened in C order.
    path_meta_ : dict of ndarray
        One entry per path: ``order``, filter indices ``n1``, ``n2``, dyadic
        indices ``j1``, ``j2``, centre frequencies ``xi1``, ``xi2`` and
        bandwidths ``sigma1``, ``sigma2`` (cycles per sample; NaN where the
        path has no such filter), and ``gain``: the factor Kymatio's
        sub-sampled cascade puts on the path (``2**-k1`` at order 1,
        ``2**-(2 k1 + k2)`` at order 2, ``k`` the sub-samplings); ``S / gain``
        compares across paths (a tone's first-order ``S / gain`` is the same
        at every centre frequency it is tuned to, whereas ``S`` halves with
        each sub-sampling of a coarser ``j1``).
    meta_ : dict of ndarray
        The same per output coordinate, plus ``path`` (its row in
        ``path_meta_``), ``t`` (its time index) and ``time`` (the input sample
        the coefficient is centred on; in the padding, below 0, for a signal
        shorter than the window). ``pandas.DataFrame(meta_)`` is a table of
        every feature.
    backend_ : str
        Backend actually used.
    filters_ : FilterBank1D
        The Fourier filter bank (from the module-level cache, never pickled).

    See Also
    --------
    Scattering2D : Scattering of images.
    ScatteringNormalizer : log and second-by-first-order normalisation.

    Notes
    -----
    Kymatio 0.3 raises for ``T`` larger than the signal and fails for signals
    shorter than its window; here both are padded, and give one output sample
    per path.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat.scattering import Scattering1D
    >>> X = np.random.default_rng(0).standard_normal((4, 1024))
    >>> S = Scattering1D(J=6, Q=8).fit(X)
    >>> S.n_paths_, S.n_times_
    (126, 16)
    >>> S.transform(X).shape
    (4, 2016)
    >>> S.get_feature_names_out()[16 * 3 + 1]
    'order1_n1=2_t=1'
    >>> round(float(S.meta_["xi1"][16 * 3 + 1]), 4)  # centre frequency, cycles per sample
    0.3661
    """

    _bounded_blocks = True  # the cascade runs groups in chunks of filters

    _parameter_constraints: dict = {
        **HarmonicTransformer._parameter_constraints,
        "J": [Interval(Integral, 1, None, closed="left")],
        "shape": [None, Interval(Integral, 1, None, closed="left"), tuple, list, np.ndarray],
        "Q": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "T": [None, Interval(Integral, 0, None, closed="left")],
        "max_order": [Interval(Integral, 1, 2, closed="both")],
        "average": ["boolean"],
    }

    def __init__(
        self,
        J=6,
        shape=None,
        Q=1,
        T=None,
        max_order=2,
        average=True,
        backend="auto",
        batch_size="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.J = J
        self.shape = shape
        self.Q = Q
        self.T = T
        self.max_order = max_order
        self.average = average
        self.backend = backend
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- geometry ---------------------------------------------------------
    def _fit_geometry(self, n_features: int) -> None:
        owner = type(self).__name__
        infer_signal_length(n_features, self.shape, owner)
        N = n_features
        self.shape_ = (N,)
        self.Q_ = resolve_Q(self.Q, owner)
        average = bool(self.average) and self.T != 0
        if not self.average and self.T not in (None, 0):
            raise ValueError(
                f"{owner}: T={self.T} sets an averaging window but average=False; "
                "pass T=None (or 0) for unaveraged coefficients, or average=True."
            )
        self.average_ = average
        self.T_ = 2**self.J if self.T in (None, 0) else int(self.T)
        self._geometry_ = geometry_1d(N, self.J, self.T_, average)
        self.padded_length_ = self._geometry_.N_padded
        self.n_times_ = self._geometry_.n_times
        self.n_paths_ = len(scattering1d_paths(self.J, *self.Q_, self.max_order))
        self.n_features_out_ = self.n_paths_ * self.n_times_

    @property
    def filters_(self):
        """The Fourier filter bank on the padded grid (float64, cached)."""
        return morlet_filter_bank_1d(self.padded_length_, self.J, *self.Q_, self.T_, "float64")

    @property
    def path_meta_(self) -> dict:
        """Metadata of every path (see the class docstring)."""
        return dict(
            path_table_1d(self.J, *self.Q_, self.max_order, self._geometry_.log2_T, self.average_)
        )

    @property
    def meta_(self) -> dict:
        """Metadata of every output coordinate (see the class docstring)."""
        return dict(
            _coordinate_meta(self.J, *self.Q_, self.max_order, self._geometry_, self.average_)
        )

    def _plan(self):
        return plan_1d(self.J, *self.Q_, self.max_order, self._geometry_.log2_T, self.average_)

    def _bytes_per_sample(self) -> int:
        """Peak working memory of one sample: the largest batched block."""
        Np = self.padded_length_
        largest = Np
        for group in self._plan():
            K1 = group.n1.stop - group.n1.start
            size = Np // 2**group.k1
            largest = max(largest, K1 * size)
            for block in group.blocks:
                largest = max(largest, K1 * (block.n2.stop - block.n2.start) * size)
        complex_bytes = 16  # budget for float64; float32 uses half
        return complex_bytes * (Np + 3 * largest) + 8 * self.n_features_out_

    # -- transform --------------------------------------------------------
    def _transform_batch(self, X, backend):
        n = X.shape[0]
        return self._cascade(X, backend).reshape(n, -1)

    def _cascade(self, X, backend, tape=None):
        """Coefficients of a batch as ``(n, n_paths, n_times)``; see
        :func:`~skscat.scattering.core1d.scattering1d` for ``tape``."""
        dtype = X.dtype
        bank = morlet_filter_bank_1d(
            self.padded_length_, self.J, *self.Q_, self.T_, np.dtype(dtype).name
        )
        bank = backend.prepare_bank(bank)
        out = backend.empty((X.shape[0], self.n_paths_, self.n_times_), dtype)
        return scattering1d(
            X,
            backend,
            bank,
            self._plan(),
            self._geometry_,
            max_order=self.max_order,
            average=self.average_,
            out=out,
            tape=tape,
        )

    def _feature_names(self) -> list[str]:
        paths = scattering1d_paths(self.J, *self.Q_, self.max_order)
        return [f"{path_name(*p)}_t={t}" for p in paths for t in range(self.n_times_)]
