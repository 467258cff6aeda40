"""Scattering2D: parity with Kymatio, the scattering properties, the estimator contract."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.fft
from scipy import ndimage
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skscat import Scattering2D, ShapeWarning
from skscat.filters import clear_filter_cache, morlet_filter_bank_2d
from skscat.scattering.scattering2d import padded_size
from tests.conftest import relative_error


def blob_image(size=32, border=8, seed=0):
    """A smooth, centred image with a zero border (so padding sees zeros)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((size, size))
    inner = size - 2 * border
    img[border:-border, border:-border] = ndimage.gaussian_filter(
        rng.standard_normal((inner, inner)), 1.5
    )
    return img


# -- parity with Kymatio 0.3 --------------------------------------------------
PARITY_CASES = [
    # (H, W, J, L, max_order)
    (28, 28, 2, 8, 2),
    (32, 32, 3, 8, 2),
    (17, 23, 2, 6, 2),
    (31, 40, 3, 4, 2),
    (16, 16, 1, 8, 2),
    (9, 12, 2, 3, 2),
    (24, 20, 2, 8, 1),
    (33, 33, 4, 4, 2),
]


@pytest.mark.parametrize("H, W, J, L, max_order", PARITY_CASES)
# Measured: max |skscat - Kymatio| / max |Kymatio| <= 2.4e-7 and the worst single
# coefficient's relative difference 9.5e-5 (a coefficient 5.6e-4 of the largest),
# for float64 and float32 alike: Kymatio 0.3's NumPy frontend, not skscat, limits
# the agreement.
@pytest.mark.parametrize("dtype, tol", [(np.float64, 5e-7), (np.float32, 5e-7)])
def test_equals_kymatio(kymatio_numpy, H, W, J, L, max_order, dtype, tol):
    rng = np.random.default_rng(H * W + J)
    X = rng.standard_normal((3, H * W)).astype(dtype)
    reference = kymatio_numpy.Scattering2D(J=J, shape=(H, W), L=L, max_order=max_order)
    expected = reference(X.reshape(3, H, W)).reshape(3, -1)
    est = Scattering2D(J=J, L=L, shape=(H, W), max_order=max_order, backend="numpy")
    got = est.fit_transform(X)
    assert got.dtype == dtype
    assert got.shape == expected.shape
    assert relative_error(got, expected) <= tol
    # Coefficient by coefficient too (the bound above allows up to 1e-3 on the
    # smallest coefficients, 5e-4 of the largest): each within 2e-4 of itself.
    np.testing.assert_allclose(got, expected, rtol=2e-4, atol=0)


def test_average_is_mean_over_positions(rng):
    X = rng.standard_normal((4, 20 * 24))
    spatial = Scattering2D(J=2, L=4, shape=(20, 24)).fit_transform(X)
    averaged = Scattering2D(J=2, L=4, shape=(20, 24), average=True).fit_transform(X)
    n_paths = averaged.shape[1]
    np.testing.assert_allclose(averaged, spatial.reshape(4, n_paths, -1).mean(-1), rtol=1e-12)


def test_path_count_and_shapes():
    J, L = 3, 6
    est = Scattering2D(J=J, L=L, shape=(40, 35)).fit(np.zeros((1, 40 * 35)))
    assert est.n_paths_ == 1 + J * L + L * L * J * (J - 1) // 2
    assert est.output_shape_ == (40 // 8, 35 // 8)
    assert est.padded_shape_ == (padded_size(40, J), padded_size(35, J))
    assert est.n_features_out_ == est.n_paths_ * 5 * 4
    first = Scattering2D(J=J, L=L, shape=(40, 35), max_order=1).fit(np.zeros((1, 1400)))
    assert first.n_paths_ == 1 + J * L


def test_order0_is_lowpass_average(rng):
    """Order 0 is x * phi_J sampled every 2**J pixels (computed here in space)."""
    H, W, J = 24, 28, 2
    x = rng.standard_normal((H, W))
    est = Scattering2D(J=J, L=4, shape=(H, W)).fit(x.reshape(1, -1))
    S0 = est.transform(x.reshape(1, -1)).reshape(est.n_paths_, *est.output_shape_)[0]
    Mp, Np = est.padded_shape_
    padded = np.pad(
        x, (((Mp - H) // 2, (Mp - H + 1) // 2), ((Np - W) // 2, (Np - W + 1) // 2)), "reflect"
    )
    phi = est.filters_.phi[0]
    smooth = scipy.fft.ifft2(scipy.fft.fft2(padded) * phi).real
    h, w = est.output_shape_
    expected = smooth[:: 2**J, :: 2**J][1 : 1 + h, 1 : 1 + w]
    np.testing.assert_allclose(S0, expected, rtol=1e-10, atol=1e-12)


# -- the properties of the transform -----------------------------------------
def test_contraction(rng):
    X = rng.standard_normal((10, 28 * 28))
    S = Scattering2D(J=2, shape=(28, 28)).fit_transform(X)
    for i in range(0, 10, 2):
        assert np.linalg.norm(S[i] - S[i + 1]) <= np.linalg.norm(X[i] - X[i + 1])


def test_wavelets_form_a_near_tight_frame():
    """Littlewood-Paley sum of the frame: energy is neither lost nor amplified.

    ``|phi_hat|^2 + sum (|psi_hat(w)|^2 + |psi_hat(-w)|^2) / 2`` stays in a band
    below 1 on the frequencies the wavelets cover (|w| <= pi / 2 at J = 3).
    """
    bank = morlet_filter_bank_2d(64, 64, 3, 8)

    def negative(a):
        return np.roll(a[..., ::-1, ::-1], 1, axis=(-2, -1))

    lp = bank.phi[0] ** 2 + sum(
        ((bank.psi[j][0] ** 2).sum(0) + (negative(bank.psi[j][0]) ** 2).sum(0)) / 2
        for j in range(3)
    )
    w = np.fft.fftfreq(64) * 2 * np.pi
    radius = np.hypot(*np.meshgrid(w, w, indexing="ij"))
    covered = lp[radius <= np.pi / 2]
    assert covered.min() > 0.7 and covered.max() < 1.05
    assert lp.max() < 1.05  # contractive everywhere


def test_filters_have_zero_mean_and_unit_lowpass_gain():
    bank = morlet_filter_bank_2d(48, 48, 3, 8)
    for j in range(3):
        np.testing.assert_allclose(bank.psi[j][0][:, 0, 0], 0.0, atol=1e-6)
    # Kymatio normalises with pi ~ 3.1415, so the DC gain is pi / 3.1415, not exactly 1.
    assert abs(bank.phi[0][0, 0] - np.pi / 3.1415) < 1e-6


@pytest.mark.parametrize("shift", [1, 2])
def test_translation_invariance_grows_with_J(shift):
    img = blob_image(40, border=10)
    moved = np.roll(img, (shift, shift), axis=(0, 1))
    pixel_change = np.linalg.norm(moved - img) / np.linalg.norm(img)
    changes = []
    for J in (1, 2, 3):
        est = Scattering2D(J=J, L=8, shape=img.shape, average=False).fit(img.reshape(1, -1))
        a, b = est.transform(np.stack([img.ravel(), moved.ravel()]))
        changes.append(np.linalg.norm(a - b) / np.linalg.norm(a))
    assert changes[-1] < 0.4 * pixel_change
    assert changes[0] > changes[1] > changes[2]


def test_rotation_by_90_degrees_permutes_orientations():
    L, J = 8, 2
    img = blob_image(32, border=8, seed=3)
    est = Scattering2D(J=J, L=L, shape=img.shape, average=True).fit(img.reshape(1, -1))
    s, r = est.transform(np.stack([img.ravel(), np.rot90(img).ravel()]))
    order1 = s[1 : 1 + J * L].reshape(J, L)
    rotated1 = r[1 : 1 + J * L].reshape(J, L)
    # A quarter turn is L/2 orientation steps (mod L, orientations live in [0, pi)).
    # What remains is the sub-sampling grid, which a quarter turn moves by a pixel.
    permuted = relative_error(rotated1, np.roll(order1, L // 2, axis=1))
    assert permuted < 1e-2
    assert relative_error(rotated1, order1) > 10 * permuted
    order2 = s[1 + J * L :].reshape(L, L)  # J = 2: only (j1, j2) = (0, 1)
    rotated2 = r[1 + J * L :].reshape(L, L)
    expected2 = np.roll(np.roll(order2, L // 2, axis=0), L // 2, axis=1)
    assert relative_error(rotated2, expected2) < 1e-2


def test_deformation_stability():
    """A small smooth warp changes the coefficients in proportion to its size."""
    img = blob_image(48, border=12, seed=5)
    est = Scattering2D(J=3, L=8, shape=img.shape).fit(img.reshape(1, -1))
    base = est.transform(img.reshape(1, -1))[0]
    rows, cols = np.mgrid[0:48, 0:48].astype(float)
    centre = 23.5

    def warped(eps):
        # tau(u) = eps * (u - c): a dilation, |grad tau| = eps
        coords = [centre + (rows - centre) * (1 - eps), centre + (cols - centre) * (1 - eps)]
        return ndimage.map_coordinates(img, coords, order=3, mode="constant")

    changes, pixel_changes = [], []
    for eps in (0.02, 0.04):
        w = warped(eps)
        changes.append(np.linalg.norm(est.transform(w.reshape(1, -1))[0] - base))
        pixel_changes.append(np.linalg.norm(w - img))
    assert 1.5 < changes[1] / changes[0] < 2.6
    # Far more stable than the pixels themselves.
    assert changes[0] / np.linalg.norm(base) < 0.5 * pixel_changes[0] / np.linalg.norm(img)


# -- estimator contract --------------------------------------------------------
@parametrize_with_checks([Scattering2D()])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShapeWarning)
        check(estimator)


def test_dtype_preserved_and_batch_size_invariant(rng):
    X = rng.standard_normal((7, 16 * 16))
    full = Scattering2D(J=2, L=4, shape=(16, 16)).fit_transform(X)
    for batch_size in (1, 3, 7, 100):
        est = Scattering2D(J=2, L=4, shape=(16, 16), batch_size=batch_size).fit(X)
        np.testing.assert_array_equal(est.transform(X), full)
    out32 = Scattering2D(J=2, L=4, shape=(16, 16)).fit_transform(X.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, full, rtol=1e-4, atol=1e-5 * np.abs(full).max())
    ints = Scattering2D(J=2, L=4, shape=(16, 16)).fit_transform((X * 10).astype(np.int64))
    assert ints.dtype == np.float64  # integers are computed in float64, as in scikit-learn


def test_n_jobs_does_not_change_results(rng):
    X = rng.standard_normal((5, 20 * 20))
    one = Scattering2D(J=2, n_jobs=1).fit_transform(X)
    two = Scattering2D(J=2, n_jobs=2).fit_transform(X)
    np.testing.assert_allclose(one, two, rtol=1e-12)


def test_input_not_modified(rng):
    X = rng.standard_normal((3, 64))
    before = X.copy()
    Scattering2D(J=2).fit(X).transform(X)
    np.testing.assert_array_equal(X, before)


def test_set_params_then_fit_rebuilds_filters(rng):
    X = rng.standard_normal((4, 16 * 16))
    est = Scattering2D(J=1, L=4, shape=(16, 16)).fit(X)
    first = est.transform(X)
    est.set_params(J=2, L=6).fit(X)
    fresh = Scattering2D(J=2, L=6, shape=(16, 16)).fit_transform(X)
    np.testing.assert_array_equal(est.transform(X), fresh)
    assert est.transform(X).shape != first.shape
    assert est.filters_.J == 2 and est.filters_.L == 6


def test_filters_come_from_a_shared_cache_not_the_pickle(rng):
    X = rng.standard_normal((2, 28 * 28))
    est = Scattering2D(J=2, shape=(28, 28)).fit(X)
    other = Scattering2D(J=2, shape=(28, 28)).fit(X)
    assert est.filters_ is other.filters_
    blob = pickle.dumps(est)
    assert len(blob) < 2000  # parameters and geometry only, no filter arrays
    clear_filter_cache()
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.transform(X), est.transform(X))


def test_clone_is_unfitted_with_same_params():
    est = Scattering2D(J=3, L=4, shape=(32, 32))
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    assert not hasattr(cloned, "n_features_in_")


def test_feature_names_name_every_path_and_position(rng):
    est = Scattering2D(J=2, L=8, shape=(12, 8)).fit(rng.standard_normal((1, 96)))
    names = est.get_feature_names_out()
    assert len(names) == est.n_features_out_ == len(set(names))
    assert names[0] == "order0_y=0_x=0"
    assert "order2_j1=0_theta1=3_j2=1_theta2=5_y=2_x=1" in names
    assert "order1_j1=1_theta1=7_y=0_x=0" in names
    avg = Scattering2D(J=2, L=8, shape=(12, 8), average=True).fit(np.zeros((1, 96)))
    assert list(avg.get_feature_names_out()[:2]) == ["order0", "order1_j1=0_theta1=0"]


def test_pandas_output(rng):
    pytest.importorskip("pandas")
    est = Scattering2D(J=1, L=4, shape=(8, 8), average=True).set_output(transform="pandas")
    df = est.fit_transform(rng.standard_normal((3, 64)))
    assert list(df.columns) == list(est.get_feature_names_out())
    assert df.shape == (3, est.n_paths_)


# -- shapes and bad input --------------------------------------------------------
def test_shape_inference():
    est = Scattering2D(J=2).fit(np.zeros((2, 49)))
    assert est.shape_ == (7, 7)
    with pytest.warns(ShapeWarning, match=r"pass shape=\(H, W\)"):
        est = Scattering2D(J=2).fit(np.zeros((2, 12)))
    assert est.shape_ == (1, 12)


def test_explicit_shape_must_match_n_features():
    with pytest.raises(ValueError, match=r"shape=\(5, 5\) holds 25 pixels but X has 24"):
        Scattering2D(shape=(5, 5)).fit(np.zeros((2, 24)))
    with pytest.raises(ValueError, match="positive integer"):
        Scattering2D(shape=(5, -5)).fit(np.zeros((2, 25)))


@pytest.mark.parametrize("H, W, J", [(1, 1, 3), (2, 3, 3), (3, 3, 4), (5, 40, 3)])
def test_images_smaller_than_2_to_the_J_are_padded(rng, H, W, J):
    X = rng.standard_normal((2, H * W))
    out = Scattering2D(J=J, L=4, shape=(H, W)).fit_transform(X)
    assert out.shape == (2, (1 + 4 * J + 16 * J * (J - 1) // 2) * max(H >> J, 1) * max(W >> J, 1))
    assert np.isfinite(out).all()


def test_unknown_backend_lists_choices():
    with pytest.raises(ValueError, match="backend.*numpy"):
        Scattering2D(backend="tensorflow").fit(np.zeros((2, 16)))


def test_wrong_number_of_features_at_transform(rng):
    est = Scattering2D(J=1).fit(rng.standard_normal((2, 16)))
    with pytest.raises(ValueError, match="X has 25 features, but Scattering2D is expecting 16"):
        est.transform(rng.standard_normal((2, 25)))


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.full((2, 16), np.nan), "NaN"),
        (np.full((2, 16), np.inf), "infinity"),
        (np.zeros((0, 16)), "0 sample"),
        (np.zeros(16), "Expected 2D array"),
        (np.zeros((2, 4, 4)), "dim 3"),
        (np.zeros((2, 16), dtype=complex), "Complex data not supported"),
    ],
)
def test_bad_input_is_a_clear_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        Scattering2D(J=1).fit(bad)


def test_sparse_input_is_refused_with_a_fix():
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="dense"):
        Scattering2D(J=1).fit(sp.random(3, 16, density=0.5, format="csr"))


# -- pipelines and model selection --------------------------------------------
def test_grid_search_over_J_and_L_uses_fresh_filters():
    digits = load_digits()
    X, y = digits.data[:300] / 16.0, digits.target[:300]
    pipe = make_pipeline(
        Scattering2D(shape=(8, 8), average=False), StandardScaler(), LinearSVC(max_iter=5000)
    )
    grid = GridSearchCV(pipe, {"scattering2d__J": [1, 2], "scattering2d__L": [4, 6]}, cv=3)
    grid.fit(X, y)
    assert grid.best_score_ > 0.85
    best = grid.best_estimator_.named_steps["scattering2d"]
    assert best.filters_.J == grid.best_params_["scattering2d__J"]
    assert best.filters_.L == grid.best_params_["scattering2d__L"]
    # Every candidate produced its own feature count (no stale filters).
    counts = {
        (J, L): Scattering2D(J=J, L=L, shape=(8, 8)).fit(X[:1]).n_features_out_
        for J in (1, 2)
        for L in (4, 6)
    }
    assert len(set(counts.values())) == 4
