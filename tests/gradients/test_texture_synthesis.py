"""Texture synthesis from a real texture: scikit-image's brick, 64 x 64.

A synthesis must match the target's statistics to a few percent and must not
be a translate of the target (the statistics are translation invariant, so
a translate would be a trivial solution).
"""

import numpy as np
import pytest

from skscat import Scattering2D
from skscat.gradients import supports_gradients, synthesize


@pytest.fixture(scope="module")
def brick():
    data = pytest.importorskip("skimage.data")
    return data.brick()[:64, :64].astype(np.float64) / 255.0


def max_translate_correlation(x, target):
    """Largest correlation coefficient between ``x`` and any circular shift of ``target``."""
    a, b = x - x.mean(), target - target.mean()
    corr = np.fft.ifft2(np.fft.fft2(a) * np.conj(np.fft.fft2(b))).real
    return corr.max() / (np.linalg.norm(a) * np.linalg.norm(b))


def statistic_error(est, x, target):
    t = est.transform(target.reshape(1, -1))
    return np.linalg.norm(est.transform(x.reshape(1, -1)) - t) / np.linalg.norm(t)


def check_synthesis(est, x, target, x0, tol):
    assert x.shape == target.shape
    before, after = statistic_error(est, x0, target), statistic_error(est, x, target)
    assert after <= tol, after
    assert after <= 0.1 * before
    # Not a copy of the target, shifted or not: a translate has correlation 1
    # (bricks are nearly periodic, so a good synthesis correlates well too).
    assert max_translate_correlation(x, target) < 0.9
    assert max_translate_correlation(np.roll(target, (7, 11), (0, 1)), target) > 0.999


def test_texture_synthesis_with_phase_harmonics(brick):
    import skscat.phase_harmonics as ph

    est = ph.PhaseHarmonics2D(J=4, L=4, delta_n=1, shape=brick.shape, backend="numpy")
    assert supports_gradients(est)
    est.fit(brick.reshape(1, -1))
    x0 = brick.mean() + brick.std() * np.random.default_rng(0).standard_normal(brick.shape)
    x = synthesize(est, brick, n_iter=60, init=x0)
    check_synthesis(est, x, brick, x0, tol=0.05)


def test_texture_synthesis_with_averaged_scattering(brick):
    est = Scattering2D(J=3, L=8, shape=brick.shape, average=True, backend="numpy")
    est.fit(brick.reshape(1, -1))
    x0 = brick.mean() + brick.std() * np.random.default_rng(0).standard_normal(brick.shape)
    x = synthesize(est, brick, n_iter=60, init=x0)
    check_synthesis(est, x, brick, x0, tol=0.03)
