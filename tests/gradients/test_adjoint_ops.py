"""Adjoints satisfy <T a, b> = <a, T* b>; point-wise Jacobians match finite differences."""

import numpy as np
import pytest

from skscat.backends import get_backend
from skscat.gradients import _adjoint_ops as adj
from skscat.scattering._nonlinearities import phase_relu

backend = get_backend("numpy")


def inner(a, b):
    """The real inner product of R^n or C^n seen as R^2n."""
    return float(np.real(np.vdot(b, a)))


def crandn(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def assert_adjoint(forward, adjoint, a, b, rtol=1e-12):
    lhs = inner(forward(a), b)
    rhs = inner(a, adjoint(b))
    assert abs(lhs - rhs) <= rtol * max(abs(lhs), abs(rhs), 1.0)


@pytest.mark.parametrize("shape, ndim", [((3, 8, 6), 2), ((2, 16), 1), ((5, 7), 2)])
def test_fft_adjoints(rng, shape, ndim):
    a, b = crandn(rng, shape), crandn(rng, shape)
    assert_adjoint(
        lambda x: backend.fft(x, ndim), lambda y: adj.fft_adjoint(backend, y, ndim), a, b
    )
    assert_adjoint(
        lambda x: backend.ifft(x, ndim), lambda y: adj.ifft_adjoint(backend, y, ndim), a, b
    )
    # Real input: the FFT of a real signal and the real part of an inverse FFT.
    ar = rng.standard_normal(shape)
    assert_adjoint(
        lambda x: backend.fft(x, ndim), lambda y: adj.fft_real_adjoint(backend, y, ndim), ar, b
    )
    assert_adjoint(
        lambda x: backend.ifft(x, ndim).real,
        lambda y: adj.ifft_real_adjoint(backend, y, ndim),
        a,
        rng.standard_normal(shape),
    )


@pytest.mark.parametrize("k", [1, 2, 4])
@pytest.mark.parametrize("with_axis", [False, True])
@pytest.mark.parametrize("ndim", [1, 2])
def test_filter_subsample_adjoint(rng, k, with_axis, ndim):
    spatial = (16, 8)[:ndim] if ndim == 2 else (32,)
    filters = rng.standard_normal(((3,) if with_axis else ()) + spatial)
    a = crandn(rng, (2,) + spatial)
    y = backend.filter_subsample(a, filters, k, ndim)
    b = crandn(rng, y.shape)
    assert_adjoint(
        lambda x: backend.filter_subsample(x, filters, k, ndim),
        lambda g: adj.filter_subsample_adjoint(backend, g, filters, k, ndim),
        a,
        b,
    )
    # Complex filters are conjugated.
    cfilters = filters + 1j * rng.standard_normal(filters.shape)
    assert_adjoint(
        lambda x: backend.filter_subsample(x, cfilters, k, ndim),
        lambda g: adj.filter_subsample_adjoint(backend, g, cfilters, k, ndim),
        a,
        b,
    )


@pytest.mark.parametrize(
    "shape, pad_width",
    [
        ((6, 7), ((3, 4), (2, 5))),
        ((1, 9), ((4, 3), (4, 4))),  # a one-row image: every padded row copies it
        ((3, 2), ((6, 5), (7, 9))),  # margins wider than the image: repeated reflections
        ((8, 8), ((0, 0), (8, 8))),
    ],
)
def test_pad_reflect_adjoint_folds_margins(rng, shape, pad_width):
    a = rng.standard_normal((2,) + shape)
    y = backend.pad_reflect(a, pad_width, 2)
    b = rng.standard_normal(y.shape)
    assert_adjoint(
        lambda x: backend.pad_reflect(x, pad_width, 2),
        lambda g: adj.pad_reflect_adjoint(backend, g, pad_width, 2),
        a,
        b,
    )
    # Folding a padded array of ones counts how many times each pixel is copied.
    counts = adj.pad_reflect_adjoint(backend, np.ones(y.shape[1:]), pad_width, 2)
    assert counts.sum() == y[0].size and counts.min() >= 1


def test_crop_and_mean_adjoints(rng):
    a = rng.standard_normal((3, 9, 10))
    b = rng.standard_normal((3, 4, 5))
    assert_adjoint(
        lambda x: x[..., 1:5, 2:7],
        lambda g: adj.crop_adjoint(backend, g, (9, 10), (1, 2)),
        a,
        b,
    )
    c = rng.standard_normal(3)
    assert_adjoint(
        lambda x: x.mean(axis=(-2, -1)), lambda g: adj.mean_adjoint(backend, g, (9, 10)), a, c
    )


def jacobian_fd(f, z, dz, eps=1e-6):
    return (f(z + eps * dz) - f(z - eps * dz)) / (2 * eps)


def test_modulus_adjoint_matches_derivative(rng):
    z, dz = crandn(rng, (4, 5)), crandn(rng, (4, 5))
    g = rng.standard_normal((4, 5))
    fd = inner(jacobian_fd(np.abs, z, dz), g)
    assert fd == pytest.approx(inner(dz, adj.modulus_adjoint(backend, g, z)), rel=1e-8)


def test_phase_relu_adjoint_matches_derivative(rng):
    n_phases = 5
    z, dz = crandn(rng, (2, 3, 4, 4)), crandn(rng, (2, 3, 4, 4))
    g = rng.standard_normal((2, 3 * n_phases, 4, 4))

    def f(w):
        return phase_relu(w, n_phases, 2, backend)

    fd = inner(jacobian_fd(f, z, dz), g)
    an = inner(dz, adj.phase_relu_adjoint(backend, g, z, n_phases, 2))
    assert fd == pytest.approx(an, rel=1e-8)


@pytest.mark.parametrize("k", [0, 1, 2, 3, -1, 1.5])
def test_phase_power_adjoint_matches_derivative(rng, k):
    z, dz = crandn(rng, (6, 5)), crandn(rng, (6, 5))
    g = crandn(rng, (6, 5))

    def f(w):
        return adj.phase_power(backend, w, k)

    fd = inner(jacobian_fd(f, z, dz), g)
    an = inner(dz, adj.phase_power_adjoint(backend, g, z, k))
    assert fd == pytest.approx(an, rel=1e-7)


def test_phase_power_adjoint_broadcasts_powers(rng):
    z, g = crandn(rng, (3, 4)), crandn(rng, (3, 4))
    ks = np.array([0.0, 1.0, 2.0])[:, None]
    together = adj.phase_power_adjoint(backend, g, z, ks)
    for i, k in enumerate(ks[:, 0]):
        np.testing.assert_allclose(together[i], adj.phase_power_adjoint(backend, g[i], z[i], k))


def test_subgradients_at_zero_are_finite_and_defined():
    z = np.zeros(3, dtype=complex)
    g = np.array([1.0 + 2.0j, -1.0, 0.5j])
    assert np.array_equal(adj.modulus_adjoint(backend, g.real, z), np.zeros(3))
    for k in (0, 2, 3, -2, 0.5):
        out = adj.phase_power_adjoint(backend, g, z, k)
        assert np.all(np.isfinite(out)) and np.array_equal(out, np.zeros(3))
    # [z]^1 = z and [z]^-1 = conj(z) are (anti)linear: their exact gradients survive.
    np.testing.assert_array_equal(adj.phase_power_adjoint(backend, g, z, 1), g)
    np.testing.assert_array_equal(adj.phase_power_adjoint(backend, g, z, -1), np.conj(g))
    out = adj.phase_relu_adjoint(backend, np.ones((1, 4, 1)), np.zeros((1, 1, 1), complex), 4, 1)
    assert np.array_equal(out, np.zeros((1, 1, 1)))


@pytest.mark.parametrize("k", [0, 2, 4, 8, -3])
def test_phase_power_adjoint_integer_paths_agree(rng, k):
    # Integer powers by squaring, from a given [z]^k, and by angles all agree.
    z, g = crandn(rng, (5, 6)), crandn(rng, (5, 6))
    z[0, 0] = 0
    by_squaring = adj.phase_power_adjoint(backend, g, z, k)
    given = adj.phase_power_adjoint(backend, g, z, k, zk=adj.phase_power(backend, z, k))
    by_angles = adj.phase_power_adjoint(backend, g, z, np.full((1, 1), float(k)))
    np.testing.assert_allclose(by_squaring, by_angles, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(given, by_angles, rtol=1e-12, atol=1e-12)
