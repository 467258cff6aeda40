"""The 2-D cascade: what does not change its coefficients."""

from __future__ import annotations

import numpy as np
import pytest

import skscat.scattering.core2d as core2d
from skscat import Scattering2D


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_second_order_in_chunks_of_images_gives_the_same_bits(monkeypatch, backend, average, dtype):
    X = np.random.default_rng(0).standard_normal((5, 24 * 24)).astype(dtype)
    est = Scattering2D(J=3, L=4, shape=(24, 24), backend=backend, average=average, n_jobs=1)
    whole = est.fit(X).transform(X)
    # one image a chunk on every second-order path
    monkeypatch.setattr(core2d, "_CHUNK_BYTES", 1)
    np.testing.assert_array_equal(est.transform(X), whole)
    assert whole.dtype == dtype


def test_gradients_see_every_image_of_a_chunked_path(monkeypatch):
    from skscat.gradients import vjp

    X = np.random.default_rng(1).standard_normal((3, 16 * 16))
    est = Scattering2D(J=2, L=4, shape=(16, 16), n_jobs=1).fit(X)
    G = np.random.default_rng(2).standard_normal(est.transform(X).shape)
    whole = vjp(est, X, G)
    monkeypatch.setattr(core2d, "_CHUNK_BYTES", 1)
    np.testing.assert_array_equal(vjp(est, X, G), whole)
