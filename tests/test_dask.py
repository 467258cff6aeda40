"""Dask: lazy row-chunked transforms equal to the in-memory ones, and a pipeline
on a ``dask.distributed`` local cluster of two worker processes."""

import logging

import numpy as np
import pytest

import skscat

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def _estimators():
    """Every batched transformer, with a small input."""
    # SparseCoding learns its dictionary at fit.
    params = dict(n_atoms=12, alpha=0.1, n_epochs=2, random_state=0, backend="numpy")
    jtfs = dict(J=3, J_fr=1, Q=2, shape=64, backend="numpy")
    return [
        ("Scattering2D", dict(J=2, L=4, shape=(16, 16), backend="numpy"), 256),
        ("Scattering1D", dict(J=3, Q=2, shape=64, backend="numpy"), 64),
        ("PhaseHarmonics2D", dict(J=2, L=4, shape=(16, 16), backend="numpy"), 256),
        ("TimeFrequencyScattering", jtfs, 64),
        ("HarmonicScattering3D", dict(J=1, L=2, shape=(8, 8, 8), backend="numpy"), 512),
        ("RotoTranslationScattering2D", dict(J=2, L=4, shape=(16, 16), backend="numpy"), 256),
        ("SparseCoding", params, 16),
    ]


@pytest.fixture
def counting_dask_array():
    """A dask array chunked by rows that counts how often its blocks are computed."""
    calls = []

    def make(X, rows):
        def touch(block):
            calls.append(block.shape[0])
            return block

        meta = np.empty((0, 0), dtype=X.dtype)
        Xd = da.from_array(X, chunks=(rows, -1)).map_blocks(touch, dtype=X.dtype, meta=meta)
        return Xd, calls

    return make


@pytest.mark.parametrize("name, params, n_features", _estimators())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dask_transform_is_lazy_and_equal(name, params, n_features, dtype, counting_dask_array):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((23, n_features)).astype(dtype)
    est = getattr(skscat, name)(**params).fit(X)
    expected = est.transform(X)

    Xd, calls = counting_dask_array(X, 5)
    Y = est.transform(Xd)
    assert isinstance(Y, da.Array)
    assert calls == [], "transform of a dask array must not compute anything"
    assert Y.shape == expected.shape
    assert Y.chunks[0] == (5, 5, 5, 5, 3)
    assert Y.numblocks[1] == 1
    assert Y.dtype == expected.dtype

    got = Y.compute(scheduler="sync")
    assert sorted(calls) == [3, 5, 5, 5, 5]
    assert isinstance(got, np.ndarray)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())


def test_dask_transform_merges_column_chunks_and_threads():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((12, 256)).astype(np.float32)
    est = skscat.Scattering2D(J=2, L=4, shape=(16, 16), backend="numpy").fit(X)
    Xd = da.from_array(X, chunks=(4, 100))  # rows split across column chunks
    Y = est.transform(Xd)
    np.testing.assert_allclose(Y.compute(scheduler="threads"), est.transform(X), rtol=1e-6)


def test_dask_graph_holds_the_estimator_once_and_is_a_snapshot():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 256))
    est = skscat.Scattering2D(J=2, L=4, shape=(16, 16), backend="numpy").fit(X)
    expected = est.transform(X)
    Y = est.transform(da.from_array(X, chunks=(3, -1)))  # 10 blocks

    graph = dict(Y.__dask_graph__())
    n_estimator_nodes = sum(1 for key in graph if "scattering2d" in str(key).lower())
    assert n_estimator_nodes == 1, "the fitted estimator must be one graph node, not one per block"

    # Refitting the estimator afterwards must not change the lazy result.
    est.set_params(J=1).fit(X)
    np.testing.assert_allclose(Y.compute(scheduler="sync"), expected)


def test_dask_transform_checks_n_features():
    X = np.zeros((4, 256), dtype=np.float32)
    est = skscat.Scattering2D(J=2, L=4, shape=(16, 16), backend="numpy").fit(X)
    with pytest.raises(ValueError, match="features"):
        est.transform(da.zeros((4, 100), chunks=(2, -1)))
    with pytest.raises(ValueError, match="2-D"):
        est.transform(da.zeros((4, 16, 16), chunks=(2, -1, -1)))


def test_dask_transform_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        skscat.Scattering2D(J=1, shape=(8, 8)).transform(da.zeros((2, 64), chunks=(1, -1)))


def test_grid_search_with_joblib_process_workers():
    """n_jobs=2 with joblib's default process backend (loky): estimators are
    pickled to worker processes and back, filter banks rebuilt there."""
    joblib = pytest.importorskip("joblib")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    from skscat.datasets import load_digits_images

    X, y, shape = load_digits_images()
    X, y = X[:200], y[:200]
    pipe = make_pipeline(
        skscat.Scattering2D(shape=shape, backend="numpy"), LogisticRegression(max_iter=200)
    )
    grid = {"scattering2d__J": [1, 2], "scattering2d__L": [2, 4]}
    with joblib.parallel_backend("loky", n_jobs=2):
        parallel = GridSearchCV(pipe, grid, cv=2, n_jobs=2, error_score="raise").fit(X, y)
    serial = GridSearchCV(pipe, grid, cv=2, n_jobs=None, error_score="raise").fit(X, y)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )


# -- a pipeline on a local cluster of two worker processes ------------------------


def test_pipeline_on_local_cluster_with_two_worker_processes():
    distributed = pytest.importorskip("distributed")
    joblib = pytest.importorskip("joblib")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skscat.datasets import load_digits_images

    X, y, shape = load_digits_images()
    X, y = X[:240], y[:240]
    scattering = skscat.Scattering2D(J=1, L=4, shape=shape, backend="numpy").fit(X[:1])
    expected = scattering.transform(X)

    cluster = client = None
    # Generous timeouts: worker processes start slowly on a loaded 2-core machine.
    timeouts = {"distributed.comm.timeouts.connect": "90s"}
    try:
        with dask.config.set(timeouts):
            cluster = distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        client = distributed.Client(cluster)
        assert len(client.scheduler_info()["workers"]) == 2

        # 1. The lazy transform, computed by the two worker processes.
        Xd = da.from_array(X, chunks=(40, -1))
        features = scattering.transform(Xd)
        got = client.compute(features).result(timeout=120)
        np.testing.assert_allclose(got, expected, rtol=1e-6)

        # 2. A whole pipeline fitted on the cluster's features.
        Xd_train, Xd_test = Xd[:200], Xd[200:]
        pipe = make_pipeline(
            skscat.Scattering2D(J=1, L=4, shape=shape, backend="numpy"),
            StandardScaler(),
            LogisticRegression(max_iter=300),
        )
        pipe.fit(X[:200], y[:200])
        pred_local = pipe.predict(X[200:])
        feats_test = pipe[0].transform(Xd_test)  # lazy
        pred_cluster = pipe[1:].predict(client.compute(feats_test).result(timeout=120))
        np.testing.assert_array_equal(pred_cluster, pred_local)
        assert feats_test.npartitions == 1 and Xd_train.npartitions == 5

        # 3. joblib's dask backend: a grid search whose fits run on the workers.
        grid = GridSearchCV(pipe, {"scattering2d__L": [2, 4]}, cv=2, n_jobs=2, error_score="raise")
        with joblib.parallel_backend("dask"):
            grid.fit(X, y)
        # The same search run here, sequentially: the same scores, the same choice.
        local = GridSearchCV(pipe, {"scattering2d__L": [2, 4]}, cv=2, error_score="raise")
        local.fit(X, y)
        np.testing.assert_allclose(
            grid.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], atol=1e-12
        )
        assert grid.best_params_ == local.best_params_
        assert grid.best_score_ > 0.5
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
