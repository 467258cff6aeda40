"""synthesize: reconstruction from scattering coefficients, texture synthesis, validation."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skscat import Scattering2D
from skscat.gradients import synthesize


def digit(size=16):
    img = load_digits().images[0]
    pad = (size - 8) // 2
    return np.pad(img, pad) / 16.0


def relative_feature_error(est, x, target):
    St = est.transform(target.reshape(1, -1))
    return np.linalg.norm(est.transform(x.reshape(1, -1)) - St) / np.linalg.norm(St)


def small_photo(size=16):
    """scikit-image's camera man, resized: a small natural image."""
    from skimage import data, transform

    return transform.resize(data.camera() / 255.0, (size, size), anti_aliasing=True)


@pytest.mark.parametrize("J, L, n_iter", [(1, 8, 100), (2, 4, 150)])
def test_reconstruction_from_scattering_lowers_error_by_orders_of_magnitude(J, L, n_iter):
    img = small_photo()
    est = Scattering2D(J=J, L=L, shape=img.shape, backend="numpy").fit(img.reshape(1, -1))
    x0 = np.random.default_rng(0).standard_normal(img.shape) * img.std() + img.mean()
    x = synthesize(est, img, n_iter=n_iter, init=x0)
    before = relative_feature_error(est, x0, img)
    after = relative_feature_error(est, x, img)
    assert before > 0.3
    # Typically 3 orders of magnitude (1e-3 over seeds); L-BFGS on this
    # non-convex loss can stop in a shallower local minimum, so ask for 2.
    assert after <= 1e-2 * before
    assert x.shape == img.shape and x.dtype == np.float64


def test_white_noise_start_has_target_mean_and_variance(monkeypatch):
    """The start synthesize draws itself (seen by stopping the optimiser at once):
    white noise with the target's mean and standard deviation, set by random_state."""
    import scipy.optimize

    from skscat.gradients import synthesis

    img = digit(32) * 7 + 3
    est = Scattering2D(J=1, L=2, shape=img.shape, backend="numpy").fit(img.reshape(1, -1))

    def no_steps(fun, y0, **kwargs):
        return scipy.optimize.OptimizeResult(x=y0, fun=fun(y0)[0], nit=0, message="stub")

    monkeypatch.setattr(synthesis.scipy.optimize, "minimize", no_steps)
    start = synthesize(est, img, n_iter=3, random_state=1)
    assert abs(start.mean() - img.mean()) < 0.1 * img.std()
    assert abs(start.std() / img.std() - 1) < 0.1
    # White: neighbouring pixels uncorrelated, unlike the digit's.
    assert abs(np.corrcoef(start[:, :-1].ravel(), start[:, 1:].ravel())[0, 1]) < 0.1
    np.testing.assert_array_equal(synthesize(est, img, n_iter=3, random_state=1), start)
    assert not np.array_equal(synthesize(est, img, n_iter=3, random_state=2), start)
    monkeypatch.undo()
    # init=start runs the same optimisation as random_state=1.
    seen = []
    a = synthesize(est, img, n_iter=3, random_state=1, callback=lambda x, loss: seen.append(loss))
    assert len(seen) == 3
    np.testing.assert_array_equal(a, synthesize(est, img, n_iter=3, init=start))


def test_random_state_and_init_and_callback_stop():
    img = digit()
    est = Scattering2D(J=2, L=2, shape=img.shape, backend="numpy").fit(img.reshape(1, -1))
    a = synthesize(est, img, n_iter=5, random_state=0)
    b = synthesize(est, img, n_iter=5, random_state=0)
    np.testing.assert_array_equal(a, b)
    losses = []

    def stop_after_two(x, loss):
        losses.append(loss)
        return len(losses) >= 2

    c = synthesize(est, img, n_iter=50, init=a, callback=stop_after_two)
    assert len(losses) == 2 and losses[1] <= losses[0]
    assert c.shape == img.shape
    # The target as a flat row or as (1, n_features) keeps its shape.
    flat = synthesize(est, img.ravel(), n_iter=2, random_state=0)
    assert flat.shape == (img.size,)
    row = synthesize(est, img.reshape(1, -1).astype(np.float32), n_iter=2, random_state=0)
    assert row.shape == (1, img.size) and row.dtype == np.float32


def test_verbose_prints_progress(capsys):
    img = digit()
    est = Scattering2D(J=1, L=2, shape=img.shape, backend="numpy").fit(img.reshape(1, -1))
    synthesize(est, img, n_iter=3, random_state=0, verbose=2)
    err = capsys.readouterr().err
    assert "iteration 1" in err and "stopped after" in err


def test_bad_input_is_refused():
    img = digit()
    est = Scattering2D(J=1, L=2, shape=img.shape, backend="numpy")
    with pytest.raises(Exception, match="not fitted|fit"):
        synthesize(est, img)
    est.fit(img.reshape(1, -1))
    X = np.random.default_rng(0).standard_normal((5, 4))
    with pytest.raises(TypeError, match="PCA"):
        synthesize(PCA(2).fit(X), X[0])
    with pytest.raises(ValueError, match="multiple"):
        synthesize(est, img[:-1])
    with pytest.raises(ValueError, match="NaN or infinity"):
        bad = img.copy()
        bad[3, 3] = np.nan
        synthesize(est, bad)
    with pytest.raises(ValueError, match="real"):
        synthesize(est, img.astype(complex))
    with pytest.raises(ValueError, match="empty"):
        synthesize(est, np.zeros((0,)))
    with pytest.raises(ValueError, match="init has shape"):
        synthesize(est, img, init=img.ravel())
    with pytest.raises(ValueError, match="n_iter"):
        synthesize(est, img, n_iter=0)
    with pytest.raises(TypeError, match="sparse"):
        import scipy.sparse

        synthesize(est, scipy.sparse.csr_matrix(img))
    before = img.copy()
    synthesize(est, img, n_iter=2, random_state=0)
    np.testing.assert_array_equal(img, before)
