"""Progress output: ``verbose`` shows progress over batches; silent by default."""

import sys

import numpy as np
import pytest

import skscat


def _transformers():
    """Every batched transformer, with a small input."""
    params = dict(n_atoms=6, alpha=0.1, n_epochs=1, random_state=0, backend="numpy")
    return [
        ("Scattering2D", dict(J=1, L=2, shape=(8, 8), backend="numpy"), 64),
        ("Scattering1D", dict(J=2, Q=1, shape=32, backend="numpy"), 32),
        ("PhaseHarmonics2D", dict(J=2, L=2, shape=(16, 16), backend="numpy"), 256),
        ("RotoTranslationScattering2D", dict(J=1, L=2, shape=(8, 8), backend="numpy"), 64),
        ("HarmonicScattering3D", dict(J=1, L=2, shape=(8, 8, 8), backend="numpy"), 512),
        ("SparseCoding", params, 8),
    ]


def _fitted(name, params, n_features, **extra):
    X = np.random.default_rng(0).standard_normal((10, n_features)).astype(np.float32)
    return getattr(skscat, name)(**params, batch_size=2, **extra).fit(X), X


@pytest.mark.parametrize("name, params, n_features", _transformers())
def test_silent_by_default(name, params, n_features, capfd):
    est, X = _fitted(name, params, n_features)
    capfd.readouterr()
    est.transform(X)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.parametrize("name, params, n_features", _transformers())
@pytest.mark.parametrize("verbose", [True, 1, 2])
def test_verbose_shows_progress_over_batches(name, params, n_features, verbose, capfd):
    pytest.importorskip("tqdm")
    est, X = _fitted(name, params, n_features, verbose=verbose)
    capfd.readouterr()
    Y = est.transform(X)
    out, err = capfd.readouterr()
    assert out == ""
    assert name in err
    assert "/5" in err  # 10 rows in batches of 2
    est.set_params(verbose=False)
    np.testing.assert_array_equal(est.transform(X), Y)


def test_progress_without_tqdm_prints_a_counter(monkeypatch, capfd):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import tqdm.auto -> ImportError
    monkeypatch.setitem(sys.modules, "tqdm", None)
    est, X = _fitted(*_transformers()[0], verbose=True)
    capfd.readouterr()
    est.transform(X)
    out, err = capfd.readouterr()
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [f"Scattering2D: batch {i}/5" for i in range(1, 6)]


def test_single_batch_is_silent_even_when_verbose(capfd):
    name, params, n_features = _transformers()[0]
    X = np.zeros((3, n_features), dtype=np.float32)
    est = getattr(skscat, name)(**params, verbose=True).fit(X)
    capfd.readouterr()
    est.transform(X)
    assert capfd.readouterr() == ("", "")


def test_dictionary_learning_progress(monkeypatch, capfd):
    X = np.random.default_rng(0).standard_normal((40, 8))
    params = dict(n_atoms=6, alpha=0.1, n_epochs=3, random_state=0, backend="numpy")
    capfd.readouterr()
    skscat.SparseCoding(**params).fit(X)
    assert capfd.readouterr() == ("", "")
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # the plain counter, one line per epoch
    monkeypatch.setitem(sys.modules, "tqdm", None)
    skscat.SparseCoding(**params, verbose=True).fit(X)
    out, err = capfd.readouterr()
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [f"SparseCoding: epoch {i}/3" for i in range(1, 4)]
