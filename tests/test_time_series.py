"""Tests of the time-series classifier and its scattering feature families."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat import (
    TimeFrequencyScattering,
    TimeSeriesClassifier,
    TimeSeriesFeatures,
    make_time_series_classifier,
)
from skscat import time_series as ts
from skscat.phase_harmonics import PhaseHarmonics1D
from skscat.time_series import BandQuantileFeatures, SeriesLevel, local_scales


def tones(n_per_class, n_timestamps, n_classes, rng, noise=0.2):
    """Class c: a tone at frequency (c + 1) / (2 (n_classes + 1)) cycles/sample, random phase."""
    y = np.repeat(np.arange(n_classes), n_per_class)
    t = np.arange(n_timestamps)
    freq = (y[:, None] + 1) / (2.0 * (n_classes + 1))
    X = np.cos(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi, (len(y), 1)))
    return X + noise * rng.standard_normal(X.shape), y


def chirps_and_tones(n, rng, N=256):
    """Rising chirps, falling chirps and tones with a random delay and centre frequency."""
    y = np.arange(n) % 3
    t = np.arange(N)[None, :] - N / 2 - rng.uniform(-40, 40, (n, 1))
    f0 = rng.uniform(0.08, 0.12, (n, 1))
    sweep = np.select([y[:, None] == 0, y[:, None] == 1], [1.0, -1.0], 0.0)
    phase = 2 * np.pi * (f0 * t + sweep * 0.08 * t**2 / (2 * N))
    X = np.exp(-0.5 * (t / 60) ** 2) * np.cos(phase + rng.uniform(0, 6, (n, 1)))
    return X + 0.05 * rng.standard_normal(X.shape), y


def test_returns_unfitted_clonable_estimator():
    clf = make_time_series_classifier(random_state=3, n_quantiles=5)
    assert isinstance(clf, TimeSeriesClassifier)
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((2, 16)))
    params = clone(clf).get_params()
    assert params["random_state"] == 3 and params["n_quantiles"] == 5
    assert params == clf.get_params()
    assert params["families"] == ("local", "global", "quantiles", "level")


@pytest.mark.parametrize("n_timestamps", [2, 3, 8, 9, 31, 100])
@pytest.mark.parametrize("n_classes", [2, 5])
def test_any_length_and_class_count(n_timestamps, n_classes):
    rng = np.random.default_rng(n_timestamps)
    X, y = tones(6, n_timestamps, n_classes, rng, noise=0.01)
    labels = np.array([f"class {c}" for c in range(n_classes)])[y]
    clf = make_time_series_classifier(random_state=0).fit(X, labels)
    assert clf.n_features_in_ == n_timestamps
    assert list(clf.classes_) == sorted(set(labels))
    pred = clf.predict(X)
    assert pred.shape == (len(X),) and set(pred) <= set(labels)
    scores = clf.decision_function(X)
    assert scores.shape == ((len(X),) if n_classes == 2 else (len(X), n_classes))
    inputs = {name for name, _, _ in clf.features_.blocks_}
    assert inputs == ({"x", "diff", "raw"} if n_timestamps >= 3 else {"x", "raw"})
    if n_timestamps >= 8:  # long enough for the tones to be told apart
        assert clf.score(X, labels) == 1.0


def test_accuracy_chirps_against_tones():
    rng = np.random.default_rng(0)
    X, y = chirps_and_tones(240, rng)
    clf = make_time_series_classifier(random_state=0).fit(X[:120], y[:120])
    assert clf.score(X[120:], y[120:]) >= 0.95
    # A linear model on the raw samples cannot absorb the random delays.
    raw = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(X[:120], y[:120])
    assert raw.score(X[120:], y[120:]) < 0.7


def test_choices_reproducible_and_explained():
    rng = np.random.default_rng(1)
    X, y = chirps_and_tones(60, rng, N=128)
    a = make_time_series_classifier(random_state=7).fit(X, y)
    b = make_time_series_classifier(random_state=7).fit(X, y)
    assert a.families_ == b.families_ and a.alpha_ == b.alpha_
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    # Every non-empty subset of the 4 families is scored; the kept one scores best.
    assert len(a.cv_scores_) == 15
    assert a.cv_scores_[a.families_] == max(a.cv_scores_.values())
    assert a.alpha_ in np.logspace(-3, 3, 10)
    # Without selection every family is kept.
    c = make_time_series_classifier(select_families=False, random_state=7).fit(X, y)
    assert c.families_ == ("local", "global", "quantiles", "level") and len(c.cv_scores_) == 1


def test_quantile_thresholds_use_random_state():
    X = np.random.default_rng(2).standard_normal((20, 64))
    fits = [
        BandQuantileFeatures(J=4, max_values=50, random_state=s).fit(X).thresholds_
        for s in (0, 0, 1)
    ]
    np.testing.assert_array_equal(fits[0], fits[1])
    assert not np.array_equal(fits[0], fits[2])


def test_loo_errors_equal_ridgeclassifiercv():
    rng = np.random.default_rng(0)
    alphas = np.logspace(-3, 3, 10)
    for n, p, n_classes in [(30, 200, 3), (60, 10, 2)]:
        F = rng.standard_normal((n, p))
        F -= F.mean(axis=0)
        y = rng.integers(0, n_classes, n)
        ref = RidgeClassifierCV(alphas=alphas, store_cv_results=True).fit(F, y)
        expected = ref.cv_results_.reshape(n, -1, len(alphas)).mean(axis=(0, 1))
        Y = LabelBinarizer(neg_label=-1).fit_transform(y).astype(float)
        got = ts._loo_squared_errors(F @ F.T, Y, alphas)
        np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_feature_blocks_standardised_and_equally_weighted():
    X = np.random.default_rng(4).standard_normal((12, 50)) * 5 + 3
    features = TimeSeriesFeatures(random_state=0)
    F = features.fit_transform(X)
    np.testing.assert_allclose(F, features.transform(X), atol=1e-12)
    assert F.shape == (12, features.n_features_out_)
    assert len(features.get_feature_names_out()) == F.shape[1]
    for cols in features.block_slices_:
        block = F[:, cols]
        np.testing.assert_allclose(block.mean(axis=0), 0, atol=1e-12)
        total = block.var(axis=0).sum()
        # Total variance 1, less the share of constant (zero-weighted) features.
        n_constant = np.sum(block.var(axis=0) == 0)
        np.testing.assert_allclose(total, 1 - n_constant / block.shape[1], rtol=1e-10)
    # z-normalisation: offset and gain of a series change only its "level" block.
    level = [k for k, b in enumerate(features.blocks_) if b[1] == "level"]
    assert [features.blocks_[k][0] for k in level] == ["raw"]
    others = np.ones(F.shape[1], bool)
    others[features.block_slices_[level[0]]] = False
    G = features.transform(7 * X - 2)
    np.testing.assert_allclose(G[:, others], F[:, others], atol=1e-8)
    np.testing.assert_allclose(
        G[:, ~others] * features.scalers_[level[0]][1] + features.scalers_[level[0]][0],
        np.stack([7 * X.mean(1) - 2, 7 * X.std(1), 7 * X.min(1) - 2, 7 * X.max(1) - 2], axis=1),
        rtol=1e-12,
    )


def test_local_scales_rule():
    assert local_scales(2) == [1] and local_scales(8) == [1]
    assert local_scales(24) == [2]
    assert local_scales(251) == [2, 4, 6]
    assert local_scales(1460) == [2, 4, 6, 8]


def test_band_quantiles_are_proportions_at_training_levels():
    X = np.random.default_rng(5).standard_normal((16, 128))
    bq = BandQuantileFeatures(J=5, Q=2, n_quantiles=3, T=0).fit(X)
    P = bq.transform(X).reshape(16, 3, len(bq.bands_))
    assert np.all((P >= 0) & (P <= 1))
    # Pooled over the training series, a fraction 1 - k / 4 of the values exceed level k.
    np.testing.assert_allclose(P.mean(axis=(0, 2)), [0.75, 0.5, 0.25], atol=0.01)
    assert bq.scattering_.path_meta_["order"][bq.bands_][0] == 0  # the signal itself


def test_phase_harmonics_family_and_new_family_by_name(monkeypatch):
    rng = np.random.default_rng(6)
    X, y = tones(8, 64, 3, rng)
    clf = make_time_series_classifier(("phase_harmonics",)).fit(X, y)
    assert {type(t) for _, _, t in clf.features_.blocks_} == {PhaseHarmonics1D}
    assert clf.score(X, y) == 1.0
    # A new family is one entry of FEATURE_FAMILIES, then usable by name.
    monkeypatch.setitem(
        ts.FEATURE_FAMILIES,
        "mean_abs",
        lambda n, est: [BandQuantileFeatures(J=2, n_quantiles=1, random_state=0)],
    )
    clf = make_time_series_classifier(("local", "mean_abs"), random_state=0).fit(X, y)
    assert {f for _, f, _ in clf.features_.blocks_} == {"local", "mean_abs"}


def test_jtfs_family_tells_rising_from_falling_chirps():
    """Joint time-frequency scattering alone separates the sweep directions."""
    rng = np.random.default_rng(7)
    X, y = chirps_and_tones(120, rng, N=128)
    clf = make_time_series_classifier(("jtfs",), differences=False, random_state=0)
    clf.fit(X[:60], y[:60])
    (block,) = clf.features_.blocks_
    assert block[1] == "jtfs"
    assert isinstance(block[2].steps[0][1], TimeFrequencyScattering)
    # Signed log compression: the order-0 low-pass is negative for some series.
    F = clf.features_.transform(X[60:])
    assert np.isfinite(F).all()
    assert clf.score(X[60:], y[60:]) >= 0.9


def test_bad_input():
    rng = np.random.default_rng(7)
    X, y = tones(4, 32, 2, rng)
    clf = make_time_series_classifier()
    Xnan = X.copy()
    Xnan[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(Xnan, y)
    with pytest.raises(ValueError, match="(?i)complex"):
        clf.fit(X + 1j, y)
    with pytest.raises((ValueError, TypeError), match="(?i)string"):
        clf.fit(np.full((8, 32), "a"), y)
    with pytest.raises(ValueError, match="2D"):
        clf.fit(X[0], y[:1])
    with pytest.raises(ValueError, match="one class"):
        clf.fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="labels"):
        clf.fit(X, y[:-1])
    with pytest.raises(ValueError, match="families"):
        make_time_series_classifier(("local", "wavelets")).fit(X, y)
    with pytest.raises(ValueError, match="alphas"):
        make_time_series_classifier(alphas=[-1.0]).fit(X, y)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :20])


def test_pickle_round_trip():
    import pickle

    rng = np.random.default_rng(8)
    X, y = tones(5, 40, 3, rng)
    clf = make_time_series_classifier(random_state=0).fit(X, y)
    clone_ = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone_.decision_function(X), clf.decision_function(X))


@parametrize_with_checks(
    [
        TimeSeriesClassifier(random_state=0),
        TimeSeriesFeatures(random_state=0),
        BandQuantileFeatures(J=2, random_state=0),
        SeriesLevel(),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
