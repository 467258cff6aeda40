"""Persistence: a fitted estimator pickles to identical output, the pickle holds no
filter arrays (they live in the module-level cache), and it loads in a fresh process."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.base import clone

from skscat.filters import clear_filter_cache
from skscat.phase_harmonics import PhaseHarmonics1D, PhaseHarmonics2D
from skscat.scattering import (
    HarmonicScattering3D,
    RotoTranslationScattering2D,
    Scattering1D,
    Scattering2D,
    ScatteringNormalizer,
    TimeFrequencyScattering,
)
from skscat.sparse import SparseCoding

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (estimator, n_features); sizes chosen so that the filter banks are large
# (hundreds of KiB to MiB) next to the few KiB a pickle may take.
ESTIMATORS = {
    "Scattering1D": (Scattering1D(J=6, Q=8, backend="numpy"), 1024),
    "Scattering2D": (Scattering2D(J=3, L=8, shape=(32, 32), backend="numpy"), 1024),
    "Scattering2D-relu": (
        Scattering2D(J=2, L=4, shape=(16, 16), nonlinearity="relu", backend="numpy"),
        256,
    ),
    "RotoTranslationScattering2D": (
        RotoTranslationScattering2D(J=3, L=8, shape=(32, 32), backend="numpy"),
        1024,
    ),
    "PhaseHarmonics1D": (PhaseHarmonics1D(J=6, delta_n=1, backend="numpy"), 512),
    "PhaseHarmonics2D": (PhaseHarmonics2D(J=4, L=4, shape=(32, 32), backend="numpy"), 1024),
    "SparseCoding": (
        SparseCoding(n_atoms=16, alpha=0.1, n_epochs=2, random_state=0, backend="numpy"),
        32,
    ),
    "ScatteringNormalizer": (ScatteringNormalizer(Scattering1D(J=6, Q=8, backend="numpy")), 1024),
    "TimeFrequencyScattering": (TimeFrequencyScattering(J=6, J_fr=2, Q=8, backend="numpy"), 1024),
    "HarmonicScattering3D": (
        HarmonicScattering3D(J=2, L=3, shape=(16, 16, 16), backend="numpy"),
        4096,
    ),
}
NAMES = list(ESTIMATORS)
# A pickle holds the parameters and the derived geometry; no filter bank.
MAX_PICKLE_BYTES = 16 * 1024


def _fitted(name):
    est, p = ESTIMATORS[name]
    X = np.random.default_rng(0).standard_normal((6, p))
    return clone(est).fit(X), X


def _learned_bytes(est):
    """Bytes of learned (data-dependent) state that must be in the pickle."""
    if isinstance(est, SparseCoding):
        k, p = est.dictionary_.shape
        # dictionary, its Gram matrix and the running statistics A (k, k), B (k, p)
        return 8 * (2 * k * p + 2 * k * k)
    return 0


def _array_bytes(obj, seen=None):
    """Bytes of every ndarray reachable from ``obj`` (containers and attributes)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, dict):
        return sum(_array_bytes(v, seen) for v in obj.values())
    if isinstance(obj, list | tuple):
        return sum(_array_bytes(v, seen) for v in obj)
    if hasattr(obj, "__dict__"):
        return _array_bytes(vars(obj), seen)
    if hasattr(obj, "__slots__"):
        return sum(_array_bytes(getattr(obj, k, None), seen) for k in obj.__slots__)
    return 0


def _filter_bytes(est):
    inner = getattr(est, "scattering_", est)
    return _array_bytes(getattr(inner, "filters_", None))


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip_is_identical(name):
    est, X = _fitted(name)
    Y = est.transform(X)
    blob = pickle.dumps(est)
    clear_filter_cache()  # the loaded estimator rebuilds its filters on demand
    loaded = pickle.loads(blob)
    np.testing.assert_array_equal(loaded.transform(X), Y)
    assert loaded.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    np.testing.assert_array_equal(loaded.get_feature_names_out(), est.get_feature_names_out())
    # copy.deepcopy (what dask and joblib do) too.
    np.testing.assert_array_equal(copy.deepcopy(est).transform(X), Y)


@pytest.mark.parametrize("name", NAMES)
def test_pickle_is_small(name):
    est, X = _fitted(name)
    est.transform(X)  # filters built and cached: still not in the pickle
    size = len(pickle.dumps(est))
    assert size <= MAX_PICKLE_BYTES + _learned_bytes(est), size
    filters = _filter_bytes(est)
    if filters:
        assert filters > 10 * size, (filters, size)


@pytest.mark.parametrize("name", NAMES)
def test_unfitted_pickle_round_trip(name):
    est, _ = ESTIMATORS[name]
    loaded = pickle.loads(pickle.dumps(est))
    assert repr(loaded) == repr(est)


def test_pickles_load_in_a_fresh_process(tmp_path):
    """One child process loads every pickle and transforms; same bits as here."""
    expected = {}
    for name in NAMES:
        est, X = _fitted(name)
        expected[name] = est.transform(X)
        with open(tmp_path / f"{name}.pkl", "wb") as f:
            pickle.dump(est, f)
        np.save(tmp_path / f"{name}.X.npy", X)
    child = textwrap.dedent(
        f"""
        import pickle, sys
        import numpy as np
        sys.path.insert(0, {ROOT!r})
        assert "skscat" not in sys.modules
        for name in {NAMES!r}:
            with open({str(tmp_path)!r} + f"/{{name}}.pkl", "rb") as f:
                est = pickle.load(f)
            X = np.load({str(tmp_path)!r} + f"/{{name}}.X.npy")
            np.save({str(tmp_path)!r} + f"/{{name}}.Y.npy", est.transform(X))
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"
    for name in NAMES:
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}.Y.npy"), expected[name])
