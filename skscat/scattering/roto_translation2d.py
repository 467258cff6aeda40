"""RotoTranslationScattering2D: scattering on the roto-translation group."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import HarmonicTransformer, infer_image_shape, validate_shape_param
from .._docstrings import with_batched_parameters
from ..filters.angular import n_angular_wavelets
from ..filters.morlet2d import morlet_filter_bank_2d
from ._rings import ring_spectra, ring_spectrum_matrices
from .core_roto2d import roto_translation2d
from .scattering2d import padded_size


@with_batched_parameters
class RotoTranslationScattering2D(HarmonicTransformer):
    """Roto-translation scattering of images: features invariant to rotations.

    Each row of ``X`` is an image flattened in C order. The first layer is
    :class:`Scattering2D`'s (same Morlet wavelets, padding, sub-sampling):
    ``U1(u, theta, j1) = |x * psi_{j1, theta}|(u)`` at ``L`` orientations
    ``theta = pi l / L``. The second layer is a wavelet transform of
    ``U1(., ., j1)`` on the group of rotations and translations, separable
    (Sifre & Mallat 2013; Oyallon & Mallat 2015): a spatial wavelet
    ``psi_{j2, theta + beta}`` that turns with the first angle (``beta`` is the
    relative angle) and a periodic wavelet ``h_k`` along ``theta`` at angular
    scale ``k`` (or the angular average),

    ``Y(u, theta) = sum_theta' h_k(theta - theta') (U1(., theta') * psi_{j2, theta' + beta})(u)``,

    then the modulus. Order 1 and order 2 are averaged over ``theta``
    (globally by default: rotation invariance; over windows of
    ``angle_window`` orientations for partial invariance) and over positions
    (``phi_J`` sampled every ``2**J`` pixels on a lattice centred on the
    image, or the mean over the image with ``average=True``). A rotation by
    ``pi / L`` turns the positions and shifts ``theta`` by one step: the
    averages over ``theta`` do not change. The positions of the lattice are
    then grouped into square rings about the image centre, and each ring's
    values are replaced by the modulus of their discrete Fourier transform
    around the ring: a quarter turn moves every position a quarter of the way
    round its ring, which that modulus does not see. So a quarter turn of a
    square image (``L`` even) leaves the ring spectra unchanged: exactly with
    ``average=True``, and for odd sizes (even sizes: to about 1%, the
    sub-sampled maps' grids being half a pixel off the centre). Other angles
    change them much less than they change :class:`Scattering2D`. The
    default output (``spatial="rings+layout"``) appends to the ring spectra
    the lattices of the paths averaged over angles, which keep the coarse
    layout the rings discard (a 6 and a 9 have the same rings).

    Parameters
    ----------
    J : int, default=3
        Number of dyadic scales; the averaging window is ``2**J`` pixels.
        The default suits digits and small patches (28 x 28 to 64 x 64):
        a window of 8 pixels, with the orientations averaged, hides most of
        what a rotation moves while keeping a coarse layout.
    L : int, default=12
        Number of wavelet orientations in ``[0, pi)``. Even values make a
        quarter turn a shift by ``L / 2`` orientations. More orientations than
        :class:`Scattering2D`'s 8 pay here: they are averaged, so they add
        angular resolution to the second layer without multiplying the
        output size.
    shape : tuple of int (H, W) or None, default=None
        Image shape. ``None`` infers a square image when ``n_features`` is a
        perfect square and otherwise one row of ``n_features`` pixels (with a
        :class:`~skscat.ShapeWarning`).
    max_order : {1, 2}, default=2
        Highest scattering order.
    average : bool, default=False
        If True, one value per path: the mean over the image's pixels of
        maps computed without sub-sampling (so that quarter turns permute
        the pixels exactly). If False, the ``(H // 2**J, W // 2**J)`` lattice
        of positions of each path, low-passed and sub-sampled as in
        :class:`Scattering2D` but centred exactly on the image (shifted off
        the pixel grid where needed), then read as ``spatial`` says.
    angle_window : int or None, default=None
        Orientations averaged together at the output. ``None`` (or ``L``)
        averages over all of them: invariance to rotations. A divisor ``w``
        of ``L`` keeps ``L // w`` orientation windows of ``w pi / L``
        radians each: invariance to rotations smaller than that window only,
        and the windows are permuted cyclically by larger ones.
    spatial : {"rings+layout", "rings", "lattice"}, default="rings+layout"
        What the un-averaged output keeps of each path's lattice of
        positions (ignored with ``average=True``). ``"rings+layout"``: the
        ring spectra of every path, then the positions (as ``"lattice"``
        gives them) of the paths averaged over angles only: orders 0 and 1
        and the order-2 paths with the angular low-pass (``k=low``), one
        path in six at order 2 with the default ``L``. The rings are
        invariant to quarter turns; the layout part turns with the image (a
        quarter turn permutes its positions) and keeps where the energy lies,
        which tells apart shapes the rings confuse (6 and 9), at a small cost
        in invariance: the best of the three on upright digits and nearly
        the rings' accuracy on rotated ones (see the user guide).
        ``"rings"``: the positions
        grouped into square rings about the lattice centre (an odd ``h x h``
        lattice has its centre, then rings of ``8 r`` positions; an even one
        rings of ``4 (2 r - 1)``; a rectangular one keeps the same distance
        ``max(|dy|, |dx|)``), and for a ring of ``n`` values its discrete
        Fourier transform around the ring at frequencies ``0 .. n // 2``:
        frequency 0 (the ring's sum) with its sign, the others as moduli,
        scaled so that each ring keeps its energy. Invariant to quarter
        turns, and much less sensitive to other rotations than positions.
        ``"lattice"``: the positions themselves, which turn with the image
        (a quarter turn permutes them); for images whose orientation matters.
    max_ring_frequency : int or None, default=None
        Highest ring frequency kept by the ring spectra (``None``: all,
        ``n // 2`` for a ring of ``n``). Low frequencies are the smoothest
        variations round a ring, the least sensitive to rotations by angles
        other than quarter turns.
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
        Lattice of positions per path, ``(max(H // 2**J, 1), max(W // 2**J, 1))``
        (read as rings by the ring spectra).
    n_angular_ : int
        Angular filters: ``ceil(log2 L) + 1`` wavelets and the angular average.
    n_paths_ : int
        Number of paths, ``1 + J G + n_angular_ G L J (J - 1) / 2`` at order 2,
        with ``G = L // angle_window`` orientation windows.
    n_features_out_ : int
        Number of output features: ``n_paths_`` times 1 (``average=True``),
        the positions of the lattice (``spatial="lattice"``), or the ring
        frequencies of all rings (``spatial="rings"``); with
        ``spatial="rings+layout"`` the ring frequencies plus the positions
        of the ``1 + J G + G L J (J - 1) / 2`` paths averaged over angles.
    backend_ : str
        Backend actually used.
    filters_ : FilterBank2D
        The spatial Fourier filter bank (Scattering2D's; cached, never pickled).

    See Also
    --------
    Scattering2D : The translation scattering this one extends.

    References
    ----------
    L. Sifre and S. Mallat, "Rotation, scaling and deformation invariant
    scattering for texture discrimination", CVPR 2013.
    E. Oyallon and S. Mallat, "Deep roto-translation scattering for object
    classification", CVPR 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import RotoTranslationScattering2D
    >>> X = np.random.default_rng(0).standard_normal((3, 16 * 16))
    >>> S = RotoTranslationScattering2D(J=2, L=4, shape=(16, 16), average=True).fit(X)
    >>> S.transform(X).shape
    (3, 19)
    >>> np.allclose(S.transform(np.rot90(X.reshape(3, 16, 16), axes=(1, 2)).reshape(3, -1)),
    ...             S.transform(X))
    True
    >>> S.get_feature_names_out()[3]
    'order2_j1=0_j2=1_beta=0_k=0'
    >>> R = RotoTranslationScattering2D(J=2, L=4, shape=(16, 16), spatial="rings").fit(X)
    >>> R.output_shape_, R.transform(X).shape  # rings of 4 and 12 positions: 3 + 7 frequencies
    ((4, 4), (3, 190))
    >>> list(R.get_feature_names_out()[3:5])
    ['order0_ring=1_freq=0', 'order0_ring=1_freq=1']
    >>> D = RotoTranslationScattering2D(J=2, L=4, shape=(16, 16)).fit(X)
    >>> D.transform(X).shape  # the rings, then 7 angle-averaged paths' 4 x 4 positions
    (3, 302)
    >>> D.get_feature_names_out()[190]
    'order0_y=0_x=0'

    """

    _parameter_constraints: dict = {
        **HarmonicTransformer._parameter_constraints,
        "J": [Interval(Integral, 1, None, closed="left")],
        "L": [Interval(Integral, 1, None, closed="left")],
        "shape": [None, tuple, list, np.ndarray],
        "max_order": [Interval(Integral, 1, 2, closed="both")],
        "average": ["boolean"],
        "angle_window": [Interval(Integral, 1, None, closed="left"), None],
        "spatial": [StrOptions({"rings+layout", "rings", "lattice"})],
        "max_ring_frequency": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(
        self,
        J=3,
        L=12,
        shape=None,
        max_order=2,
        average=False,
        angle_window=None,
        spatial="rings+layout",
        max_ring_frequency=None,
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
        self.angle_window = angle_window
        self.spatial = spatial
        self.max_ring_frequency = max_ring_frequency
        self.backend = backend
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- geometry ---------------------------------------------------------
    def _window(self) -> int:
        return self.L if self.angle_window is None else int(self.angle_window)

    def _fit_geometry(self, n_features: int) -> None:
        name = type(self).__name__
        if self.L % self._window():
            raise ValueError(
                f"{name}: angle_window={self.angle_window} does not divide L={self.L}; "
                f"pass a divisor of L, or None to average over all orientations."
            )
        shape = validate_shape_param(self.shape, 2, name)
        H, W = infer_image_shape(n_features, shape, name)
        self.shape_ = (H, W)
        self.padded_shape_ = (padded_size(H, self.J), padded_size(W, self.J))
        self.output_shape_ = (max(H // 2**self.J, 1), max(W // 2**self.J, 1))
        self.n_angular_ = n_angular_wavelets(self.L) + 1
        J, L, G = self.J, self.L, self.L // self._window()
        order2 = self.n_angular_ * G * L * J * (J - 1) // 2 if self.max_order >= 2 else 0
        self.n_paths_ = 1 + J * G + order2
        if self.average:
            self.n_features_out_ = self.n_paths_
            return
        n_positions = self.output_shape_[0] * self.output_shape_[1]
        if self.spatial == "lattice":
            self.n_features_out_ = self.n_paths_ * n_positions
            return
        self.n_features_out_ = self.n_paths_ * len(self._ring_labels())
        if self.spatial == "rings+layout":
            self.n_features_out_ += self._layout_paths().size * n_positions

    def _pad_width(self) -> tuple:
        (H, W), (Mp, Np) = self.shape_, self.padded_shape_
        if self.average:
            # Even margins: a quarter turn of the padded image is the padded quarter turn.
            return (((Mp - H) // 2, (Mp - H + 1) // 2), ((Np - W) // 2, (Np - W + 1) // 2))
        # Maps of resolution r are sampled every 2**r pixels of the padded
        # grid; a quarter turn about the image centre c keeps that grid when
        # 2 c is a multiple of 2**r. Place the image so that this holds up to
        # the coarsest map (r = J - 1) as nearly as the size allows (exactly
        # for odd sizes; half a pixel off for even ones), then as evenly as possible.
        step = 2 ** max(self.J - 1, 0)

        def before(n, m):
            def cost(t):
                r = (2 * t + n - 1) % step
                return (min(r, step - r), abs(2 * t - (m - n)))

            return min(range(m - n + 1), key=cost)

        top, left = before(H, Mp), before(W, Np)
        return ((top, Mp - H - top), (left, Np - W - left))

    def _lattice_offset(self) -> tuple:
        """Shift ``(dy, dx)`` in pixels that centres the output lattice on the image.

        The low-pass is sampled at ``2**J * (i + 1) + d`` on the padded grid,
        ``i = 0 .. h - 1``; ``d`` puts the mean position on the image centre
        exactly (a half-integer for even sizes), so that rotations about the
        image centre turn the lattice onto itself.
        """
        s = 2**self.J
        (top, _), (left, _) = self._pad_width()
        (H, W), (h, w) = self.shape_, self.output_shape_
        return (top + (H - 1) / 2 - s * (h + 1) / 2, left + (W - 1) / 2 - s * (w + 1) / 2)

    def _bank(self, dtype: str):
        return morlet_filter_bank_2d(*self.padded_shape_, self.J, self.L, dtype)

    def _cascade(self, X, backend, *, tape=None):
        """Run the cascade on a batch ``X`` (backend array, ``(n, H*W)``).

        Returns the ``(n, n_paths, h, w)`` or ``(n, n_paths)`` coefficients;
        ``tape`` (a dict) receives the intermediates the gradients need.
        """
        dtype = X.dtype
        H, W = self.shape_
        bank = self._bank(np.dtype(dtype).name)
        bank = backend.prepare_bank(bank)
        n = X.shape[0]
        out_shape = (n, self.n_paths_) if self.average else (n, self.n_paths_, *self.output_shape_)
        out = backend.empty(out_shape, dtype)
        roto_translation2d(
            X.reshape(n, H, W),
            backend,
            bank,
            max_order=self.max_order,
            pad_width=self._pad_width(),
            out_hw=self.output_shape_,
            lattice_offset=self._lattice_offset(),
            average=self.average,
            window=self._window(),
            out=out,
            tape=tape,
        )
        if tape is not None:
            tape["bank"] = bank
        return out

    @property
    def filters_(self):
        """The spatial Fourier filter bank on the padded grid (float64, cached)."""
        return self._bank("float64")

    def _bytes_per_sample(self, fused: bool | None = None) -> int:
        """Working memory of one sample; ``fused``: the angular step stores no ``K L**2`` maps.

        The numba backend's fused angular kernel keeps only the ``L**2``
        second-layer maps and the ``K L`` averaged ones; the other backends
        (and the gradients' tape) hold every angular convolution and its
        modulus. ``None``: as the fitted backend does. Batches sized for the
        unfused step are several times smaller than they need to be, which
        costs the fused path its speed.
        """
        Mp, Np = self.padded_shape_
        complex_bytes = 16  # budget for float64; float32 uses half
        L = self.L
        r2 = 0 if self.average else 1
        stage1 = 3 * L * Mp * Np
        stage2 = 0
        if fused is None:
            fused = getattr(self, "backend_", None) == "numba"
        if self.max_order > 1:
            K = n_angular_wavelets(L) + 1
            n_maps = (3 * L + K) * L if fused else (3 + 2 * K) * L * L
            stage2 = n_maps * (Mp // 2**r2) * (Np // 2**r2)
        return complex_bytes * (Mp * Np + max(stage1, stage2))

    def _ring_labels(self) -> tuple:
        h, w = self.output_shape_
        return ring_spectrum_matrices(h, w, self.max_ring_frequency, "float64")[3]

    def _layout_paths(self) -> np.ndarray:
        """Paths whose lattice ``spatial="rings+layout"`` keeps: those averaged over angles.

        Orders 0 and 1 and the order-2 paths with the angular low-pass
        (``k=low``), in path order. Averaged over the first angle and the
        relative angle's filter, they are the coarse layout of the image
        (where its energy lies, at each scale) with the least dependence on
        its orientation.
        """
        J, L, G, K = self.J, self.L, self.L // self._window(), self.n_angular_
        paths = list(range(1 + J * G))
        c = 1 + J * G
        for _ in range(J * (J - 1) // 2 if self.max_order >= 2 else 0):
            # order-2 block of (j1, j2): (k, theta window, beta), k = K - 1 the low-pass
            paths += range(c + (K - 1) * G * L, c + K * G * L)
            c += K * G * L
        return np.asarray(paths, dtype=np.intp)

    def _coefficients(self, X, backend, *, tape=None):
        """Output rows of a batch ``X``: the cascade, then what ``spatial`` keeps of it.

        ``tape`` (a dict) receives the intermediates the gradients need.
        """
        n = X.shape[0]
        S = self._cascade(X, backend, tape=tape)
        if self.average or self.spatial == "lattice":
            return S.reshape(n, -1)
        h, w = self.output_shape_
        cos, sin, signed, _ = ring_spectrum_matrices(
            h, w, self.max_ring_frequency, np.dtype(S.dtype).name
        )
        mats = (backend.asarray(cos), backend.asarray(sin), backend.asarray(signed))
        out, coefs = ring_spectra(S.reshape(n, self.n_paths_, h * w), mats, backend.xp)
        if tape is not None:
            tape["rings"] = (coefs, mats)
        if self.spatial == "rings":
            return out.reshape(n, -1)
        # the same lattices, before the rings: one cascade for both parts
        layout = S[:, backend.asarray(self._layout_paths())].reshape(n, -1)
        if tape is not None:
            tape["layout"] = self._layout_paths()
        return backend.xp.concatenate([out.reshape(n, -1), layout], axis=1)

    # -- transform --------------------------------------------------------
    def _transform_batch(self, X, backend):
        return self._coefficients(X, backend)

    def _feature_names(self) -> list[str]:
        J, L = self.J, self.L
        G = L // self._window()
        K = self.n_angular_ - 1

        def window(g):
            return "" if G == 1 else f"_theta={g}"

        names = ["order0"]
        names += [f"order1_j1={j1}{window(g)}" for j1 in range(J) for g in range(G)]
        for j1 in range(J if self.max_order >= 2 else 0):
            for j2 in range(j1 + 1, J):
                names += [
                    f"order2_j1={j1}_j2={j2}{window(g)}_beta={b}_k={k if k < K else 'low'}"
                    for k in range(K + 1)
                    for g in range(G)
                    for b in range(L)
                ]
        if self.average:
            return names
        h, w = self.output_shape_

        def lattice(paths):
            return [f"{name}_y={y}_x={x}" for name in paths for y in range(h) for x in range(w)]

        if self.spatial == "lattice":
            return lattice(names)
        rings = self._ring_labels()
        out = [f"{name}_ring={r}_freq={f}" for name in names for r, f in rings]
        if self.spatial == "rings+layout":
            out += lattice([names[p] for p in self._layout_paths()])
        return out
