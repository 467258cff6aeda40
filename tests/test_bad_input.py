"""The bad-input matrix: every public estimator, at fit and at transform.

Each bad input gets either a correct, finite result or a ValueError/TypeError
whose message names the problem (asserted with ``match=``); never another
exception type, a NaN in the output, or a modified input array.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone

from skscat._base import ShapeWarning
from skscat.gradients import synthesize
from skscat.metrics import neural_collapse
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

pd = pytest.importorskip("pandas")

# name -> (unfitted estimator, n_features)
ESTIMATORS = {
    "Scattering1D": (Scattering1D(J=3, backend="numpy"), 32),
    "Scattering2D": (Scattering2D(J=2, L=4, shape=(8, 8), backend="numpy"), 64),
    "RotoTranslationScattering2D": (
        RotoTranslationScattering2D(J=2, L=4, shape=(8, 8), backend="numpy"),
        64,
    ),
    "PhaseHarmonics1D": (PhaseHarmonics1D(J=3, backend="numpy"), 32),
    "PhaseHarmonics2D": (PhaseHarmonics2D(J=2, L=4, shape=(8, 8), backend="numpy"), 64),
    "SparseCoding": (
        SparseCoding(n_atoms=6, alpha=0.1, n_epochs=2, random_state=0, backend="numpy"),
        16,
    ),
    "ScatteringNormalizer": (ScatteringNormalizer(Scattering1D(J=3, backend="numpy")), 32),
    "TimeFrequencyScattering": (TimeFrequencyScattering(J=3, J_fr=1, Q=2, backend="numpy"), 32),
    "HarmonicScattering3D": (
        HarmonicScattering3D(J=1, L=2, shape=(8, 8, 8), backend="numpy"),
        512,
    ),
}
NAMES = list(ESTIMATORS)


def make(name, **params):
    est, n_features = ESTIMATORS[name]
    return clone(est).set_params(**params), n_features


def data(n_features, n=5, seed=0):
    return np.random.default_rng(seed).standard_normal((n, n_features))


def fitted(name):
    est, p = make(name)
    X = data(p)
    return est.fit(X), X


def check_result(Y, n_samples, est):
    Y = np.asarray(Y)
    assert Y.shape == (n_samples, est.n_features_out_)
    assert np.isfinite(Y).all(), "NaN or inf in the output"
    return Y


# -- bad X: a clear error, at fit and at transform ------------------------------
NAN_MSG = "NaN|infinity"


def _with(value):
    def f(X):
        X = X.copy()
        X[1, 2] = value
        return X

    return f


BAD_X = {
    "nan": (_with(np.nan), ValueError, NAN_MSG),
    "inf": (_with(np.inf), ValueError, NAN_MSG),
    "-inf": (_with(-np.inf), ValueError, NAN_MSG),
    "nan_float32": (lambda X: _with(np.nan)(X).astype(np.float32), ValueError, NAN_MSG),
    "empty_rows": (lambda X: X[:0], ValueError, "0 sample"),
    "1d": (lambda X: X[0], ValueError, r"2D array.*1-D.*reshape"),
    "3d": (lambda X: X[:, None, :], ValueError, r"2D array.*3-D.*reshape"),
    "3d_list": (lambda X: X[:, None, :].tolist(), ValueError, r"2D array.*3-D"),
    "complex": (lambda X: X + 1j, ValueError, r"Complex data not supported.*X\.real"),
    "complex_zero_imag": (lambda X: X.astype(complex), ValueError, "Complex data"),
    "str_numbers": (lambda X: X.astype(str), ValueError, r"strings.*dtype"),
    "bytes_numbers": (lambda X: X.astype(bytes), ValueError, "strings"),
    "list_of_str": (lambda X: X.astype(str).tolist(), ValueError, "strings"),
    "object_str": (lambda X: X.astype(str).astype(object), ValueError, "strings"),
    "object_one_str": (
        lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, "7", X.astype(object)),
        ValueError,
        "strings",
    ),
    "object_dict": (
        lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, {"a": 1}, X.astype(object)),
        TypeError,
        "must be a string or a real number|float",
    ),
    "dataframe_str": (
        lambda X: pd.DataFrame(X.astype(str).astype(object)),
        ValueError,
        "strings",
    ),
    "dataframe_string_dtype": (lambda X: pd.DataFrame(X).astype("string"), ValueError, "strings"),
    "dataframe_category_str": (
        lambda X: pd.DataFrame(X.astype(str)).astype("category"),
        ValueError,
        "strings",
    ),
    "numpy_StringDType": (
        lambda X: X.astype(np.dtypes.StringDType()),
        ValueError,
        "strings",
    ),
    "ragged_list": (lambda X: [list(X[0]), list(X[1][:-1])], ValueError, "inhomogeneous|sequence"),
    "csr": (lambda X: scipy.sparse.csr_matrix(X), TypeError, r"[Ss]parse.*dense.*toarray"),
    "csc": (lambda X: scipy.sparse.csc_array(X), TypeError, r"[Ss]parse.*dense.*toarray"),
    "none": (lambda X: None, (TypeError, ValueError), "None|array"),
    "scalar": (lambda X: 3.0, ValueError, "2D array"),
}


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("name", NAMES)
def test_bad_X_at_fit(name, case):
    make_bad, exc, match = BAD_X[case]
    est, p = make(name)
    X_bad = make_bad(data(p))
    with pytest.raises(exc, match=match):
        est.fit(X_bad)


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("name", NAMES)
def test_bad_X_at_transform(name, case):
    make_bad, exc, match = BAD_X[case]
    est, X = fitted(name)
    X_bad = make_bad(X)
    with pytest.raises(exc, match=match):
        est.transform(X_bad)


@pytest.mark.parametrize("name", NAMES)
def test_no_features_at_fit(name):
    est, _ = make(name)
    with pytest.raises(ValueError, match="0 feature"):
        est.fit(np.zeros((3, 0)))


@pytest.mark.parametrize("delta", [-1, 1])
@pytest.mark.parametrize("name", NAMES)
def test_wrong_n_features_at_transform(name, delta):
    est, X = fitted(name)
    p = X.shape[1]
    with pytest.raises(ValueError, match=rf"{p + delta} features.*expecting {p}"):
        est.transform(data(p + delta))


# -- accepted inputs: the same result as the float array ------------------------
def _same(Y, ref, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(Y, dtype=np.float64), ref, rtol=rtol, atol=atol)


ACCEPTED = {
    # As in scikit-learn: float32 stays float32, everything else is computed in float64.
    "list": (lambda X: X.tolist(), np.float64),
    "tuple_of_lists": (lambda X: tuple(map(list, X)), np.float64),
    "object_numbers": (lambda X: X.astype(object), np.float64),
    "dataframe": (lambda X: pd.DataFrame(X), np.float64),
    "dataframe_named": (
        lambda X: pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])]),
        np.float64,
    ),
    "fortran": (lambda X: np.asfortranarray(X), np.float64),
    "strided": (lambda X: np.repeat(X, 2, axis=1)[:, ::2], np.float64),
    "float32": (lambda X: X.astype(np.float32), np.float32),
    "int64": (lambda X: np.round(X * 4).astype(np.int64), np.float64),
    "int8": (lambda X: np.round(X * 4).astype(np.int8), np.float64),
    "uint8": (lambda X: (np.round(X * 4) + 20).astype(np.uint8), np.float64),
    "bool": (lambda X: X > 0, np.float64),
}


def _float_reference(X_in):
    """The float array ``X_in`` stands for."""
    if isinstance(X_in, pd.DataFrame):
        X_in = X_in.to_numpy()
    return np.asarray(X_in, dtype=np.float64)


@pytest.mark.parametrize("case", list(ACCEPTED))
@pytest.mark.parametrize("name", NAMES)
def test_accepted_inputs_give_the_array_result(name, case):
    convert, dtype = ACCEPTED[case]
    est, p = make(name)
    X_in = convert(data(p))
    X_ref = _float_reference(X_in)
    # Compared with the same numbers as a float array of the dtype the input maps to,
    # fitted the same way: the same computation, so equal to rounding.
    ref_est = clone(est).fit(X_ref.astype(dtype))
    ref = ref_est.transform(X_ref.astype(dtype)).astype(np.float64)
    est.fit(X_in)
    Y = check_result(est.transform(X_in), X_ref.shape[0], est)
    assert Y.dtype == np.dtype(dtype)
    if dtype == np.float32:
        _same(Y, ref, rtol=1e-5, atol=1e-6)
    else:
        _same(Y, ref, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_lists_and_integers_are_computed_in_float64(name):
    """``transform(X.tolist())`` is ``transform(X)`` for float64 ``X``, and large
    integers keep their precision (float32 would round 2**24 + 1)."""
    est, p = make(name)
    X = data(p)
    Y = est.fit(X).transform(X)
    Y_list = est.transform(X.tolist())
    assert Y_list.dtype == np.float64
    np.testing.assert_array_equal(Y_list, Y)
    big = np.full((2, p), 2**24, dtype=np.int64)
    big[:, ::2] += 1
    np.testing.assert_array_equal(est.transform(big), est.transform(big.astype(np.float64)))


@pytest.mark.parametrize("name", NAMES)
def test_dask_integer_input_is_computed_in_float64(name):
    import dask.array as da

    est, p = make(name)
    X = np.round(data(p) * 4).astype(np.int64)
    est.fit(X)
    lazy = est.transform(da.from_array(X, chunks=(2, p)))
    assert lazy.dtype == np.float64
    Y = lazy.compute()
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(Y, est.transform(X.astype(np.float64)))


@pytest.mark.parametrize("name", NAMES)
def test_dataframe_fit_array_transform(name):
    est, p = make(name)
    X = data(p)
    ref = clone(est).fit(X).transform(X)
    est.fit(pd.DataFrame(X))
    _same(est.transform(X), ref)


# -- the input is never modified --------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_input_never_modified_and_read_only_accepted(name, dtype):
    est, p = make(name)
    X = data(p).astype(dtype)
    X.flags.writeable = False
    X_copy = X.copy()
    Y = check_result(est.fit(X).transform(X), len(X), est)
    np.testing.assert_array_equal(X, X_copy)
    # The output is a new, writeable array, not a view of the input.
    assert Y.flags.writeable and not np.shares_memory(Y, X)
    Y[:] = 0
    np.testing.assert_array_equal(X, X_copy)


@pytest.mark.parametrize("name", NAMES)
def test_dataframe_never_modified(name):
    est, p = make(name)
    df = pd.DataFrame(data(p))
    before = df.copy()
    est.fit(df).transform(df)
    pd.testing.assert_frame_equal(df, before)


# -- constant and all-zero inputs: finite output, no NaN ----------------------------
@pytest.mark.parametrize("value", [0.0, 1.0, -3.5, 1e30, 1e-30])
@pytest.mark.parametrize("name", NAMES)
def test_constant_input_gives_finite_output(name, value):
    est, p = make(name)
    X = np.full((4, p), value)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no 0/0 on the way
        Y = check_result(est.fit(X).transform(X), 4, est)
    assert np.all(Y == Y[0])  # identical rows, identical features


@pytest.mark.parametrize("name", NAMES)
def test_constant_transform_after_random_fit(name):
    est, X = fitted(name)
    Z = np.zeros_like(X)
    check_result(est.transform(Z), len(Z), est)


@pytest.mark.parametrize("name", NAMES)
def test_single_sample(name):
    est, p = make(name)
    X = data(p, n=1)
    check_result(est.fit(X).transform(X), 1, est)


# -- invalid hyper-parameters: a clear error at fit ---------------------------------
BAD_PARAMS = {
    "TimeFrequencyScattering": [
        ({"J": 0}, "'J' parameter"),
        ({"J_fr": -1}, "'J_fr' parameter"),
        ({"Q": (8, 0)}, "Q must be"),
        ({"Q_fr": 0}, "'Q_fr' parameter"),
        ({"T": 0}, "'T' parameter"),
        ({"F": -1}, "'F' parameter"),
        ({"stride": 3}, "power of two"),
        ({"stride_fr": 6}, "power of two"),
        ({"format": "list"}, "'format' parameter"),
        ({"shape": 31}, "shape=31"),
    ],
    "Scattering1D": [
        ({"J": 0}, "'J' parameter"),
        ({"J": -2}, "'J' parameter"),
        ({"J": 2.5}, "'J' parameter"),
        ({"Q": 0}, "Q must be|'Q' parameter"),
        ({"Q": -1}, "Q must be|'Q' parameter"),
        ({"Q": (8, 0)}, "Q must be"),
        ({"Q": (1, 2, 3)}, "Q must be"),
        ({"T": -1}, "'T' parameter"),
        ({"max_order": 0}, "'max_order' parameter"),
        ({"max_order": 3}, "'max_order' parameter"),
        ({"backend": "bogus"}, "'backend' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"batch_size": "big"}, "'batch_size' parameter"),
        ({"shape": 0}, "'shape' parameter|shape must"),
        ({"shape": 31}, "shape=31"),
        ({"average": False, "T": 4}, "average=False"),
    ],
    "Scattering2D": [
        ({"J": 0}, "'J' parameter"),
        ({"J": -1}, "'J' parameter"),
        ({"L": 0}, "'L' parameter"),
        ({"L": -4}, "'L' parameter"),
        ({"max_order": 3}, "'max_order' parameter"),
        ({"nonlinearity": "tanh"}, "'nonlinearity' parameter"),
        ({"nonlinearity": "relu", "n_phases": 0}, "'n_phases' parameter"),
        ({"n_phases": -1}, "'n_phases' parameter"),
        ({"backend": "bogus"}, "'backend' parameter"),
        ({"shape": (4, 4)}, r"shape=\(4, 4\).*n_features"),
        ({"shape": (16, 16)}, r"shape=\(16, 16\).*n_features"),
        ({"shape": (8, 8, 1)}, "shape must be"),
        ({"shape": (8, -8)}, "shape must be"),
        ({"shape": (8.0, 8.0)}, "shape must be"),
        ({"shape": "8x8"}, "'shape' parameter"),
    ],
    "RotoTranslationScattering2D": [
        ({"J": 0}, "'J' parameter"),
        ({"L": 0}, "'L' parameter"),
        ({"max_order": 3}, "'max_order' parameter"),
        ({"angle_window": 0}, "'angle_window' parameter"),
        ({"angle_window": 3}, "angle_window=3 does not divide L=4"),
        ({"shape": (4, 4)}, r"shape=\(4, 4\).*n_features"),
        ({"shape": (8, -8)}, "shape must be"),
    ],
    "PhaseHarmonics1D": [
        ({"J": 0}, "'J' parameter"),
        ({"J": -1}, "'J' parameter"),
        ({"J": 6}, r"J=6 needs.*2\*\*J"),
        ({"delta_n": -1}, "'delta_n' parameter"),
        ({"moments": ("S11", "bogus")}, "bogus"),
        ({"normalize": "bogus"}, "'normalize' parameter"),
        ({"backend": "bogus"}, "'backend' parameter"),
        ({"shape": 16}, "shape=16"),
    ],
    "PhaseHarmonics2D": [
        ({"J": 0}, "'J' parameter"),
        ({"J": 4}, r"J=4 needs.*2\*\*J"),
        ({"L": 0}, "'L' parameter"),
        ({"L": -1}, "'L' parameter"),
        ({"delta_n": -1}, "'delta_n' parameter"),
        ({"wavelet": "haar"}, "'wavelet' parameter"),
        ({"moments": ()}, "moment"),
        ({"normalize": "bogus"}, "'normalize' parameter"),
        ({"backend": "bogus"}, "'backend' parameter"),
        ({"shape": (4, 4)}, r"shape=\(4, 4\).*n_features"),
    ],
    "SparseCoding": [
        ({"alpha": 0}, "'alpha' parameter"),
        ({"alpha": -1.0}, "'alpha' parameter"),
        ({"alpha": np.nan}, "'alpha' parameter"),
        ({"n_atoms": 0}, "'n_atoms' parameter"),
        ({"solver": "lars"}, "'solver' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"tol": -1.0}, "'tol' parameter"),
        ({"n_iter": 0}, "'n_iter' parameter"),
        ({"n_epochs": 0}, "'n_epochs' parameter"),
        ({"backend": "bogus"}, "'backend' parameter"),
        ({"n_atoms": None, "dictionary": np.full((4, 16), np.nan)}, "NaN or infinity"),
        ({"n_atoms": None, "dictionary": np.full((4, 16), np.inf)}, "NaN or infinity"),
        ({"n_atoms": None, "dictionary": np.ones((4, 15))}, r"15 columns.*16 features"),
        ({"n_atoms": None, "dictionary": np.ones((4, 17))}, r"17 columns.*16 features"),
        ({"n_atoms": None, "dictionary": np.ones(16)}, "2-D"),
        ({"n_atoms": None, "dictionary": np.ones((0, 16))}, "no atoms"),
        ({"n_atoms": None, "dictionary": np.zeros((4, 16))}, "all zeros"),
        ({"n_atoms": None, "dictionary": np.ones((4, 16)) + 1j}, "real numeric|[Cc]omplex"),
        ({"n_atoms": None, "dictionary": np.ones((4, 16)).astype(str)}, "string"),
        ({"n_atoms": 5, "dictionary": np.eye(4, 16)}, "n_atoms=5"),
    ],
    "ScatteringNormalizer": [
        ({"eps": 0}, "'eps' parameter"),
        ({"eps": -1.0}, "'eps' parameter"),
        ({"log": "log10"}, "'log' parameter"),
        ({"scattering": "Scattering1D"}, "'scattering' parameter"),
        ({"scattering__J": 0}, "'J' parameter"),
        ({"scattering__Q": 0}, "Q must be|'Q' parameter"),
    ],
}


def _param_cases():
    for name, cases in BAD_PARAMS.items():
        for i, case in enumerate(cases):
            marks = ()
            if hasattr(case, "values"):  # a pytest.param with marks
                case, marks = case.values, case.marks
            params, match = case
            yield pytest.param(name, params, match, id=f"{name}-{i}", marks=marks)


BAD_PARAM_CASES = list(_param_cases())


@pytest.mark.parametrize(("name", "params", "match"), BAD_PARAM_CASES)
def test_invalid_hyper_parameter(name, params, match):
    est, p = make(name, **params)
    with pytest.raises((ValueError, TypeError), match=match):
        est.fit(data(p))


def test_sparse_dictionary_is_refused():
    D = scipy.sparse.csr_matrix(np.eye(4, 16))
    # scikit-learn's parameter validation refuses it first (InvalidParameterError
    # is both a ValueError and a TypeError).
    with pytest.raises(TypeError, match=r"'dictionary' parameter.*array-like"):
        SparseCoding(dictionary=D).fit(data(16))


def test_given_dictionary_is_not_modified():
    D = np.random.default_rng(1).standard_normal((6, 16))
    D.flags.writeable = False
    D_copy = D.copy()
    est = SparseCoding(dictionary=D, alpha=0.1, backend="numpy").fit(data(16))
    check_result(est.transform(data(16)), 5, est)
    np.testing.assert_array_equal(D, D_copy)


# -- small inputs: padded, never a crash ----------------------------------------------
@pytest.mark.parametrize(
    ("est", "n_features"),
    [
        (Scattering2D(J=3, L=4, shape=(4, 4)), 16),
        (Scattering2D(J=4, L=2, shape=(2, 3)), 6),
        (Scattering2D(J=2, L=4, shape=(1, 1)), 1),
        (Scattering2D(J=3, L=4, shape=(1, 20)), 20),
        (Scattering1D(J=6), 8),
        (Scattering1D(J=4), 1),
        (Scattering1D(J=6, average=False), 5),
        (PhaseHarmonics2D(L=4, shape=(2, 2)), 4),
        (RotoTranslationScattering2D(J=3, L=4, shape=(4, 4)), 16),
        (RotoTranslationScattering2D(J=2, L=4, shape=(1, 1), average=True), 1),
        (RotoTranslationScattering2D(J=3, L=4, shape=(1, 20)), 20),
        (PhaseHarmonics1D(), 2),
        (TimeFrequencyScattering(), 3),
        (TimeFrequencyScattering(J=4, J_fr=3, Q=1, format="joint"), 1),
    ],
    ids=repr,
)
def test_inputs_smaller_than_the_window(est, n_features):
    X = data(n_features, n=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShapeWarning)
        Y = check_result(est.fit(X).transform(X), 3, est)
    assert Y.size > 0


def test_shape_warning_when_not_square():
    with pytest.warns(ShapeWarning, match=r"shape=\(H, W\)"):
        Scattering2D(J=1, L=2).fit(data(6))


# -- resource bounds: a clear error, not an out-of-memory kill ----------------------
@pytest.mark.parametrize(
    "est",
    [
        Scattering1D(J=40),
        TimeFrequencyScattering(J=40),
        Scattering2D(J=30, L=4),
        Scattering2D(J=2, L=10**6),
        RotoTranslationScattering2D(J=2, L=10**5),
        Scattering2D(J=2, nonlinearity="relu", n_phases=10**5),
    ],
    ids=repr,
)
def test_absurd_size_is_a_clear_error(est):
    with pytest.raises(ValueError, match=r"single sample needs about .*iB.*available.*lower J"):
        est.fit(data(64, n=2))


def test_memory_check_names_size_and_fix(monkeypatch):
    import skscat._base as base

    est = Scattering2D(J=2, L=8, shape=(8, 8), backend="numpy")
    X = data(64)
    est.fit(X)
    per_sample = est._bytes_per_sample()
    # A machine with room for 3 samples: batch_size=10 is refused, 'auto' is not.
    monkeypatch.setattr(base, "available_memory_bytes", lambda: 3 * per_sample)
    with pytest.raises(ValueError, match=r"batch of 5 rows.*smaller batch_size \(at most 3\)"):
        clone(est).set_params(batch_size=10).fit(X).transform(X)
    check_result(est.transform(X), 5, est)
    # Room for less than one sample: refused at fit.
    monkeypatch.setattr(base, "available_memory_bytes", lambda: per_sample // 2)
    with pytest.raises(ValueError, match=r"at fit, a single sample needs"):
        clone(est).fit(X)
    # Unknown available memory: no check.
    monkeypatch.setattr(base, "available_memory_bytes", lambda: None)
    check_result(clone(est).fit(X).transform(X), 5, est)


def test_available_memory_is_positive():
    from skscat._base import available_memory_bytes

    available = available_memory_bytes()
    assert available is None or available > 0


# -- synthesize -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def synth_est():
    return Scattering2D(J=1, L=2, shape=(8, 8), backend="numpy").fit(data(64, n=1))


SYNTH_BAD_TARGET = {
    "nan": (lambda t: _with(np.nan)(t), ValueError, "NaN or infinity"),
    "inf": (lambda t: _with(np.inf)(t), ValueError, "NaN or infinity"),
    "empty": (lambda t: t[:0], ValueError, "empty"),
    "complex": (lambda t: t + 1j, ValueError, "real numeric.*real part"),
    "str": (lambda t: t.astype(str), ValueError, "real numeric"),
    "object": (lambda t: t.astype(object), ValueError, "real numeric"),
    "csr": (lambda t: scipy.sparse.csr_matrix(t), TypeError, "sparse.*toarray"),
    "wrong_size": (lambda t: t[:, :5], ValueError, "not a multiple"),
    "wrong_size_1d": (lambda t: t.ravel()[:63], ValueError, "not a multiple"),
}


@pytest.mark.parametrize("case", list(SYNTH_BAD_TARGET))
def test_synthesize_bad_target(synth_est, case):
    make_bad, exc, match = SYNTH_BAD_TARGET[case]
    target = data(64, n=1).reshape(8, 8)
    with pytest.raises(exc, match=match):
        synthesize(synth_est, make_bad(target), n_iter=2)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n_iter": 0}, ValueError, "n_iter"),
        ({"n_iter": -3}, ValueError, "n_iter"),
        ({"n_iter": 2.5}, ValueError, "n_iter"),
        ({"init": np.zeros((4, 4))}, ValueError, "init has shape"),
        ({"init": np.full((8, 8), np.nan)}, ValueError, "init contains NaN"),
        ({"init": np.zeros((8, 8)) + 1j}, ValueError, "init must be a real"),
    ],
)
def test_synthesize_bad_arguments(synth_est, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        synthesize(synth_est, data(64, n=1).reshape(8, 8), **kwargs)


def test_synthesize_bad_estimators():
    target = data(64, n=1)
    with pytest.raises(TypeError, match="No vector-Jacobian product for SparseCoding"):
        synthesize(SparseCoding(n_atoms=2).fit(data(64)), target, n_iter=2)
    with pytest.raises(ValueError, match="not fitted"):
        synthesize(Scattering2D(J=1, L=2), target, n_iter=2)


@pytest.mark.parametrize(
    "convert",
    [
        lambda t: t,
        lambda t: t.tolist(),
        lambda t: t.astype(np.float32),
        lambda t: np.round(t * 3).astype(np.int64),
        lambda t: np.zeros_like(t),
        lambda t: np.full_like(t, 2.5),
    ],
    ids=["array", "list", "float32", "int64", "zeros", "constant"],
)
def test_synthesize_accepted_targets(synth_est, convert):
    target = convert(data(64, n=1).reshape(8, 8))
    before = np.array(target, copy=True)
    if isinstance(target, np.ndarray):
        target.flags.writeable = False
    x = synthesize(synth_est, target, n_iter=3, random_state=0)
    assert x.shape == np.shape(before)
    assert np.isfinite(x).all()
    np.testing.assert_array_equal(np.asarray(target), before)


# -- neural_collapse ----------------------------------------------------------------
def _nc_data():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 6)
    X = rng.standard_normal((18, 4)) + 3 * np.eye(3, 4)[y]
    return X, y


NC_BAD = {
    "nan": (lambda X, y: (_with(np.nan)(X), y), ValueError, "NaN"),
    "inf": (lambda X, y: (_with(np.inf)(X), y), ValueError, "infinity"),
    "empty": (lambda X, y: (X[:0], y[:0]), ValueError, "0 sample"),
    "1d": (lambda X, y: (X[:, 0], y), ValueError, "2D array"),
    "3d": (lambda X, y: (X[:, None], y), ValueError, "dim 3"),
    "complex": (lambda X, y: (X + 1j, y), ValueError, "Complex data"),
    "csr": (lambda X, y: (scipy.sparse.csr_matrix(X), y), TypeError, "[Ss]parse"),
    "y_length": (lambda X, y: (X, y[:-1]), ValueError, "inconsistent numbers of samples"),
    "one_class": (lambda X, y: (X, np.zeros_like(y)), ValueError, "at least two classes"),
    "constant_X": (lambda X, y: (np.ones_like(X), y), ValueError, "equals the global mean"),
    "y_2d": (lambda X, y: (X, np.c_[y, y]), ValueError, "y should be a 1d array"),
}


@pytest.mark.parametrize("case", list(NC_BAD))
def test_neural_collapse_bad_input(case):
    make_bad, exc, match = NC_BAD[case]
    X, y = make_bad(*_nc_data())
    with pytest.raises(exc, match=match):
        neural_collapse(X, y)


def test_neural_collapse_refuses_strings():
    X, y = _nc_data()
    with pytest.raises(ValueError, match="string"):
        neural_collapse(X.astype(str), y)


@pytest.mark.parametrize(
    ("W", "b", "match"),
    [
        (np.ones((3, 5)), None, r"W must have shape"),
        (np.ones((2, 4)), None, r"W has 2 rows but y has 3 classes"),
        (np.full((3, 4), np.nan), None, "NaN"),
        (np.zeros((3, 4)), None, "all zeros"),
        (np.ones((3, 4)), np.ones(2), r"b must have shape \(3,\)"),
    ],
)
def test_neural_collapse_bad_classifier(W, b, match):
    X, y = _nc_data()
    with pytest.raises(ValueError, match=match):
        neural_collapse(X, y, W=W, b=b)


@pytest.mark.parametrize(
    "convert",
    [
        lambda X, y: (X.tolist(), y.tolist()),
        lambda X, y: (pd.DataFrame(X), pd.Series(y)),
        lambda X, y: (X.astype(np.float32), y),
        lambda X, y: (X.astype(object), y.astype(str)),
    ],
    ids=["lists", "pandas", "float32", "object-X-str-y"],
)
def test_neural_collapse_accepted_inputs(convert):
    X, y = _nc_data()
    ref = neural_collapse(X, y)
    Xc, yc = convert(X, y)
    before = np.array(Xc, dtype=object, copy=True)
    out = neural_collapse(Xc, yc)
    assert out.keys() == ref.keys()
    for key in ref:
        assert np.isfinite(out[key])
        np.testing.assert_allclose(out[key], ref[key], rtol=1e-5)
    np.testing.assert_array_equal(np.array(Xc, dtype=object), before)


# -- vjp / value_and_grad: the same validation as transform ---------------------------
GRAD_NAMES = [
    "Scattering1D",
    "Scattering2D",
    "PhaseHarmonics1D",
    "PhaseHarmonics2D",
    "TimeFrequencyScattering",
    "RotoTranslationScattering2D",
]


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("name", GRAD_NAMES)
def test_vjp_bad_X(name, case):
    from skscat.gradients import vjp

    make_bad, exc, match = BAD_X[case]
    est, X = fitted(name)
    cot = np.ones((X.shape[0], est.n_features_out_))
    with pytest.raises(exc, match=match):
        vjp(est, make_bad(X), cot)


COTANGENT_BAD = {
    "nan": (lambda c: _with(np.nan)(c), ValueError, "cotangent contains NaN"),
    "wrong_rows": (lambda c: c[:-1], ValueError, "cotangent has shape"),
    "wrong_cols": (lambda c: c[:, :-1], ValueError, "cotangent has shape"),
    "1d": (lambda c: c[0], ValueError, "cotangent has shape"),
    "complex": (lambda c: c + 1j, ValueError, "real numeric.*real part"),
    "str": (lambda c: c.astype(str), ValueError, "real numeric"),
    "csr": (lambda c: scipy.sparse.csr_matrix(c), TypeError, "dense array"),
}


@pytest.mark.parametrize("case", list(COTANGENT_BAD))
@pytest.mark.parametrize("name", GRAD_NAMES)
def test_vjp_bad_cotangent(name, case):
    from skscat.gradients import value_and_grad

    make_bad, exc, match = COTANGENT_BAD[case]
    est, X = fitted(name)
    cot = np.ones((X.shape[0], est.n_features_out_))
    with pytest.raises(exc, match=match):
        value_and_grad(est, X, make_bad(cot))


@pytest.mark.parametrize("value", [0.0, 2.0])
@pytest.mark.parametrize("name", GRAD_NAMES)
def test_vjp_constant_input_is_finite(name, value):
    from skscat.gradients import value_and_grad

    est, X = fitted(name)
    Xc = np.full_like(X, value)
    Xc.flags.writeable = False
    cot = np.ones((X.shape[0], est.n_features_out_))
    values, grad = value_and_grad(est, Xc, cot)
    assert np.isfinite(values).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(values, est.transform(Xc), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", list(BAD_X))
def test_sparse_coding_partial_fit_bad_X(case):
    make_bad, exc, match = BAD_X[case]
    est, p = make("SparseCoding")
    with pytest.raises(exc, match=match):
        est.partial_fit(make_bad(data(p)))
    est.partial_fit(data(p))  # the first good batch starts the dictionary
    with pytest.raises(exc, match=match):
        est.partial_fit(make_bad(data(p)))
    check_result(est.transform(data(p)), 5, est)
