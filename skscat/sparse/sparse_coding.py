"""SparseCoding: lasso codes in a given or learned dictionary, as a transformer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array

from .._base import BatchedTransformer, _is_device_array, _progress, blas_threads, refuse_strings
from ..backends import get_backend, resolve_backend_name
from ..backends.numpy_backend import _resolve_workers
from ._dictionary import (
    forgetting_factor,
    gram_and_lipschitz,
    init_dictionary,
    update_dictionary,
)
from ._solvers import correlation_max, solve_homotopy, solve_lasso

# Mini-batch size of dictionary learning when ``batch_size="auto"``.
_FIT_BATCH = 256
# Accelerated soft-thresholding steps per threshold of the homotopy schedule.
_HOMOTOPY_STEPS = 2
# With n_jobs > 1, rows are coded in this many rows per thread at least.
_MIN_ROWS_PER_THREAD = 64


def _one_blas_thread():
    """One BLAS thread: parallelism comes from threads over row chunks instead.

    The solvers' products are small and repeated hundreds of times;
    multi-threaded BLAS on them spends more time synchronising than computing.
    """
    return blas_threads(1)


def default_n_atoms(n_features: int) -> int:
    """Default dictionary size: twice overcomplete, at most 1024 atoms.

    ``max(2, min(2 * n_features, 1024))``: a redundancy of two already gives
    sparse codes a choice of atoms, and the cap keeps the ``n_atoms**2`` Gram
    work bounded when the input is not reduced first (e.g. raw scattering
    coefficients; reducing with PCA first is recommended).
    """
    return int(max(2, min(2 * n_features, 1024)))


class SparseCoding(BatchedTransformer):
    """Sparse codes in a (learned) dictionary: homotopy ISTA, ISTA or FISTA.

    ``transform`` returns, for each row ``x`` of ``X``, the code ``z`` that
    minimises

    ``1/2 ||x - z D||^2 + alpha ||z||_1``  (with ``z >= 0`` if ``positive``),

    where the dictionary ``D = dictionary_`` has its ``n_atoms`` atoms as
    unit-norm rows, so that ``X ≈ transform(X) @ dictionary_`` (scikit-learn's
    convention). ``alpha`` has exactly the meaning of ``alpha`` in
    :func:`sklearn.decomposition.sparse_encode` with ``algorithm="lasso_cd"``
    or ``"lasso_lars"`` (which fit ``Lasso(alpha=alpha / n_features)`` on
    ``D.T``: the same objective divided by ``n_features``), so the two give
    the same codes on the same dictionary.

    The solvers iterate ``z <- T(z - s (z D D^T - x D^T))``, with ``T`` the
    soft threshold and the step ``s = 1 / L``, ``L`` the largest eigenvalue of
    the Gram matrix ``D D^T`` (computed once at ``fit``), on whole batches of
    rows at once (FISTA and ISTA adapt a longer step per row where the local
    curvature allows it).

    Parameters
    ----------
    n_atoms : int or None, default=None
        Number of atoms to learn. ``None`` means ``max(2, min(2 * n_features,
        1024))`` (twice overcomplete). Ignored when ``dictionary`` is given,
        unless it disagrees with it (a ValueError).
    alpha : float > 0, default=1.0
        Weight of the l1 penalty (scikit-learn's ``sparse_encode`` scaling).
    solver : {"homotopy", "fista", "ista"}, default="homotopy"
        ``"homotopy"``: the soft threshold decreases geometrically from each
        row's ``max_j |<x, d_j>|`` (where the zero code is optimal) to
        ``alpha`` over ``n_iter`` thresholds, two accelerated steps each: a
        fixed, small budget, approximate (typically within a few percent of
        the optimal objective; raise ``n_iter`` for more accuracy).
        ``"fista"``: accelerated proximal gradient with restart (every row's
        objective decreases monotonically) and adaptive steps, run until
        every row's duality gap is below ``tol * ||x||^2`` or ``max_iter``.
        ``"ista"``: the same without acceleration (slow; for reference).
    dictionary : array-like of shape (n_atoms, n_features) or None, default=None
        A fixed dictionary (atoms as rows; finite; used as given, not
        renormalised). ``None``: ``fit`` learns one.
    positive : bool, default=False
        Constrain the codes to be non-negative.
    max_iter : int, default=1000
        Iteration cap of ``"fista"`` and ``"ista"``.
    tol : float, default=1e-3
        ``"fista"``/``"ista"`` stop a row when its duality gap, a certified
        bound on its distance to the optimal objective, is at most
        ``tol * ||x||^2``.
    n_iter : int, default=12
        Number of thresholds of the homotopy schedule.
    n_epochs : int, default=10
        Passes over the data when ``fit`` learns the dictionary.
    random_state : int, RandomState instance or None, default=None
        Seeds the dictionary's initialisation (atoms drawn from the data) and
        the order of the mini-batches.
    backend : {"auto", "numpy", "numba", "cupy"}, default="auto"
        Array backend of the solvers; ``"cupy"`` keeps CuPy input on the GPU.
    batch_size : int or "auto", default="auto"
        Rows coded at a time by ``transform`` (``"auto"``: at most 256 MiB of
        working memory, about 64 MiB per CPU thread), and, when an int, the
        mini-batch size of dictionary learning (``"auto"``: 256).
    n_jobs : int or None, default=None
        Threads that code chunks of rows in parallel on the CPU (``None``:
        the cores available, as for the transforms; ``-1``: all CPUs); BLAS
        runs single-threaded inside them. Each row's code depends on that row
        only, so results do not depend on it.
    verbose : bool or int, default=False
        Show progress over batches and epochs.

    Attributes
    ----------
    dictionary_ : ndarray of shape (n_atoms_, n_features_in_)
        The dictionary, atoms as (unit-norm, when learned) rows.
    n_atoms_ : int
        Number of atoms.
    n_features_in_ : int
        Number of features seen at ``fit``.
    n_features_out_ : int
        Number of output features (``n_atoms_``).
    lipschitz_ : float
        Largest eigenvalue of ``dictionary_ @ dictionary_.T``; ``1 / lipschitz_``
        is the homotopy's step and the shortest step of FISTA and ISTA.
    alpha_max_ : float
        ``max |<x, d_j>|`` over the fitting data and atoms (Zarka et al.'s
        starting threshold): for ``alpha >= alpha_max_`` all codes of the
        fitting data are zero.
    n_iter_ : int
        Passes over the data made by ``fit`` to learn the dictionary
        (``n_epochs``; 0 with a given dictionary or after ``partial_fit`` only).
    n_steps_ : int
        Number of dictionary updates (mini-batches) so far.
    backend_ : str
        Backend actually used.

    See Also
    --------
    sklearn.decomposition.sparse_encode : The same lasso by coordinate descent or LARS.
    sklearn.decomposition.MiniBatchDictionaryLearning : Dictionary learning with
        the same update rule.
    skscat.metrics.neural_collapse : How separable the codes are.

    Notes
    -----
    Dictionary learning alternates, on mini-batches, sparse codes with the
    current dictionary and a block-coordinate update of the atoms on running
    statistics (Mairal et al., 2010), keeping atoms at unit norm. While
    learning with ``solver="homotopy"``, the schedule starts at
    ``alpha_max_`` taken over the whole fitting set, as in the scattering +
    dictionary classifiers of Zarka, Thiry, Angles & Mallat (ICLR 2020);
    ``transform`` starts each row at its own ``max_j |<x, d_j>|``, so that a
    row's code never depends on the other rows of its batch.

    Examples
    --------
    >>> import numpy as np
    >>> from skscat import SparseCoding
    >>> X = np.random.default_rng(0).standard_normal((100, 16))
    >>> sc = SparseCoding(n_atoms=32, alpha=0.5, random_state=0).fit(X)
    >>> Z = sc.transform(X)
    >>> Z.shape
    (100, 32)
    >>> sc.get_feature_names_out()[:2].tolist()
    ['atom0', 'atom1']
    """

    _parameter_constraints: dict = {
        **BatchedTransformer._parameter_constraints,
        "n_atoms": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "solver": [StrOptions({"homotopy", "fista", "ista"})],
        "dictionary": ["array-like", None],
        "positive": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_atoms=None,
        alpha=1.0,
        solver="homotopy",
        dictionary=None,
        positive=False,
        max_iter=1000,
        tol=1e-3,
        n_iter=12,
        n_epochs=10,
        random_state=None,
        backend="auto",
        batch_size="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.n_atoms = n_atoms
        self.alpha = alpha
        self.solver = solver
        self.dictionary = dictionary
        self.positive = positive
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter = n_iter
        self.n_epochs = n_epochs
        self.random_state = random_state
        self.backend = backend
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- fitting ----------------------------------------------------------
    def fit(self, X, y=None):
        """Learn the dictionary from ``X`` (or check the given one).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, one sample per row.
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
        with _one_blas_thread():
            if self.dictionary is not None:
                self._set_dictionary(self._check_dictionary())
                self._init_stats()
                self.alpha_max_ = self._alpha_max(X)
                return self
            rng = self._rng_ = check_random_state(self.random_state)
            self._start_learning(X, rng)
            backend = get_backend(self.backend_, n_jobs=self.n_jobs)
            n = X.shape[0]
            epochs = range(self.n_epochs)
            for epoch in _progress(epochs, self.n_epochs, self.verbose, "SparseCoding", "epoch"):
                self.alpha_max_ = self._alpha_max(X)
                order = rng.permutation(n)
                self._learn(X, order, backend, rng)
                self.n_iter_ = epoch + 1
        return self

    def partial_fit(self, X, y=None):
        """Update the dictionary with one more batch of rows (streaming).

        The first call initialises the dictionary from this batch (or checks
        the given ``dictionary``, which is then used as is); later calls
        continue the mini-batch updates where the previous call left them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A batch of training rows.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The updated transformer.
        """
        first = not hasattr(self, "dictionary_")
        if first:
            self._validate_params()
        X = self._validate_X(X, reset=first)
        if first:
            self.backend_ = resolve_backend_name(self.backend)
        with _one_blas_thread():
            if self.dictionary is not None:
                if first:
                    self._set_dictionary(self._check_dictionary())
                    self._init_stats()
                self.alpha_max_ = max(self.alpha_max_, self._alpha_max(X))
                return self
            if first or not hasattr(self, "_rng_"):
                self._rng_ = check_random_state(self.random_state)
            if first:
                self._start_learning(X, self._rng_)
            backend = get_backend(self.backend_, n_jobs=self.n_jobs)
            self.alpha_max_ = max(self.alpha_max_, self._alpha_max(X))
            self._learn(X, self._rng_.permutation(X.shape[0]), backend, self._rng_)
        return self

    def transform(self, X):
        """Sparse codes of ``X`` in ``dictionary_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to code. A CuPy array stays on the GPU with ``backend="cupy"``;
            a dask array gives a lazy dask array.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_atoms_)
            The codes, ``X ≈ Z @ dictionary_``; float32 for float32 input.
        """
        with _one_blas_thread():
            return super().transform(X)

    # -- dictionary -------------------------------------------------------
    def _check_dictionary(self):
        D = self.dictionary
        name = type(self).__name__
        if hasattr(D, "toarray") or hasattr(D, "tocsr"):
            raise TypeError(f"{name}: dictionary must be a dense array; pass dictionary.toarray().")
        if _is_device_array(D):
            D = D.get()
        refuse_strings(D, "dictionary", name)
        try:
            D = check_array(
                D,
                dtype=[np.float64, np.float32],
                ensure_2d=False,
                ensure_all_finite=False,
                ensure_min_samples=0,
                ensure_min_features=0,
                input_name="dictionary",
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name}: dictionary must be a real numeric array of shape "
                f"(n_atoms, n_features); {exc}"
            ) from exc
        if D.ndim != 2:
            raise ValueError(
                f"{name}: dictionary must be 2-D (n_atoms, n_features), atoms as rows; "
                f"got an array of shape {D.shape}. Pass dictionary.reshape(n_atoms, -1)."
            )
        if D.shape[0] == 0:
            raise ValueError(f"{name}: dictionary has no atoms; pass at least one row (atom).")
        if D.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name}: dictionary has {D.shape[1]} columns but X has "
                f"{self.n_features_in_} features; atoms are rows of length n_features "
                f"(pass dictionary.T if the atoms are its columns)."
            )
        if not np.isfinite(D).all():
            raise ValueError(
                f"{name}: dictionary contains NaN or infinity; pass a finite dictionary."
            )
        if self.n_atoms is not None and self.n_atoms != D.shape[0]:
            raise ValueError(
                f"{name}: n_atoms={self.n_atoms} but the dictionary has {D.shape[0]} atoms; "
                "leave n_atoms=None when passing a dictionary."
            )
        if not np.any(D):
            raise ValueError(f"{name}: dictionary is all zeros; pass non-zero atoms.")
        return np.array(D, copy=True)

    def _set_dictionary(self, D):
        self.dictionary_ = D
        self.n_atoms_ = D.shape[0]
        self.n_features_out_ = D.shape[0]
        self._gram_, self.lipschitz_ = gram_and_lipschitz(D)

    def _init_stats(self):
        k, p = self.dictionary_.shape
        self._A_ = np.zeros((k, k))
        self._B_ = np.zeros((k, p))
        self.n_steps_ = 0
        self.n_iter_ = 0
        self.alpha_max_ = 0.0

    def _start_learning(self, X, rng):
        n_atoms = self.n_atoms or default_n_atoms(self.n_features_in_)
        host = X.get() if _is_device_array(X) else X
        self._set_dictionary(init_dictionary(host, n_atoms, rng).astype(X.dtype))
        self._init_stats()

    def _fit_batch_size(self, n):
        size = _FIT_BATCH if self.batch_size == "auto" else int(self.batch_size)
        return max(1, min(size, n))

    def _learn(self, X, order, backend, rng):
        """Mini-batch updates over the rows of ``X`` in the given order.

        Codes are computed on the backend; the statistics ``A``, ``B`` and the
        dictionary (float64) are updated on the host.
        """
        D = np.array(self.dictionary_, dtype=np.float64)
        G, L = self._gram_, self.lipschitz_
        size = self._fit_batch_size(X.shape[0])
        for start in range(0, X.shape[0], size):
            rows = order[start : start + size]
            Xb = backend.asarray(X[backend.asarray(rows)] if _is_device_array(X) else X[rows])
            Z = self._encode(Xb, backend, D, G, L, alpha0=self.alpha_max_)
            beta = forgetting_factor(self.n_steps_, size)
            m = Xb.shape[0]
            self._A_ *= beta
            self._A_ += backend.to_numpy(Z.T @ Z).astype(np.float64) / m
            self._B_ *= beta
            self._B_ += backend.to_numpy(Z.T @ Xb).astype(np.float64) / m
            update_dictionary(D, self._A_, self._B_, backend.to_numpy(Xb), rng)
            self.n_steps_ += 1
            G, L = gram_and_lipschitz(D)
        self._set_dictionary(D.astype(X.dtype))

    def _alpha_max(self, X):
        """``max |<x, d_j>|`` over the rows of ``X`` and the atoms, in batches."""
        backend = get_backend(self.backend_, n_jobs=self.n_jobs)
        D = backend.asarray(self.dictionary_, dtype=X.dtype)
        best = 0.0
        size = self._resolve_batch_size(X.shape[0])
        for start in range(0, X.shape[0], size):
            C = backend.asarray(X[start : start + size]) @ D.T
            best = max(best, float(correlation_max(C, backend.xp, self.positive).max()))
        return best

    # -- transform ----------------------------------------------------------
    def _encode(self, X, backend, D, G, lipschitz, alpha0=None):
        """Codes of a batch already on the backend in the dictionary ``D`` (Gram ``G``).

        On the CPU with ``n_jobs > 1`` the rows are split into contiguous
        chunks coded by parallel threads (NumPy and BLAS release the GIL).
        Every row's code depends on that row only, so the result does not
        depend on ``n_jobs``.
        """
        xp = backend.xp
        n = X.shape[0]
        threads = min(_resolve_workers(self.n_jobs), n // _MIN_ROWS_PER_THREAD)
        if xp is not np or threads < 2:
            return self._encode_rows(X, backend, D, G, lipschitz, alpha0)
        bounds = np.linspace(0, n, threads + 1).astype(int)
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = pool.map(
                lambda i: self._encode_rows(
                    X[bounds[i] : bounds[i + 1]], backend, D, G, lipschitz, alpha0
                ),
                range(threads),
            )
            return np.concatenate(list(parts))

    def _encode_rows(self, X, backend, D, G, lipschitz, alpha0):
        xp = backend.xp
        D = backend.asarray(D, dtype=X.dtype)
        G = backend.asarray(G, dtype=X.dtype)
        if self.solver == "homotopy":
            return solve_homotopy(
                X,
                D,
                G,
                lipschitz,
                self.alpha,
                xp=xp,
                positive=self.positive,
                n_iter=self.n_iter,
                n_steps=_HOMOTOPY_STEPS,
                alpha0=alpha0,
            )
        return solve_lasso(
            X,
            D,
            G,
            lipschitz,
            self.alpha,
            xp=xp,
            positive=self.positive,
            momentum=self.solver == "fista",
            max_iter=self.max_iter,
            tol=self.tol,
        )

    def _transform_batch(self, X, backend):
        return self._encode(X, backend, self.dictionary_, self._gram_, self.lipschitz_)

    def _bytes_per_sample(self) -> int:
        k = getattr(self, "n_atoms_", None) or default_n_atoms(self.n_features_in_)
        return 8 * (10 * k + 4 * self.n_features_in_)

    def _feature_names(self) -> list[str]:
        return [f"atom{i}" for i in range(self.n_atoms_)]
