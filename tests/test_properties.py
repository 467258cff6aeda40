"""Property tests (hypothesis): random valid inputs give finite output of the
documented shape, independent of ``batch_size``, ``n_jobs`` and sample order, and
bit-identical on repeated calls.

Examples are few (``max_examples``) and small so that the module stays fast.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from skscat._base import ShapeWarning  # noqa: E402
from skscat.phase_harmonics import PhaseHarmonics1D, PhaseHarmonics2D  # noqa: E402
from skscat.scattering import Scattering1D, Scattering2D  # noqa: E402
from skscat.sparse import SparseCoding  # noqa: E402

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never flakes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DTYPES = st.sampled_from([np.float32, np.float64])
try:  # the CPU backends this machine has (numba is optional)
    import numba  # noqa: F401

    BACKENDS = st.sampled_from(["numpy", "numba"])
except ImportError:  # pragma: no cover
    BACKENDS = st.just("numpy")
TOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-10}


def _data(seed, n, p, dtype):
    return np.random.default_rng(seed).standard_normal((n, p)).astype(dtype)


def _transform(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShapeWarning)
        return est.fit(X).transform(X)


def _assert_close(a, b):
    tol = TOL[np.dtype(b.dtype)]
    scale = max(float(np.abs(b).max()), 1.0)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * scale)


def check_invariances(est, X, batch_size):
    """The properties every transformer must have on ``X``; returns the output."""
    Y = _transform(est, X)
    n = X.shape[0]
    assert Y.shape == (n, est.n_features_out_)
    assert Y.dtype == X.dtype
    assert np.isfinite(Y).all()
    assert len(est.get_feature_names_out()) == est.n_features_out_
    # Bit-identical on a repeated call, and after a refit.
    np.testing.assert_array_equal(est.transform(X), Y)
    np.testing.assert_array_equal(_transform(est, X), Y)
    # Independent of the batch size and of the number of threads.
    est_b = est.__class__(**{**est.get_params(), "batch_size": batch_size, "n_jobs": 2})
    _assert_close(_transform(est_b, X), Y)
    # Independent of the order of the samples (row i's features are row i's).
    perm = np.random.default_rng(n).permutation(n)
    _assert_close(est.transform(X[perm]), Y[perm])
    # A row alone gives the same features as in a batch.
    _assert_close(est.transform(X[-1:]), Y[-1:])
    return Y


@SETTINGS
@given(
    backend=BACKENDS,
    N=st.integers(1, 160),
    J=st.integers(1, 5),
    Q=st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 2))),
    max_order=st.integers(1, 2),
    average=st.booleans(),
    dtype=DTYPES,
    n=st.integers(1, 6),
    batch_size=st.integers(1, 7),
    seed=st.integers(0, 2**16),
)
def test_scattering1d_properties(backend, N, J, Q, max_order, average, dtype, n, batch_size, seed):
    est = Scattering1D(J=J, Q=Q, max_order=max_order, average=average, backend=backend)
    X = _data(seed, n, N, dtype)
    Y = check_invariances(est, X, batch_size)
    assert est.n_features_out_ == est.n_paths_ * est.n_times_
    if not average:
        assert est.n_times_ == N
    assert Y.shape[1] == est.n_paths_ * est.n_times_


@SETTINGS
@given(
    backend=BACKENDS,
    H=st.integers(1, 20),
    W=st.integers(1, 20),
    J=st.integers(1, 3),
    L=st.integers(1, 4),
    max_order=st.integers(1, 2),
    average=st.booleans(),
    relu=st.booleans(),
    dtype=DTYPES,
    n=st.integers(1, 5),
    batch_size=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_scattering2d_properties(
    backend, H, W, J, L, max_order, average, relu, dtype, n, batch_size, seed
):
    est = Scattering2D(
        J=J,
        L=L,
        shape=(H, W),
        max_order=max_order,
        average=average,
        nonlinearity="relu" if relu else "modulus",
        n_phases=2,
        backend=backend,
    )
    X = _data(seed, n, H * W, dtype)
    check_invariances(est, X, batch_size)
    K = L * 2 if relu else L
    n_paths = 1 + J * K + (K * K * J * (J - 1) // 2 if max_order == 2 else 0)
    assert est.n_paths_ == n_paths
    hw = (max(H // 2**J, 1), max(W // 2**J, 1))
    assert est.output_shape_ == hw
    assert est.n_features_out_ == n_paths * (1 if average else hw[0] * hw[1])


@SETTINGS
@given(
    backend=BACKENDS,
    H=st.integers(2, 16),
    W=st.integers(2, 16),
    L=st.integers(1, 4),
    explicit_J=st.booleans(),
    delta_n=st.integers(0, 1),
    normalize=st.sampled_from(["image", None]),
    dtype=DTYPES,
    n=st.integers(1, 4),
    batch_size=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_phase_harmonics2d_properties(
    backend, H, W, L, explicit_J, delta_n, normalize, dtype, n, batch_size, seed
):
    J = max(1, int(np.log2(max(H, W)))) if explicit_J else None
    est = PhaseHarmonics2D(
        J=J, L=L, shape=(H, W), delta_n=delta_n, normalize=normalize, backend=backend
    )
    X = _data(seed, n, H * W, dtype)
    check_invariances(est, X, batch_size)
    assert 2**est.J_ <= max(H, W) or est.J_ == 1


@SETTINGS
@given(
    backend=BACKENDS,
    N=st.integers(2, 200),
    delta_n=st.integers(0, 2),
    normalize=st.sampled_from(["image", None]),
    dtype=DTYPES,
    n=st.integers(1, 4),
    batch_size=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_phase_harmonics1d_properties(backend, N, delta_n, normalize, dtype, n, batch_size, seed):
    est = PhaseHarmonics1D(delta_n=delta_n, normalize=normalize, backend=backend)
    X = _data(seed, n, N, dtype)
    check_invariances(est, X, batch_size)


@SETTINGS
@given(
    p=st.integers(1, 12),
    k=st.integers(1, 10),
    alpha=st.floats(1e-3, 2.0),
    solver=st.sampled_from(["homotopy", "fista", "ista"]),
    positive=st.booleans(),
    dtype=DTYPES,
    n=st.integers(1, 8),
    batch_size=st.integers(1, 9),
    seed=st.integers(0, 2**16),
)
def test_sparse_coding_properties(p, k, alpha, solver, positive, dtype, n, batch_size, seed):
    D = np.random.default_rng(seed + 1).standard_normal((k, p))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    est = SparseCoding(dictionary=D, alpha=alpha, solver=solver, positive=positive, backend="numpy")
    X = _data(seed, n, p, dtype)
    Z = check_invariances(est, X, batch_size)
    assert Z.shape == (n, k)
    if positive:
        assert (Z >= 0).all()
