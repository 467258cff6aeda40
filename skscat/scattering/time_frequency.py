"""TimeFrequencyScattering: joint time-frequency scattering as a scikit-learn transformer."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import HarmonicTransformer, infer_signal_length
from .._docstrings import with_batched_parameters
from ..filters._cache import memoize
from ..filters.morlet1d import frequential_filter_bank, morlet_filter_bank_1d, morlet_params_1d
from ._paths1d import geometry_1d
from .core_jtfs import frequential_operators, joint_scattering, jtfs_plan
from .scattering1d import resolve_Q


def _log2_power_of_two(value, name: str, owner: str) -> int:
    if not isinstance(value, Integral | np.integer) or value < 1 or value & (value - 1):
        raise ValueError(f"{owner}: {name} must be a power of two (1, 2, 4, ...), got {value!r}.")
    return int(value).bit_length() - 1


@memoize(32)
def _meta(plan, geometry) -> dict:
    """Per-coordinate metadata in output order."""
    J, Q1, Q2 = plan.J, plan.Q1, plan.Q2
    xi1, sigma1, j1 = (np.asarray(v, dtype=np.float64) for v in morlet_params_1d(J, Q1))
    xi2, sigma2, j2 = (np.asarray(v, dtype=np.float64) for v in morlet_params_1d(J, Q2))
    fb = frequential_filter_bank(plan.N_fr, plan.J_fr, plan.Q_fr, plan.F)
    nt = geometry.n_times
    times = (geometry.t_start + np.arange(nt)) * 2**geometry.k_out - geometry.pad_left
    cols: dict = {k: [] for k in ("order", "n1", "n2", "n_fr", "row", "t")}
    for order, n2, f, k_total, rows in plan.paths:
        for r in range(rows):
            n1 = r * 2**k_total if order else -1
            for t in range(nt):
                cols["order"].append(order)
                cols["n1"].append(n1)
                cols["n2"].append(n2)
                cols["n_fr"].append(f)
                cols["row"].append(r if order else -1)
                cols["t"].append(t)
    meta = {k: np.asarray(v, dtype=np.int64) for k, v in cols.items()}
    n1, n2, f = meta["n1"], meta["n2"], meta["n_fr"]

    def pick(values, index, valid):
        out = np.full(index.shape, np.nan)
        out[valid] = values[index[valid]]
        return out

    has1 = (n1 >= 0) & (n1 < len(xi1))
    has2 = n2 >= 0
    hasf = f >= 0
    meta["j1"] = pick(j1, n1, has1)
    meta["xi1"] = pick(xi1, n1, has1)
    meta["sigma1"] = pick(sigma1, n1, has1)
    meta["j2"] = pick(j2, n2, has2)
    meta["xi2"] = pick(xi2, n2, has2)
    meta["sigma2"] = pick(sigma2, n2, has2)
    meta["j_fr"] = pick(fb.j.astype(np.float64), f, hasf)
    meta["xi_fr"] = pick(fb.xi, f, hasf)
    meta["sigma_fr"] = pick(fb.sigma, f, hasf)
    meta["spin"] = np.where(hasf, fb.spin[np.maximum(f, 0)], 0).astype(np.int64)
    meta["time"] = times[meta["t"]]
    for v in meta.values():
        v.flags.writeable = False
    return meta


@with_batched_parameters
class TimeFrequencyScattering(HarmonicTransformer):
    r"""Joint time-frequency scattering (JTFS) of time series, as a scikit-learn transformer.

    Each row of ``X`` is a signal. Its scalogram ``U1(t, n1) = |x * psi_n1|(t)``
    (``Q1`` Morlet wavelets per octave) is seen as an image in time and
    log-frequency and analysed by two-dimensional wavelets: a temporal wavelet
    ``psi_n2`` (``Q2`` per octave) times a frequential wavelet ``psi_fr`` along
    ``n1`` (``Q_fr`` per octave, up to the scale ``2**J_fr`` filters, with both
    *spins*: centre frequency ``+xi`` or ``-xi``, i.e. patterns that rise or
    fall in frequency over time), followed by a modulus and averages over
    ``T`` samples in time and ``F`` filters in log-frequency:

    * order 0: ``x * phi_T``;
    * order 1: ``|(U1 * phi_T) *_n1 psi_fr|`` for the frequential low-pass
      (spin 0) and the wavelets of spin +1, averaged by ``phi_F`` (spin +1);
    * order 2: ``||U1 * psi_n2 *_n1 psi_fr| * phi_T| *_n1 phi_F`` for every
      ``n2`` coarser than ``n1`` and every frequential filter.

    With the default ``format="time"`` the output of a row is the
    ``(paths, time)`` array of Kymatio's ``TimeFrequencyScattering`` (its main
    branch, 0.4.0.dev0) flattened in C order, each log-frequency sample of each
    path a separate path; ``format="joint"`` is Kymatio's
    ``(paths, log-frequency, time)`` array (no order 0), flattened. The
    coefficients equal Kymatio's to float precision: at most 8e-16 of the
    largest coefficient measured in float64 (1e-13 tested), 1e-5 tested in
    float32.

    Parameters
    ----------
    J : int, default=6
        Log2 of the largest temporal wavelet scale (``2**J`` samples). Signals
        of any length (even shorter than ``2**J``) are reflect-padded
        internally, so the default works for any input.
    J_fr : int, default=2
        Log2 of the largest frequential scale, in first-order filters.
    Q : int or tuple of int, default=(8, 1)
        Wavelets per octave at order 1 and 2 (an int ``Q`` means ``(Q, 1)``).
    shape : int or None, default=None
        Signal length; ``None`` takes ``n_features``.
    T : int or None, default=None
        Temporal averaging window in samples (``2**J`` when None).
    F : int or None, default=None
        Frequential averaging window in first-order filters (``2**J_fr`` when
        None); ``F=0`` means no frequential averaging (``format="time"`` only).
    Q_fr : int, default=1
        Frequential wavelets per octave.
    stride : int or None, default=None
        Temporal sub-sampling of the output, a power of two at most ``T``
        (``2**floor(log2 T)`` when None).
    stride_fr : int or None, default=None
        Log-frequency sub-sampling of the averaged paths, a power of two
        (``2**floor(log2 F)`` when None).
    format : {"time", "joint"}, default="time"
        Output layout (see above). ``"joint"`` needs frequential averaging
        and ``stride_fr <= 2**J_fr``.
    <batched parameters>

    Attributes
    ----------
    n_features_in_ : int
        Signal length seen at ``fit``.
    shape_ : tuple of int
        ``(N,)``.
    Q_ : tuple of int
        ``(Q1, Q2)``.
    T_, F_ : int
        Averaging windows used (``F_`` is ``2**J_fr`` when ``F=0``).
    stride_, stride_fr_ : int
        Sub-samplings used.
    padded_length_ : int
        Power-of-two length the signal is reflect-padded to.
    padded_length_fr_ : int
        Length of the zero-padded log-frequency axis.
    n_paths_ : int
        Number of paths of Kymatio's output array (its second axis).
    n_times_ : int
        Output samples per path (one for signals shorter than the window).
    output_shape_ : tuple of int
        Shape of one row's coefficients before flattening:
        ``(n_paths_, n_times_)`` or ``(n_paths_, n_rows, n_times_)``.
    n_features_out_ : int
        ``prod(output_shape_)``.
    meta_ : dict of ndarray
        One entry per output coordinate: ``order`` (0, 1, 2), ``n1`` (first-order
        filter at the centre of the log-frequency sample; -1 at order 0, and
        past the last filter in the zero padding of the joint format), ``n2``
        (-1 below order 2), ``n_fr`` (frequential filter: 0 is the low-pass,
        then spin +1, then spin -1; -1 at order 0), ``spin`` (0, +1, -1),
        ``row`` (log-frequency sample), ``j1``, ``j2``, ``j_fr``, ``xi1``,
        ``xi2``, ``xi_fr``, ``sigma1``, ``sigma2``, ``sigma_fr`` (NaN where
        absent), ``t`` (time index) and ``time`` (input sample the coefficient
        is centred on). ``pandas.DataFrame(meta_)`` is a table of every feature.
    backend_ : str
        Backend actually used.

    See Also
    --------
    Scattering1D : Time scattering, each frequency band on its own.

    Notes
    -----
    Kymatio's main branch sums the aliases of filters periodised for
    sub-sampled signals where Kymatio 0.3 (and :class:`Scattering1D`)
    averages them (Kymatio issue 984); the joint transform follows the main
    branch. Kymatio's own ``meta()`` lists first-order paths in an order that
    differs from its output array, and its path keys label the rows of spin-0
    paths by ``2**J_fr`` even when ``stride_fr`` is smaller; ``meta_`` here
    describes the array, ``n1`` being the filter each row is centred on. Where
    Kymatio fails (``T`` longer than the signal, ``stride`` such that a
    second-order wavelet is coarser than it) this transform pads, or
    sub-samples each path at most to the output grid. ``T="global"`` and
    ``F="global"`` are not supported.

    References
    ----------
    J. Andén, V. Lostanlen, S. Mallat, "Joint time-frequency scattering",
    IEEE Transactions on Signal Processing 67(14), 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import TimeFrequencyScattering
    >>> X = np.random.default_rng(0).standard_normal((2, 512))
    >>> jtfs = TimeFrequencyScattering(J=5, J_fr=2, Q=4).fit(X)
    >>> jtfs.output_shape_
    (84, 16)
    >>> jtfs.transform(X).shape
    (2, 1344)
    >>> sorted(set(jtfs.meta_["spin"].tolist()))
    [-1, 0, 1]
    """

    _parameter_constraints: dict = {
        **HarmonicTransformer._parameter_constraints,
        "J": [Interval(Integral, 1, None, closed="left")],
        "J_fr": [Interval(Integral, 0, None, closed="left")],
        "Q": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "shape": [None, Interval(Integral, 1, None, closed="left"), tuple, list, np.ndarray],
        "T": [None, Interval(Integral, 1, None, closed="left")],
        "F": [None, Interval(Integral, 0, None, closed="left")],
        "Q_fr": [Interval(Integral, 1, None, closed="left")],
        "stride": [None, Interval(Integral, 1, None, closed="left")],
        "stride_fr": [None, Interval(Integral, 1, None, closed="left")],
        "format": [StrOptions({"time", "joint"})],
    }

    def __init__(
        self,
        J=6,
        J_fr=2,
        Q=(8, 1),
        shape=None,
        T=None,
        F=None,
        Q_fr=1,
        stride=None,
        stride_fr=None,
        format="time",
        backend="auto",
        batch_size="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.J = J
        self.J_fr = J_fr
        self.Q = Q
        self.shape = shape
        self.T = T
        self.F = F
        self.Q_fr = Q_fr
        self.stride = stride
        self.stride_fr = stride_fr
        self.format = format
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
        self.T_ = 2**self.J if self.T is None else int(self.T)
        log2_T = int(math.floor(math.log2(self.T_)))
        if self.stride is None:
            log2_stride = log2_T
        else:
            log2_stride = _log2_power_of_two(self.stride, "stride", owner)
            if log2_stride > log2_T:
                raise ValueError(
                    f"{owner}: stride={self.stride} exceeds the averaging window T={self.T_} "
                    "(it would alias); pass stride <= T, or a larger T."
                )
        average_fr = self.F != 0
        self.F_ = 2**self.J_fr if self.F in (None, 0) else int(self.F)
        log2_F = int(math.floor(math.log2(self.F_)))
        if self.stride_fr is None:
            log2_stride_fr = log2_F
        elif not average_fr:
            raise ValueError(
                f"{owner}: stride_fr={self.stride_fr} needs frequential averaging but F=0; "
                "pass stride_fr=None, or F > 0."
            )
        else:
            log2_stride_fr = _log2_power_of_two(self.stride_fr, "stride_fr", owner)
        if self.format == "joint" and not average_fr:
            raise ValueError(
                f"{owner}: format='joint' needs frequential averaging but F=0; "
                "pass F=None (or F > 0), or format='time'."
            )
        self.stride_ = 2**log2_stride
        self.stride_fr_ = 2**log2_stride_fr
        self._geometry_ = geometry_1d(N, self.J, self.T_, True, log2_stride)
        self._plan_ = jtfs_plan(
            self.J,
            *self.Q_,
            self.J_fr,
            self.Q_fr,
            self.F_,
            log2_T,
            log2_stride,
            log2_stride_fr,
            average_fr,
            self.format,
        )
        self.padded_length_ = self._geometry_.N_padded
        self.padded_length_fr_ = self._plan_.N_fr
        self.n_times_ = self._geometry_.n_times
        self.n_paths_ = len(self._plan_.paths)
        if self.format == "joint":
            self.output_shape_ = (self.n_paths_, self._plan_.n_rows, self.n_times_)
        else:
            self.output_shape_ = (self._plan_.n_channels, self.n_times_)
            self.n_paths_ = self._plan_.n_channels
        self.n_features_out_ = int(np.prod(self.output_shape_))

    @property
    def meta_(self) -> dict:
        """Metadata of every output coordinate (see the class docstring)."""
        return dict(_meta(self._plan_, self._geometry_))

    def _banks(self, dtype, backend):
        """The temporal filter bank and the frequential matrices, on the backend."""
        name = np.dtype(dtype).name
        bank = morlet_filter_bank_1d(self.padded_length_, self.J, *self.Q_, self.T_, name)
        operators = frequential_operators(self._plan_, name)
        if hasattr(backend, "prepare_bank"):
            bank, operators = backend.prepare_bank(bank), backend.prepare_bank(operators)
        return bank, operators

    def _bytes_per_sample(self) -> int:
        """Peak working memory of one sample (float64 budget).

        The padded signal and first-order moduli, the second-order wavelet
        coefficients of every ``n2`` (kept until the frequential steps), and
        the largest frequential group in flight: its complex coefficients,
        their modulus and the copies of the temporal average.
        """
        plan, Np = self._plan_, self.padded_length_
        time_part = 16 * (3 * Np + 2 * plan.K1 * Np)
        time_part += 16 * sum(m * Np // 2**r for m, r in zip(plan.n1_max, plan.res2, strict=True))
        largest = 0
        for groups, r in zip(plan.groups2, plan.res2, strict=True):
            for group in groups:
                rows = plan.N_fr // 2**group.k
                largest = max(largest, len(group.filters) * rows * (Np // 2**r))
        return time_part + 40 * largest + 8 * self.n_features_out_

    # -- transform --------------------------------------------------------
    def _cascade(self, X, backend, tape=None):
        bank, operators = self._banks(X.dtype, backend)
        out = backend.empty((X.shape[0],) + self.output_shape_, X.dtype)
        if tape is not None:
            tape["operators"] = operators
        plan, geometry = self._plan_, self._geometry_
        return joint_scattering(X, backend, bank, operators, plan, geometry, out, tape)

    def _transform_batch(self, X, backend):
        return self._cascade(X, backend).reshape(X.shape[0], -1)

    def _feature_names(self) -> list[str]:
        meta = self.meta_
        names = []
        for o, n1, n2, f, t in zip(
            meta["order"], meta["n1"], meta["n2"], meta["n_fr"], meta["t"], strict=True
        ):
            if o == 0:
                names.append(f"order0_t={t}")
            elif o == 1:
                names.append(f"order1_n1={n1}_nfr={f}_t={t}")
            else:
                names.append(f"order2_n1={n1}_n2={n2}_nfr={f}_t={t}")
        return names
