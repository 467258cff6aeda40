"""Scattering1D: Kymatio 0.3 parity, the properties of the transform, the estimator contract."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat.scattering import Scattering1D, ScatteringNormalizer, normalize_scattering
from tests.conftest import relative_error


def kymatio_s1d(kymatio, X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # average= deprecation, border warnings
        S = kymatio.Scattering1D(shape=X.shape[-1], **kwargs)
        return S, S(X)


# -- Kymatio parity ---------------------------------------------------------
@pytest.mark.parametrize("J", [4, 6, 8])
@pytest.mark.parametrize("Q", [1, 4, 8, 12, (8, 2), (4, 4)])
@pytest.mark.parametrize("size", ["pow2", "odd"])
def test_parity_with_kymatio(kymatio_numpy, rng, J, Q, size):
    N = 2**J * 8 if size == "pow2" else 2**J * 5 + 37
    X = rng.standard_normal((2, N))
    _, ref = kymatio_s1d(kymatio_numpy, X, J=J, Q=Q)
    ref = ref.reshape(2, -1)
    est = Scattering1D(J=J, Q=Q).fit(X)
    out = est.transform(X)
    assert out.shape == ref.shape == (2, est.n_features_out_)
    assert out.dtype == np.float64
    assert relative_error(out, ref) <= 1e-6
    out32 = est.transform(X.astype(np.float32))
    assert out32.dtype == np.float32
    assert relative_error(out32, ref) <= 1e-4


@pytest.mark.parametrize(
    "J, Q, T, N, max_order",
    [
        (6, 8, 20, 1000, 2),
        (6, 8, 100, 1000, 2),
        (6, 4, None, 1000, 1),
        (4, 1, 3, 50, 2),
        (6, 1, None, 63, 2),  # shorter than 2**J, where Kymatio still works
        (5, 2, None, 33, 2),
    ],
)
def test_parity_options(kymatio_numpy, rng, J, Q, T, N, max_order):
    X = rng.standard_normal((3, N))
    _, ref = kymatio_s1d(kymatio_numpy, X, J=J, Q=Q, T=T, max_order=max_order)
    out = Scattering1D(J=J, Q=Q, T=T, max_order=max_order).fit_transform(X)
    assert relative_error(out, ref.reshape(3, -1)) <= 1e-6


def test_numba_agrees_with_numpy(rng):
    X = rng.standard_normal((3, 700))
    ref = Scattering1D(J=5, Q=4, backend="numpy").fit_transform(X)
    out = Scattering1D(J=5, Q=4, backend="numba").fit_transform(X)
    assert relative_error(out, ref) <= 1e-12


def test_unaveraged_matches_kymatio_at_its_samples(kymatio_numpy, rng):
    """average=False: full rate on the input's samples; Kymatio's T=0 output
    is the same at the samples it keeps (order 2 up to the aliasing of
    Kymatio's intermediate sub-sampling)."""
    N, J, Q = 1000, 6, 8
    X = rng.standard_normal((2, N))
    ky, ref = kymatio_s1d(kymatio_numpy, X, J=J, Q=Q, T=0, average=False, out_type="list")
    est = Scattering1D(J=J, Q=Q, average=False).fit(X)
    assert est.n_times_ == N and not est.average_
    out = est.transform(X).reshape(2, est.n_paths_, N)
    np.testing.assert_array_equal(out[:, 0], X)
    assert len(ref) == est.n_paths_
    worst = {1: 0.0, 2: 0.0}
    for c, d in enumerate(ref[1:], 1):
        k = d["j"][-1]
        coef = d["coef"]
        samples = (ky.ind_start[k] + np.arange(coef.shape[-1])) * 2**k - ky.pad_left
        err = relative_error(out[:, c, samples], coef)
        worst[len(d["n"])] = max(worst[len(d["n"])], err)
    assert worst[1] <= 1e-6
    assert worst[2] <= 1e-2


def test_T_zero_means_unaveraged(rng):
    X = rng.standard_normal((2, 300))
    a = Scattering1D(J=5, T=0).fit_transform(X)
    b = Scattering1D(J=5, average=False).fit_transform(X)
    np.testing.assert_array_equal(a, b)


# -- short and odd signals ----------------------------------------------------
@pytest.mark.parametrize("N", [1, 2, 3, 5, 7, 17, 40, 63])
@pytest.mark.parametrize("average", [True, False])
def test_short_signals_never_crash(rng, N, average):
    X = rng.standard_normal((3, N))
    est = Scattering1D(J=6, Q=4, average=average).fit(X)
    out = est.transform(X)
    assert np.isfinite(out).all()
    assert out.shape == (3, est.n_paths_ * (1 if average and N < 64 else est.n_times_))
    if average:
        assert est.n_times_ == 1
        # one low-pass average: a constant signal gives its value at order 0
        c = est.transform(np.full((1, N), 2.5))
        np.testing.assert_allclose(c[0, 0], 2.5, rtol=1e-6)
    else:
        assert est.n_times_ == N


def test_short_signal_output_is_centred_average(rng):
    """Where Kymatio returns no sample (N=40 < 2**J), one: the window nearest the centre."""
    est = Scattering1D(J=6).fit(np.zeros((1, 40)))
    assert est.n_times_ == 1 and est.padded_length_ == 64
    # the padded grid holds one window; its centre may lie in the padding
    assert abs(est.meta_["time"][0] - 20) <= 2**6 / 2


def test_T_larger_than_signal_is_padded(rng):
    X = rng.standard_normal((2, 100))
    out = Scattering1D(J=4, T=256).fit_transform(X)
    assert np.isfinite(out).all() and out.shape[1] == Scattering1D(J=4).fit(X).n_paths_


# -- properties ------------------------------------------------------------------
def _packets(rng, n, N, width=150.0):
    t = np.arange(N)
    return rng.standard_normal((n, N)) * np.exp(-0.5 * ((t - N / 2) / width) ** 2)


def _relative_change(a, b):
    return np.linalg.norm(a - b, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.parametrize("shift", [1, 4, 16, 32, 48])
def test_shift_invariance_non_circular(rng, shift):
    """Zero-filled shifts of localised signals change the coefficients by
    O(shift / 2**J), far less than they change the signal."""
    J, N = 6, 2048
    X = _packets(rng, 4, N)
    Xs = np.zeros_like(X)
    Xs[:, shift:] = X[:, :-shift]
    est = Scattering1D(J=J, Q=8).fit(X)
    change = _relative_change(est.transform(Xs), est.transform(X))
    assert change.max() <= 0.5 * shift / 2**J
    assert _relative_change(Xs, X).min() > 1.0


@pytest.mark.parametrize("shift", [1, 4, 16, 32])
def test_shift_invariance_circular(rng, shift):
    """np.roll of stationary noise: interior coefficients change by O(shift / 2**J)."""
    J, N = 6, 2048
    X = rng.standard_normal((4, N))
    est = Scattering1D(J=J, Q=8).fit(X)
    S = est.transform(X).reshape(4, est.n_paths_, -1)[..., 3:-3].reshape(4, -1)
    Ss = est.transform(np.roll(X, shift, axis=1)).reshape(4, est.n_paths_, -1)
    change = _relative_change(Ss[..., 3:-3].reshape(4, -1), S)
    assert change.max() <= 0.5 * shift / 2**J + 0.01


def test_shift_by_window_translates_output(rng):
    """A shift by exactly 2**J moves the averaged output by one sample."""
    J, N = 6, 2048
    X = _packets(rng, 3, N)
    est = Scattering1D(J=J, Q=4).fit(X)
    S = est.transform(X).reshape(3, est.n_paths_, -1)
    Ss = est.transform(np.roll(X, 2**J, axis=1)).reshape(3, est.n_paths_, -1)
    assert relative_error(Ss[..., 1:], S[..., :-1]) <= 1e-5


def test_deformation_stability(rng):
    """A small time warp x(t - eps (t - c)^2 / N) changes the coefficients much
    less than the signal, and about linearly in eps (the warp's gradient)."""
    N, J = 2048, 6
    t = np.arange(N, dtype=float)
    spectrum = np.fft.rfft(rng.standard_normal((4, N)))
    spectrum[:, np.fft.rfftfreq(N) > 0.05] = 0  # smooth enough for np.interp
    X = np.fft.irfft(spectrum, n=N) * np.exp(-0.5 * ((t - N / 2) / 300.0) ** 2)
    est = Scattering1D(J=J, Q=8).fit(X)
    S = est.transform(X)
    changes = []
    for eps in (0.01, 0.02):
        tau = eps * (t - N / 2) ** 2 / N
        Xw = np.stack([np.interp(t - tau, t, x) for x in X])
        raw = _relative_change(Xw, X)
        changes.append(_relative_change(est.transform(Xw), S))
        assert changes[-1].max() < 0.25 * raw.min()
    ratio = changes[1] / changes[0]
    assert np.all((ratio > 1.5) & (ratio < 2.6))


def test_contraction(rng):
    X, Y = rng.standard_normal((2, 6, 1024))
    est = Scattering1D(J=6, Q=8).fit(X)
    dS = np.linalg.norm(est.transform(X) - est.transform(Y), axis=1)
    assert np.all(dS <= np.linalg.norm(X - Y, axis=1))


@pytest.mark.parametrize("J, Q", [(8, 8), (6, 1), (6, 4), (8, 12)])
def test_tone_peaks_at_nearest_filter(J, Q):
    """A pure tone's first-order energy (S / gain) peaks at the filter whose xi
    is nearest its frequency: at centre frequencies and between them."""
    N = 4096
    t = np.arange(N)
    est = Scattering1D(J=J, Q=Q, max_order=1).fit(np.zeros((1, N)))
    meta = est.path_meta_
    first = meta["order"] == 1
    xi, gain = meta["xi1"][first], meta["gain"][first]
    mid = np.sqrt(xi[1:] * xi[:-1])
    freqs = np.concatenate([xi, mid * 2**0.1, mid * 2**-0.1])
    X = np.cos(2 * np.pi * freqs[:, None] * t)
    S = est.transform(X).reshape(len(freqs), est.n_paths_, -1)[:, first].mean(-1) / gain
    nearest = np.abs(xi[None] - freqs[:, None]).argmin(1)
    np.testing.assert_array_equal(S.argmax(1), nearest)


def test_chirp_energy_moves_across_paths():
    """Unaveraged first order of a descending exponential chirp: the path of
    largest modulus follows the instantaneous frequency over time."""
    N, J, Q = 4096, 6, 8
    t = np.arange(N)
    f0, f1 = 0.25, 0.01
    freq = f0 * (f1 / f0) ** (t / N)
    x = np.cos(2 * np.pi * np.cumsum(freq))[None]
    est = Scattering1D(J=J, Q=Q, max_order=1, average=False).fit(x)
    meta = est.path_meta_
    first = meta["order"] == 1
    U = est.transform(x).reshape(est.n_paths_, N)[first]
    times = np.arange(256, N - 256, 16)
    best = U[:, times].argmax(0)
    assert np.all(np.diff(best) >= 0)  # moves to lower frequencies only
    assert best[-1] - best[0] >= 20  # ... across many paths
    err = np.abs(np.log2(meta["xi1"][first][best] / freq[times]))
    assert err.max() <= 0.35  # within about a third of an octave


# -- metadata ----------------------------------------------------------------
def test_meta_matches_kymatio(kymatio_numpy):
    J, Q = 6, (8, 2)
    ky, _ = kymatio_s1d(kymatio_numpy, np.zeros((1, 512)), J=J, Q=Q)
    km = ky.meta()
    est = Scattering1D(J=J, Q=Q).fit(np.zeros((1, 512)))
    pm = est.path_meta_
    np.testing.assert_array_equal(pm["order"], km["order"])
    for field in ("xi", "sigma", "j", "n"):
        for i in (1, 2):
            np.testing.assert_array_equal(pm[f"{field}{i}"], km[field][:, i - 1])


def test_meta_and_feature_names(rng):
    X = rng.standard_normal((2, 1000))
    est = Scattering1D(J=6, Q=4).fit(X)
    names = est.get_feature_names_out()
    meta = est.meta_
    assert len(names) == len(set(names)) == est.n_features_out_
    for key in ("order", "n1", "n2", "j1", "j2", "xi1", "xi2", "sigma1", "sigma2", "gain"):
        assert meta[key].shape == (est.n_features_out_,)
    assert names[0] == "order0_t=0"
    c = est.n_times_ * 5 + 2
    assert names[c] == "order1_n1=4_t=2"
    assert meta["n1"][c] == 4 and meta["t"][c] == 2 and meta["path"][c] == 5
    assert meta["time"][c] == meta["time"][est.n_times_ * 5] + 2 * 2**6
    second = np.flatnonzero(meta["order"] == 2)[0]
    assert names[second].startswith("order2_n1=0_n2=")
    assert meta["xi2"][second] < meta["xi1"][second]
    # output time samples sit on the signal
    assert meta["time"].min() >= 0 and meta["time"].max() < 1000


def test_set_output_pandas(rng):
    pd = pytest.importorskip("pandas")
    X = rng.standard_normal((3, 256))
    est = Scattering1D(J=4).set_output(transform="pandas").fit(X)
    df = est.transform(X)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(est.get_feature_names_out())
    assert pd.DataFrame(est.meta_).shape == (est.n_features_out_, len(est.meta_))


# -- estimator contract -------------------------------------------------------
@parametrize_with_checks([Scattering1D(), ScatteringNormalizer(Scattering1D())])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_clone_pickle_and_set_params_rebuild(rng):
    X = rng.standard_normal((3, 512))
    est = Scattering1D(J=4, Q=2).fit(X)
    out4 = est.transform(X)
    blob = pickle.dumps(est)
    assert len(blob) < 20_000  # the filter bank is not pickled
    np.testing.assert_array_equal(pickle.loads(blob).transform(X), out4)
    est.set_params(J=6, Q=8).fit(X)
    np.testing.assert_array_equal(est.transform(X), Scattering1D(J=6, Q=8).fit_transform(X))
    assert est.transform(X).shape != out4.shape
    assert est.filters_.J == 6 and est.filters_.Q == (8, 1)
    c = clone(est)
    assert c.get_params() == est.get_params() and not hasattr(c, "n_features_out_")


def test_batches_and_threads_do_not_change_results(rng):
    X = rng.standard_normal((7, 500))
    ref = Scattering1D(J=5, Q=4).fit_transform(X)
    np.testing.assert_array_equal(Scattering1D(J=5, Q=4, batch_size=2).fit_transform(X), ref)
    np.testing.assert_allclose(
        Scattering1D(J=5, Q=4, n_jobs=2).fit_transform(X), ref, rtol=1e-12, atol=1e-15
    )


def test_input_not_modified(rng):
    X = rng.standard_normal((2, 100))
    X0 = X.copy()
    Scattering1D(J=4).fit(X).transform(X)
    np.testing.assert_array_equal(X, X0)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"shape": 99}, "shape"),
        ({"Q": (1, 2, 3)}, "Q must be"),
        ({"Q": (0, 1)}, "Q must be"),
        ({"average": False, "T": 16}, "average=False"),
    ],
)
def test_bad_parameters(rng, params, match):
    with pytest.raises(ValueError, match=match):
        Scattering1D(**params).fit(rng.standard_normal((2, 100)))


def test_bad_input(rng):
    est = Scattering1D(J=4).fit(rng.standard_normal((2, 100)))
    with pytest.raises(ValueError, match="features"):
        est.transform(rng.standard_normal((2, 101)))
    with pytest.raises(ValueError, match="NaN|infinity"):
        est.transform(np.full((1, 100), np.nan))
    with pytest.raises(ValueError, match="[Cc]omplex"):
        est.transform(np.ones((1, 100), dtype=complex))


def test_q_forms():
    X = np.zeros((1, 256))
    a = Scattering1D(J=5, Q=4).fit(X)
    assert a.Q_ == (4, 1)
    assert Scattering1D(J=5, Q=(4,)).fit(X).Q_ == (4, 1)
    assert Scattering1D(J=5, Q=[4, 2]).fit(X).Q_ == (4, 2)


# -- normalisation ----------------------------------------------------------------
def test_normalizer_renormalises_and_logs(rng):
    X = rng.standard_normal((3, 1024))
    est = Scattering1D(J=6, Q=4).fit(X)
    S = est.transform(X)
    pm, nt = est.path_meta_, est.n_times_
    eps = 1e-6
    R = normalize_scattering(S, pm, nt, renormalize=True, log=None, eps=eps).reshape(3, -1, nt)
    S3 = S.reshape(3, -1, nt)
    c = np.flatnonzero(pm["order"] == 2)[7]
    parent = 1 + int(pm["n1"][c])
    np.testing.assert_allclose(R[:, c], S3[:, c] / (S3[:, parent] + eps))
    np.testing.assert_array_equal(R[:, : parent + 1], S3[:, : parent + 1])
    L = normalize_scattering(S, pm, nt, renormalize=False, log="log1p", eps=eps).reshape(3, -1, nt)
    np.testing.assert_array_equal(L[:, 0], S3[:, 0])  # order 0 is signed: untouched
    np.testing.assert_allclose(L[:, 1:], np.log1p(S3[:, 1:] / eps))
    L2 = normalize_scattering(S, pm, nt, renormalize=False, log="log", eps=eps).reshape(3, -1, nt)
    np.testing.assert_allclose(L2[:, 1:], np.log(S3[:, 1:] + eps))

    norm = ScatteringNormalizer(Scattering1D(J=6, Q=4), eps=eps).fit(X)
    np.testing.assert_allclose(
        norm.transform(X),
        normalize_scattering(S, pm, nt, renormalize=True, log="log1p", eps=eps),
    )
    assert list(norm.get_feature_names_out()) == list(est.get_feature_names_out())
    assert norm.get_params()["scattering__J"] == 6
    assert norm.transform(X.astype(np.float32)).dtype == np.float32


def test_renormalised_second_order_is_gain_invariant(rng):
    """S2 / S1 does not change when the signal is scaled (away from eps)."""
    X = rng.standard_normal((2, 1024))
    norm = ScatteringNormalizer(Scattering1D(J=6, Q=4), log=None, eps=1e-12).fit(X)
    est = norm.scattering_
    second = np.repeat(est.path_meta_["order"] == 2, est.n_times_)
    a, b = norm.transform(X), norm.transform(10.0 * X)
    np.testing.assert_allclose(a[:, second], b[:, second], rtol=1e-8)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_filter_chunks_do_not_change_results(monkeypatch, rng, backend):
    """Groups computed in chunks of first-order filters give the same numbers."""
    import skscat.scattering.core1d as core1d

    X = rng.standard_normal((3, 600))
    est = Scattering1D(J=5, Q=4, backend=backend).fit(X)
    whole = est.transform(X)
    monkeypatch.setattr(core1d, "_BLOCK_BYTES", 1)  # one filter at a time
    np.testing.assert_array_equal(est.transform(X), whole)
