"""Scattering2D: the scikit-learn transformer around the 2-D cascade."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import HarmonicTransformer, infer_image_shape, validate_shape_param
from .._docstrings import with_batched_parameters
from ..filters.morlet2d import morlet_filter_bank_2d
from ._nonlinearities import NONLINEARITIES
from ._paths2d import path_name, scattering2d_paths
from .core2d import scattering2d


def padded_size(n: int, J: int) -> int:
    """Kymatio's padded length: at least ``2**J`` of margin, a multiple of ``2**J``."""
    return ((n + 2**J) // 2**J + 1) * 2**J


@with_batched_parameters
class Scattering2D(HarmonicTransformer):
    """2-D wavelet scattering transform of images, as a scikit-learn transformer.

    Each row of ``X`` is an image flattened in C order. The transform cascades
    Morlet wavelet transforms and moduli,
    ``S x = {x * phi_J, |x * psi_l1| * phi_J, ||x * psi_l1| * psi_l2| * phi_J}``
    with ``j2 > j1``, sub-sampled by ``2**J``. The result is invariant to
    translations smaller than ``2**J``, stable to small deformations, and each
    coordinate is one path (scales and orientations) at one position. With the
    default options the coefficients equal Kymatio 0.3's ``Scattering2D``.

    Parameters
    ----------
    J : int, default=2
        Number of dyadic scales; the averaging window is ``2**J`` pixels.
    L : int, default=8
        Number of wavelet orientations in ``[0, pi)``.
    shape : tuple of int (H, W) or None, default=None
        Image shape. ``None`` infers a square image when ``n_features`` is a
        perfect square and otherwise one row of ``n_features`` pixels (with a
        :class:`~skscat.ShapeWarning`).
    max_order : {1, 2}, default=2
        Highest scattering order.
    average : bool, default=False
        If True, one value per path (the mean over positions) instead of the
        ``(H // 2**J, W // 2**J)`` map of each path.
    nonlinearity : {"modulus", "relu"}, default="modulus"
        Point-wise non-linearity of the cascade. ``"modulus"`` is the
        scattering transform ``|x * psi|``. ``"relu"`` is the generalised,
        phase-aware scattering: each complex wavelet is replaced by the real
        wavelets ``Re(exp(i alpha) psi)`` of ``n_phases`` phases
        ``alpha_a = 2 pi a / n_phases``, rectified,
        ``max(Re(exp(i alpha_a) x * psi), 0)``, at every order. The rectifier
        acts on the phase: the Fourier transform of these channels along
        ``alpha`` is ``gamma_hat(k) |x * psi| exp(i k phase(x * psi))`` with
        ``gamma_hat(0) = 1/pi``, ``gamma_hat(+-1) = 1/4`` and the even harmonics,
        so the phase that the modulus discards is kept. Each wavelet then gives
        ``L * n_phases`` channels and the features are named by phase index
        (``..._theta1=3_alpha1=2``).
    n_phases : int, default=4
        Number of phases ``A`` of ``nonlinearity="relu"`` (ignored for the
        modulus). Paths: ``1 + J L A + (L A)**2 J (J - 1) / 2`` at order 2.
    <batched parameters>

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels per image seen at ``fit``.
    shape_ : tuple of int
        Image shape used (given or inferred).
    padded_shape_ : tuple of int
        Grid the image is reflect-padded to before filtering.
    output_shape_ : tuple of int
        Positions per path, ``(max(H // 2**J, 1), max(W // 2**J, 1))``.
    n_paths_ : int
        Number of paths, ``1 + J L + L**2 J (J - 1) / 2`` at order 2 (with
        ``L`` replaced by ``L * n_phases`` for ``nonlinearity="relu"``).
    n_features_out_ : int
        Number of output features.
    backend_ : str
        Backend actually used.
    filters_ : FilterBank2D
        The Fourier filter bank (from the module-level cache, never pickled).

    See Also
    --------
    Scattering1D : Scattering of time series.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import Scattering2D
    >>> X = np.random.default_rng(0).standard_normal((5, 28 * 28))
    >>> S = Scattering2D(J=2, shape=(28, 28)).fit(X)
    >>> S.transform(X).shape
    (5, 3969)
    >>> S.get_feature_names_out()[1]
    'order0_y=0_x=1'
    """

    _parameter_constraints: dict = {
        **HarmonicTransformer._parameter_constraints,
        "J": [Interval(Integral, 1, None, closed="left")],
        "L": [Interval(Integral, 1, None, closed="left")],
        "shape": [None, tuple, list, np.ndarray],
        "max_order": [Interval(Integral, 1, 2, closed="both")],
        "average": ["boolean"],
        "nonlinearity": [StrOptions(set(NONLINEARITIES))],
        "n_phases": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        J=2,
        L=8,
        shape=None,
        max_order=2,
        average=False,
        nonlinearity="modulus",
        n_phases=4,
        backend="auto",
        batch_size="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.J = J
        self.L = L
        self.shape = shape
        self.max_order = max_order
        self.average = average
        self.nonlinearity = nonlinearity
        self.n_phases = n_phases
        self.backend = backend
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- geometry ---------------------------------------------------------
    def _fit_geometry(self, n_features: int) -> None:
        shape = validate_shape_param(self.shape, 2, type(self).__name__)
        H, W = infer_image_shape(n_features, shape, type(self).__name__)
        self.shape_ = (H, W)
        self.padded_shape_ = (padded_size(H, self.J), padded_size(W, self.J))
        self.output_shape_ = (max(H // 2**self.J, 1), max(W // 2**self.J, 1))
        # Counted, not enumerated: an absurd L must reach the memory check, not build
        # a list of 10**10 paths.
        K, J = self._channels(), self.J
        self.n_paths_ = 1 + J * K + (K * K * J * (J - 1) // 2 if self.max_order >= 2 else 0)
        per_path = 1 if self.average else self.output_shape_[0] * self.output_shape_[1]
        self.n_features_out_ = self.n_paths_ * per_path

    def _channels(self) -> int:
        """Channels per wavelet transform: ``L``, or ``L * n_phases`` for the ReLU."""
        return self.L * self.n_phases if self.nonlinearity == "relu" else self.L

    def _pad_width(self) -> tuple:
        """Reflect padding ``((top, bottom), (left, right))`` to the padded grid."""
        (H, W), (Mp, Np) = self.shape_, self.padded_shape_
        return (((Mp - H) // 2, (Mp - H + 1) // 2), ((Np - W) // 2, (Np - W + 1) // 2))

    def _cascade(self, X, backend, *, tape=None):
        """Run the cascade on a batch ``X`` (backend array, ``(n, H*W)``).

        Returns the ``(n, n_paths, h, w)`` or ``(n, n_paths)`` coefficients;
        ``tape`` (a dict) receives the intermediates the gradients need.
        """
        dtype = X.dtype
        H, W = self.shape_
        bank = morlet_filter_bank_2d(*self.padded_shape_, self.J, self.L, np.dtype(dtype).name)
        bank = backend.prepare_bank(bank)
        n = X.shape[0]
        out_shape = (n, self.n_paths_) if self.average else (n, self.n_paths_, *self.output_shape_)
        out = backend.empty(out_shape, dtype)
        scattering2d(
            X.reshape(n, H, W),
            backend,
            bank,
            max_order=self.max_order,
            pad_width=self._pad_width(),
            out_hw=self.output_shape_,
            average=self.average,
            out=out,
            nonlinearity=self.nonlinearity,
            n_phases=self.n_phases,
            tape=tape,
        )
        if tape is not None:
            tape["bank"] = bank
        return out

    @property
    def filters_(self):
        """The Fourier filter bank on the padded grid (float64, cached)."""
        return morlet_filter_bank_2d(*self.padded_shape_, self.J, self.L, "float64")

    def _bytes_per_sample(self) -> int:
        Mp, Np = self.padded_shape_
        complex_bytes = 16  # budget for float64; float32 uses half
        K = self._channels()
        stage1 = 3 * K * Mp * Np
        stage2 = 3 * K * K * (Mp // 2) * (Np // 2) if self.max_order > 1 else 0
        return complex_bytes * (Mp * Np + max(stage1, stage2))

    # -- transform --------------------------------------------------------
    def _transform_batch(self, X, backend):
        return self._cascade(X, backend).reshape(X.shape[0], -1)

    def _feature_names(self) -> list[str]:
        paths = scattering2d_paths(self.J, self._channels(), self.max_order)
        if self.nonlinearity == "relu":
            A = self.n_phases
            names = [
                path_name(order, js, tuple(t // A for t in ts), tuple(t % A for t in ts))
                for order, js, ts in paths
            ]
        else:
            names = [path_name(*p) for p in paths]
        if self.average:
            return names
        h, w = self.output_shape_
        return [f"{name}_y={y}_x={x}" for name in names for y in range(h) for x in range(w)]
