"""SparseCoding: lasso parity with scikit-learn, solver properties, dictionary learning."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.decomposition import sparse_encode
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat import SparseCoding
from skscat.sparse import default_n_atoms
from skscat.sparse._dictionary import gram_and_lipschitz
from skscat.sparse._solvers import objective, solve_lasso


def random_dictionary(rng, n_atoms, n_features):
    D = rng.standard_normal((n_atoms, n_features))
    return D / np.linalg.norm(D, axis=1, keepdims=True)


def sklearn_codes(X, D, alpha, positive, algorithm="lasso_cd"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sparse_encode(
            X, D, algorithm=algorithm, alpha=alpha, positive=positive, max_iter=5000
        )


def sparse_model(rng, n_samples, D, n_nonzero, positive=False, noise=0.01):
    """Rows ``z D + noise`` with ``n_nonzero`` random atoms of weight 1..2 per row."""
    n_atoms, n_features = D.shape
    Z = np.zeros((n_samples, n_atoms))
    cols = np.argsort(rng.random((n_samples, n_atoms)), axis=1)[:, :n_nonzero]
    vals = rng.uniform(1, 2, (n_samples, n_nonzero))
    if not positive:
        vals *= rng.choice([-1.0, 1.0], (n_samples, n_nonzero))
    np.put_along_axis(Z, cols, vals, axis=1)
    return Z @ D + noise * rng.standard_normal((n_samples, n_features))


# -- scikit-learn's common checks ------------------------------------------------
@parametrize_with_checks([SparseCoding()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# -- objective parity -------------------------------------------------------------
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("algorithm", ["lasso_cd", "lasso_lars"])
def test_fista_matches_sklearn_lasso_objective(rng, positive, algorithm):
    D = random_dictionary(rng, 96, 32)
    X = rng.standard_normal((60, 32))
    alpha = 0.3
    tol = 1e-4
    Z = SparseCoding(dictionary=D, alpha=alpha, solver="fista", positive=positive, tol=tol)
    Z = Z.fit(X).transform(X)
    Z_ref = sklearn_codes(X, D, alpha, positive, algorithm)
    F, F_ref = objective(X, Z, D, alpha), objective(X, Z_ref, D, alpha)
    # Same objective (so alpha means the same): the totals agree to 0.01% ...
    assert abs(F.sum() / F_ref.sum() - 1) < 1e-4
    # ... and each row is within its certified duality-gap bound of the optimum.
    assert np.all(F - F_ref <= tol * (X**2).sum(axis=1) + 1e-10)
    if positive:
        assert Z.min() >= 0
    assert_allclose(Z, Z_ref, atol=0.05)


@pytest.mark.parametrize("positive", [False, True])
def test_ista_reaches_the_lasso_optimum(rng, positive):
    D = random_dictionary(rng, 24, 16)
    X = rng.standard_normal((20, 16))
    sc = SparseCoding(
        dictionary=D, alpha=0.2, solver="ista", positive=positive, tol=1e-6, max_iter=100_000
    )
    Z = sc.fit(X).transform(X)
    F_ref = objective(X, sklearn_codes(X, D, 0.2, positive), D, 0.2)
    assert np.all(objective(X, Z, D, 0.2) - F_ref <= 1e-6 * (X**2).sum(axis=1) + 1e-10)


@pytest.mark.parametrize("positive", [False, True])
def test_homotopy_within_five_percent_of_optimum(rng, positive):
    # A 4x overcomplete random dictionary: the benchmark's problem, smaller.
    D = random_dictionary(rng, 128, 32)
    X = rng.standard_normal((200, 32))
    Z = SparseCoding(dictionary=D, alpha=0.2, positive=positive).fit(X).transform(X)
    F = objective(X, Z, D, 0.2).sum()
    F_ref = objective(X, sklearn_codes(X, D, 0.2, positive), D, 0.2).sum()
    assert 0 <= F / F_ref - 1 < 0.05
    # More thresholds, closer to the optimum.
    Z50 = SparseCoding(dictionary=D, alpha=0.2, positive=positive, n_iter=50).fit(X).transform(X)
    assert objective(X, Z50, D, 0.2).sum() / F_ref - 1 < (F / F_ref - 1) / 3


@pytest.mark.parametrize("positive", [False, True])
def test_homotopy_support_and_signs_match_lasso(positive):
    rng = np.random.default_rng(0)
    D = random_dictionary(rng, 32, 64)  # incoherent: Gram eigenvalues in [0.15, 2.4]
    X = sparse_model(rng, 200, D, 4, positive=positive)
    Z_ref = sklearn_codes(X, D, 0.1, positive, "lasso_lars")
    Z = SparseCoding(dictionary=D, alpha=0.1, positive=positive).fit(X).transform(X)
    assert_array_equal(np.sign(Z), np.sign(Z_ref))
    assert_allclose(Z, Z_ref, atol=0.02)


@pytest.mark.parametrize("positive", [False, True])
def test_fista_objective_decreases_monotonically(rng, positive):
    D = random_dictionary(rng, 64, 16)  # ill-conditioned enough for FISTA to overshoot
    X = rng.standard_normal((50, 16))
    G, L = gram_and_lipschitz(D)
    history = []
    solve_lasso(X, D, G, L, 0.05, xp=np, positive=positive, tol=1e-8, history=history)
    H = np.array(history)
    assert len(H) > 20
    assert np.all(np.diff(H, axis=0) <= 1e-12 * H[0])


def test_large_alpha_gives_zero_codes(rng):
    X = rng.standard_normal((30, 8))
    sc = SparseCoding(n_atoms=12, random_state=0).fit(X)
    for solver in ("homotopy", "fista", "ista"):
        big = sc.alpha_max_ * 1.01
        Z = clone(sc).set_params(alpha=big, solver=solver, dictionary=sc.dictionary_)
        assert not Z.fit(X).transform(X).any()


# -- batching, dtypes, backends -------------------------------------------------------
@pytest.mark.parametrize("solver", ["homotopy", "fista"])
def test_codes_do_not_depend_on_the_batch(rng, solver):
    D = random_dictionary(rng, 48, 16)
    X = rng.standard_normal((70, 16))
    sc = SparseCoding(dictionary=D, alpha=0.3, solver=solver).fit(X)
    Z = sc.transform(X)
    assert_allclose(sc.transform(X[7:9]), Z[7:9], rtol=1e-9, atol=1e-12)
    Z_small = sc.set_params(batch_size=8).transform(X)
    assert_allclose(Z_small, Z, rtol=1e-9, atol=1e-12)


def test_float32_kept_and_close_to_float64(rng):
    D = random_dictionary(rng, 40, 20)
    X = rng.standard_normal((30, 20))
    for solver in ("homotopy", "fista"):
        sc = SparseCoding(dictionary=D, alpha=0.2, solver=solver, tol=1e-5).fit(X)
        Z64 = sc.transform(X)
        Z32 = sc.transform(X.astype(np.float32))
        assert Z32.dtype == np.float32 and Z64.dtype == np.float64
        F64, F32 = objective(X, Z64, D, 0.2), objective(X, Z32, D, 0.2)
        assert_allclose(F32, F64, rtol=1e-4)
    sc32 = SparseCoding(n_atoms=8, random_state=0).fit(X.astype(np.float32))
    assert sc32.dictionary_.dtype == np.float32
    assert sc32.transform(X.astype(np.float32)).dtype == np.float32


def test_numpy_standin_of_cupy_backend_gives_same_codes(rng):
    from skscat.backends.cupy_backend import CupyBackend

    D = random_dictionary(rng, 48, 16)
    X = rng.standard_normal((25, 16))
    for solver in ("homotopy", "fista"):
        sc = SparseCoding(dictionary=D, alpha=0.3, solver=solver).fit(X)
        stand_in = sc._transform_batch(X, CupyBackend(xp=np))
        assert_allclose(stand_in, sc.transform(X), rtol=1e-10, atol=1e-12)


@pytest.mark.gpu
def test_cupy_backend_matches_numpy(rng):
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("no CUDA device")
    except Exception:
        pytest.skip("no CUDA device")
    X = rng.standard_normal((300, 32))
    for solver in ("homotopy", "fista"):
        ref = SparseCoding(n_atoms=64, alpha=0.3, solver=solver, random_state=0).fit(X)
        gpu = clone(ref).set_params(backend="cupy").fit(cupy.asarray(X))
        assert_allclose(gpu.dictionary_, ref.dictionary_, atol=1e-6)
        Z = gpu.transform(cupy.asarray(X))
        assert isinstance(Z, cupy.ndarray)
        assert_allclose(Z.get(), ref.transform(X), atol=1e-8)


def test_n_jobs_does_not_change_codes(rng):
    X = rng.standard_normal((200, 16))
    one = SparseCoding(alpha=0.2, random_state=0, n_jobs=1).fit(X)
    two = clone(one).set_params(n_jobs=2).fit(X)
    assert_allclose(two.dictionary_, one.dictionary_, atol=1e-10)
    assert_allclose(two.transform(X), one.transform(X), atol=1e-10)


# -- dictionary learning ----------------------------------------------------------------
def _heldout_error(X, sc):
    Z = sc.transform(X)
    return float(np.mean((X - Z @ sc.dictionary_) ** 2) / np.mean(X**2))


@pytest.mark.parametrize("positive", [False, True])
def test_learned_dictionary_beats_random_one_on_heldout_data(positive):
    rng = np.random.default_rng(1)
    true_D = random_dictionary(rng, 40, 20)
    X = sparse_model(rng, 1500, true_D, 3, positive=positive, noise=0.05)
    X_train, X_test = X[:1000], X[1000:]
    learned = SparseCoding(n_atoms=40, alpha=0.1, positive=positive, random_state=0)
    learned.fit(X_train)
    rand = SparseCoding(dictionary=random_dictionary(rng, 40, 20), alpha=0.1, positive=positive)
    rand.fit(X_train)
    err_learned, err_random = _heldout_error(X_test, learned), _heldout_error(X_test, rand)
    assert err_learned < 0.5 * err_random
    assert_allclose(np.linalg.norm(learned.dictionary_, axis=1), 1.0, rtol=1e-10)
    assert learned.n_iter_ == 10 and learned.n_steps_ == 10 * 4


def test_partial_fit_streams_and_continues():
    rng = np.random.default_rng(2)
    true_D = random_dictionary(rng, 30, 15)
    X = sparse_model(rng, 1200, true_D, 3, noise=0.05)
    sc = SparseCoding(n_atoms=30, alpha=0.1, random_state=0, batch_size=100)
    errors = []
    for chunk in np.array_split(X[:1000], 10):
        sc.partial_fit(chunk)
        errors.append(_heldout_error(X[1000:], sc))
    assert sc.n_steps_ == 10
    assert errors[-1] < errors[0]
    rand = SparseCoding(dictionary=random_dictionary(rng, 30, 15), alpha=0.1).fit(X[:1000])
    assert errors[-1] < 0.5 * _heldout_error(X[1000:], rand)
    with pytest.raises(ValueError, match="features"):
        sc.partial_fit(X[:10, :5])


def test_fit_is_reproducible_and_resets(rng):
    X = rng.standard_normal((120, 10))
    a = SparseCoding(random_state=3).fit(X)
    b = SparseCoding(random_state=3).fit(X[:50]).fit(X)
    assert_allclose(a.dictionary_, b.dictionary_)
    assert a.n_atoms_ == default_n_atoms(10) == 20
    assert pickle.loads(pickle.dumps(a)).transform(X).shape == (120, 20)


def test_default_n_atoms():
    assert default_n_atoms(1) == 2
    assert default_n_atoms(50) == 100
    assert default_n_atoms(4000) == 1024


# -- names, output ------------------------------------------------------------------------
def test_feature_names_and_pandas_output(rng):
    pd = pytest.importorskip("pandas")
    X = rng.standard_normal((20, 6))
    sc = SparseCoding(n_atoms=5, random_state=0).fit(X)
    assert sc.get_feature_names_out().tolist() == [f"atom{i}" for i in range(5)]
    out = sc.set_output(transform="pandas").transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"atom{i}" for i in range(5)]


# -- bad dictionaries -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "dictionary, match",
    [
        (np.full((4, 6), np.nan), "NaN or infinity"),
        (np.ones(6), "2-D"),
        (np.ones((4, 5)), "5 columns but X has 6 features"),
        (np.zeros((4, 6)), "all zeros"),
        (np.ones((0, 6)), "at least one"),
        (np.array([["a"] * 6] * 2), "holds strings"),
    ],
)
def test_bad_dictionary_is_refused_with_a_clear_message(rng, dictionary, match):
    X = rng.standard_normal((10, 6))
    with pytest.raises(ValueError, match=match):
        SparseCoding(dictionary=dictionary).fit(X)


def test_n_atoms_must_agree_with_a_given_dictionary(rng):
    X = rng.standard_normal((10, 6))
    with pytest.raises(ValueError, match="n_atoms=3 but the dictionary has 4"):
        SparseCoding(dictionary=np.eye(4, 6), n_atoms=3).fit(X)


def test_given_dictionary_is_used_as_given(rng):
    D = 2.0 * random_dictionary(rng, 8, 6)
    X = rng.standard_normal((10, 6))
    sc = SparseCoding(dictionary=D).fit(X)
    assert_array_equal(sc.dictionary_, D)
    D[0] = 0  # a copy was stored
    assert sc.dictionary_[0].any()


def test_bad_parameters(rng):
    X = rng.standard_normal((10, 4))
    for params in ({"alpha": 0.0}, {"solver": "lars"}, {"n_iter": 0}, {"tol": -1.0}):
        with pytest.raises(ValueError):
            SparseCoding(**params).fit(X)


def test_sparse_coding_needs_no_geometry_stub():
    """SparseCoding learns at fit: it shares the batching base, not the
    derive-geometry-at-fit base, so it has nothing to stub."""
    from skscat._base import BatchedTransformer, HarmonicTransformer

    assert issubclass(SparseCoding, BatchedTransformer)
    assert not issubclass(SparseCoding, HarmonicTransformer)
    assert not hasattr(SparseCoding, "_fit_geometry")
