"""TimeFrequencyScattering: Kymatio main parity, what it sees, gradients, the estimator contract."""

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat import TimeFrequencyScattering
from skscat.gradients import value_and_grad
from tests.backends.test_cupy_backend import (
    cupy_standin,  # noqa: F401 (fixture)
    gpu,
    requires_gpu,
)
from tests.conftest import relative_error

REFERENCE = Path(__file__).with_name("data") / "jtfs_reference.npz"


def _cases():
    with np.load(REFERENCE) as data:
        n = sum(1 for k in data.files if k.endswith("_params"))
        cases = []
        for i in range(n):
            params = json.loads(str(data[f"case{i}_params"]))
            params.pop("N")
            if isinstance(params.get("Q"), list):
                params["Q"] = tuple(params["Q"])
            extra = {k: data[f"case{i}_{k}"] for k in ("keys", "spin") if f"case{i}_{k}" in data}
            cases.append((params, data[f"case{i}_x"], data[f"case{i}_S"], extra))
    return cases


CASES = _cases()
IDS = [f"case{i}" for i in range(len(CASES))]


def chirp(N, f0, f1):
    """A linear chirp from ``f0`` to ``f1`` cycles per sample under a Hann window."""
    t = np.arange(N)
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * N))
    return np.cos(phase) * np.hanning(N)


# -- Kymatio main parity (references from tests/scattering/make_jtfs_reference.py) ----
@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=IDS)
def test_parity_with_kymatio_main(case, backend):
    params, x, ref, _ = CASES[case]
    est = TimeFrequencyScattering(backend=backend, **params).fit(x)
    assert est.output_shape_ == ref.shape[1:]
    out = est.transform(x)
    assert out.dtype == np.float64
    # measured: at most 5e-16 of the largest coefficient
    assert relative_error(out, ref.reshape(len(x), -1)) <= 1e-13
    out32 = est.transform(x.astype(np.float32))
    assert out32.dtype == np.float32
    assert relative_error(out32, ref.reshape(len(x), -1)) <= 1e-5


@pytest.mark.parametrize("case", [i for i, c in enumerate(CASES) if "keys" in c[3]])
def test_meta_matches_kymatio_paths(case):
    params, x, _, extra = CASES[case]
    est = TimeFrequencyScattering(**params).fit(x)
    meta, nt = est.meta_, est.n_times_
    assert all(len(v) == est.n_features_out_ for v in meta.values())
    n1, n2, n_fr = (meta[k][::nt] for k in ("n1", "n2", "n_fr"))
    keys = extra["keys"]
    np.testing.assert_array_equal(n2, keys[:, 1])
    np.testing.assert_array_equal(n_fr, keys[:, 2])
    np.testing.assert_array_equal(meta["spin"][::nt], extra["spin"])
    # n1 is the filter at the centre of the row: Kymatio labels the rows of the
    # spin-0 paths by 2**J_fr even when they are sub-sampled by stride_fr < 2**J_fr
    quirk = (meta["spin"][::nt] == 0) & (meta["order"][::nt] > 0)
    if est.stride_fr_ < 2**est.J_fr:
        np.testing.assert_array_equal(n1[quirk] * 2**est.J_fr // est.stride_fr_, keys[quirk, 0])
        np.testing.assert_array_equal(n1[~quirk], keys[~quirk, 0])
    else:
        np.testing.assert_array_equal(n1, keys[:, 0])


def test_meta_and_feature_names():
    x = chirp(256, 0.02, 0.3)[None]
    est = TimeFrequencyScattering(J=5, J_fr=2, Q=4).fit(x)
    names = est.get_feature_names_out()
    meta = est.meta_
    assert len(names) == est.n_features_out_ == len(meta["order"])
    assert names[0] == "order0_t=0"
    order = meta["order"]
    assert np.all(np.diff(order) >= 0)  # orders 0, 1, 2 in turn
    assert set(meta["spin"][order == 1].tolist()) == {0, 1}  # order 1: spin >= 0 only
    assert set(meta["spin"][order == 2].tolist()) == {-1, 0, 1}
    assert np.all(meta["j2"][order == 2] > meta["j1"][order == 2])
    assert np.all(np.isnan(meta["xi_fr"][order == 0]))
    assert np.all(meta["xi_fr"][meta["spin"] == -1] < 0)
    i = int(np.flatnonzero(order == 2)[0])
    assert names[i] == f"order2_n1={meta['n1'][i]}_n2={meta['n2'][i]}_nfr={meta['n_fr'][i]}_t=0"
    # time: the input sample each coefficient is centred on, every stride_ samples
    t = meta["time"][: est.n_times_]
    assert np.all(np.diff(t) == est.stride_)


def test_joint_format_is_time_format_rearranged():
    x = chirp(256, 0.02, 0.3)[None]
    time = TimeFrequencyScattering(J=5, J_fr=2, Q=4).fit(x)
    joint = TimeFrequencyScattering(J=5, J_fr=2, Q=4, format="joint").fit(x)
    St, Sj = time.transform(x), joint.transform(x)
    mt, mj = time.meta_, joint.meta_
    # every time-format coefficient is in the joint array, at the same path and row
    index = {
        (o, a, b, f, t): v
        for o, a, b, f, t, v in zip(
            mj["order"], mj["n1"], mj["n2"], mj["n_fr"], mj["t"], Sj[0], strict=True
        )
    }
    found = [
        index[(o, a, b, f, t)]
        for o, a, b, f, t in zip(mt["order"], mt["n1"], mt["n2"], mt["n_fr"], mt["t"], strict=True)
        if o > 0
    ]
    np.testing.assert_allclose(found, St[0, mt["order"] > 0], rtol=0, atol=1e-14)


# -- what it sees -------------------------------------------------------------
def test_spins_separate_up_and_down_chirps():
    """A rising chirp puts its second-order energy in one spin, a falling one in the other."""
    N = 2048
    up, down = chirp(N, 0.01, 0.4), chirp(N, 0.4, 0.01)
    est = TimeFrequencyScattering(J=7, J_fr=3, Q=8).fit(up[None])
    spin = est.meta_["spin"]
    order2 = est.meta_["order"] == 2
    energy = {}
    for name, x in (("up", up), ("down", down)):
        S = est.transform(x[None])[0]
        energy[name] = {s: float(np.sum(S[order2 & (spin == s)] ** 2)) for s in (-1, 1)}
    # n1 runs from high to low frequencies, so a rising chirp moves towards
    # smaller n1 over time: spin +1 (measured ratios about 60)
    assert energy["up"][1] > 10 * energy["up"][-1]
    assert energy["down"][-1] > 10 * energy["down"][1]
    # time reversal exchanges the spins
    assert energy["up"][1] == pytest.approx(energy["down"][-1], rel=0.1)


def test_time_shift_invariance(rng):
    x = np.zeros(2048)
    x[900:1100] = chirp(200, 0.05, 0.3)
    est = TimeFrequencyScattering(J=8, J_fr=2, Q=4, stride=128).fit(x[None])
    S0 = est.transform(x[None])
    S1 = est.transform(np.roll(x, 8)[None])
    Sfar = est.transform(np.roll(x, 600)[None])
    small = np.linalg.norm(S1 - S0) / np.linalg.norm(S0)
    assert small < 0.1
    assert np.linalg.norm(Sfar - S0) / np.linalg.norm(S0) > 5 * small


def test_tone_has_no_second_order_modulation():
    """A stationary tone's spinned second order is far below an AM tone's."""
    N = 2048
    t = np.arange(N)
    tone = np.cos(2 * np.pi * 0.1 * t)
    am = tone * (1 + 0.9 * np.cos(2 * np.pi * t / 128))
    est = TimeFrequencyScattering(J=8, J_fr=2, Q=8).fit(tone[None])
    order2 = est.meta_["order"] == 2
    e_tone = np.sum(est.transform(tone[None])[0, order2] ** 2)
    e_am = np.sum(est.transform(am[None])[0, order2] ** 2)
    assert e_am > 20 * e_tone


# -- backends -------------------------------------------------------------------
def test_backends_agree_float32(rng):
    X = rng.standard_normal((3, 300)).astype(np.float32)
    ref = TimeFrequencyScattering(J=5, J_fr=2, Q=4, backend="numpy").fit_transform(X)
    out = TimeFrequencyScattering(J=5, J_fr=2, Q=4, backend="numba").fit_transform(X)
    assert out.dtype == np.float32
    assert relative_error(out, ref) <= 1e-5


@pytest.mark.parametrize("fmt", ["time", "joint"])
def test_cupy_logic_on_numpy_standin(rng, cupy_standin, fmt):  # noqa: F811
    X = rng.standard_normal((2, 300))
    params = dict(J=5, J_fr=2, Q=4, format=fmt)
    expected = TimeFrequencyScattering(backend="numpy", **params).fit_transform(X)
    got = TimeFrequencyScattering(backend="cupy", **params).fit_transform(X)
    assert relative_error(got, expected) <= 1e-13


@gpu
@requires_gpu
def test_cupy_matches_numpy_on_gpu(rng):
    import cupy

    X = rng.standard_normal((4, 1000))
    params = dict(J=6, J_fr=2, Q=8)
    expected = TimeFrequencyScattering(backend="numpy", **params).fit_transform(X)
    got = TimeFrequencyScattering(backend="cupy", **params).fit(X).transform(cupy.asarray(X))
    assert isinstance(got, cupy.ndarray)
    assert relative_error(cupy.asnumpy(got), expected) <= 1e-12


# -- gradients ------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        dict(J=4, J_fr=2, Q=2),
        dict(J=4, J_fr=1, Q=(2, 2), format="joint"),
        dict(J=4, J_fr=2, Q=2, F=0),
        dict(J=4, J_fr=2, Q=2, stride=4, F=2, stride_fr=1),
    ],
)
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_gradient_matches_finite_differences(rng, params, backend):
    X = rng.standard_normal((2, 70))
    est = TimeFrequencyScattering(backend=backend, **params).fit(X)
    cot = rng.standard_normal((2, est.n_features_out_))
    S, g = value_and_grad(est, X, cot)
    np.testing.assert_allclose(S, est.transform(X), rtol=0, atol=1e-14)
    d = rng.standard_normal(X.shape)
    eps = 1e-6
    fd = np.sum((est.transform(X + eps * d) - est.transform(X - eps * d)) * cot) / (2 * eps)
    # central differences in float64: about 1e-9 relative (measured)
    assert np.sum(g * d) == pytest.approx(fd, rel=1e-6)


def test_synthesis_matches_coefficients():
    from skscat import synthesize

    x = chirp(256, 0.05, 0.3)[None]
    est = TimeFrequencyScattering(J=5, J_fr=2, Q=4).fit(x)
    y = np.asarray(synthesize(est, x, n_iter=60, random_state=0)).reshape(1, -1)
    S0 = est.transform(x)
    noise = np.random.default_rng(0).standard_normal(x.shape) * x.std()
    before = np.linalg.norm(est.transform(noise) - S0)
    after = np.linalg.norm(est.transform(y) - S0)
    assert after < 0.3 * before


# -- estimator contract ---------------------------------------------------------
@parametrize_with_checks([TimeFrequencyScattering()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("N", [1, 2, 3, 7, 20, 63])
def test_short_signals_never_crash(rng, N):
    X = rng.standard_normal((2, N))
    est = TimeFrequencyScattering().fit(X)
    out = est.transform(X)
    assert out.shape == (2, est.n_features_out_)
    assert np.isfinite(out).all()
    assert est.n_times_ == 1


def test_clone_pickle_and_set_params_rebuild(rng):
    X = rng.standard_normal((2, 200))
    est = TimeFrequencyScattering(J=4, J_fr=1, Q=2).fit(X)
    ref = est.transform(X)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(X), ref)
    assert len(pickle.dumps(est)) < 20_000  # no filter arrays in the pickle
    other = clone(est).set_params(J_fr=2, Q=4).fit(X)
    assert other.n_features_out_ != est.n_features_out_
    expected = TimeFrequencyScattering(J=4, J_fr=2, Q=4).fit_transform(X)
    np.testing.assert_array_equal(other.transform(X), expected)


def test_batches_threads_and_dask_do_not_change_results(rng):
    da = pytest.importorskip("dask.array")
    X = rng.standard_normal((7, 150))
    ref = TimeFrequencyScattering(J=4, J_fr=2, Q=2).fit_transform(X)
    out = TimeFrequencyScattering(J=4, J_fr=2, Q=2, batch_size=2, n_jobs=2).fit_transform(X)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-14)
    est = TimeFrequencyScattering(J=4, J_fr=2, Q=2).fit(X)
    lazy = est.transform(da.from_array(X, chunks=(3, 150)))
    np.testing.assert_allclose(lazy.compute(), ref, rtol=0, atol=1e-14)


def test_set_output_pandas(rng):
    pytest.importorskip("pandas")
    X = rng.standard_normal((2, 100))
    est = TimeFrequencyScattering(J=4, J_fr=1, Q=2).set_output(transform="pandas").fit(X)
    df = est.transform(X)
    assert list(df.columns) == list(est.get_feature_names_out())


def test_input_not_modified(rng):
    X = rng.standard_normal((2, 100))
    copy = X.copy()
    TimeFrequencyScattering(J=4, J_fr=1, Q=2).fit(X).transform(X)
    np.testing.assert_array_equal(X, copy)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(stride=3), "power of two"),
        (dict(T=16, stride=32), "exceeds the averaging window"),
        (dict(stride_fr=3), "power of two"),
        (dict(F=0, stride_fr=2), "F=0"),
        (dict(F=0, format="joint"), "F=0"),
        (dict(J_fr=2, F=16, format="joint"), "stride_fr <= 2\\*\\*J_fr"),
        (dict(Q=(2, 0)), "Q must be"),
        (dict(format="both"), "format"),
        (dict(shape=99), "shape=99"),
    ],
)
def test_bad_parameters(rng, params, match):
    X = rng.standard_normal((2, 100))
    with pytest.raises(ValueError, match=match):
        TimeFrequencyScattering(**{"J": 4, **params}).fit(X)


def test_bad_input(rng):
    X = rng.standard_normal((2, 100))
    est = TimeFrequencyScattering(J=4, J_fr=1, Q=2).fit(X)
    bad = X.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.transform(bad)
    with pytest.raises(ValueError, match="100 features"):
        est.transform(X[:, :50])
    with pytest.raises(ValueError, match="Complex data"):
        est.transform(X + 1j)
    with pytest.raises(ValueError, match="strings"):
        est.transform(X.astype(str))
    with pytest.raises(ValueError, match="0 sample"):
        est.transform(X[:0])
