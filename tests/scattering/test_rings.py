"""Ring spectra of a lattice of positions: layout, quarter-turn invariance, energy, gradient."""

import numpy as np
import pytest

from skscat.scattering._rings import (
    ring_layout,
    ring_spectra,
    ring_spectra_adjoint,
    ring_spectrum_matrices,
)


def spectra(V, max_frequency=None):
    """Ring spectra of lattices ``V`` ``(..., h, w)`` with the module's matrices."""
    h, w = V.shape[-2:]
    cos, sin, signed, _ = ring_spectrum_matrices(h, w, max_frequency, "float64")
    return ring_spectra(V.reshape(V.shape[:-2] + (h * w,)), (cos, sin, signed), np)


@pytest.mark.parametrize("h, w", [(1, 1), (2, 2), (3, 3), (4, 4), (7, 7), (8, 8), (3, 5), (1, 6)])
def test_every_position_in_one_ring(h, w):
    rings = ring_layout(h, w)
    np.testing.assert_array_equal(np.sort(np.concatenate(rings)), np.arange(h * w))
    if h == w:
        sizes = [r.size for r in rings]
        if h % 2:  # the centre, then rings of 8 r positions
            assert sizes == [1] + [8 * r for r in range(1, (h + 1) // 2)]
        else:  # rings of 4 (2 r - 1) positions round a centre between positions
            assert sizes == [4 * (2 * r - 1) for r in range(1, h // 2 + 1)]


@pytest.mark.parametrize("h", [2, 3, 4, 5, 6, 7])
def test_quarter_turn_is_a_cyclic_shift_of_every_ring(h):
    V = np.arange(h * h).reshape(h, h)
    for k in (1, 2, 3):
        turned = np.rot90(V, k).ravel()
        for ring in ring_layout(h, h):
            n = ring.size
            shifts = [
                s for s in range(n) if np.array_equal(turned[ring], np.roll(V.ravel()[ring], s))
            ]
            assert len(shifts) == 1 and shifts[0] in (k * n // 4, n - k * n // 4)


def test_matches_the_fft_of_each_ring(rng):
    V = rng.standard_normal((4, 5, 5))
    out, _ = spectra(V)
    _, _, _, labels = ring_spectrum_matrices(5, 5, None, "float64")
    assert labels == ((0, 0), (1, 0), (1, 1), (1, 2), (1, 3), (1, 4)) + tuple(
        (2, f) for f in range(9)
    )
    col = 0
    for ring in ring_layout(5, 5):
        n = ring.size
        F = np.fft.fft(V.reshape(4, -1)[:, ring], axis=-1) / np.sqrt(n)
        for f in range(n // 2 + 1):
            scale = 1.0 if f == 0 or 2 * f == n else np.sqrt(2)
            want = F[:, 0].real if f == 0 else scale * np.abs(F[:, f])
            np.testing.assert_allclose(out[:, col], want, rtol=1e-14, atol=1e-14)
            col += 1
    assert col == out.shape[1]


@pytest.mark.parametrize("h", [3, 4, 5, 6])
def test_exactly_invariant_to_quarter_turns(rng, h):
    V = rng.standard_normal((3, 2, h, h))
    S = spectra(V)[0]
    for k in (1, 2, 3):
        np.testing.assert_allclose(spectra(np.rot90(V, k, axes=(2, 3)))[0], S, rtol=1e-13,
                                   atol=1e-14)  # fmt: skip
    # not a constant: a generic permutation of positions changes it
    flat = V.reshape(3, 2, -1)[..., rng.permutation(h * h)].reshape(V.shape)
    assert np.abs(spectra(flat)[0] - S).max() > 0.1


@pytest.mark.parametrize("h, w", [(3, 3), (4, 4), (3, 5)])
def test_energy_kept_and_contraction(rng, h, w):
    U, V = rng.standard_normal((2, 20, h, w))
    SU, SV = spectra(U)[0], spectra(V)[0]
    np.testing.assert_allclose(
        np.linalg.norm(SU, axis=-1), np.linalg.norm(U.reshape(20, -1), axis=-1), rtol=1e-14
    )
    assert np.all(
        np.linalg.norm(SU - SV, axis=-1) <= np.linalg.norm((U - V).reshape(20, -1), axis=-1)
    )
    # fewer frequencies: a sub-set of the features
    low = spectra(U, max_frequency=1)[0]
    _, _, _, labels = ring_spectrum_matrices(h, w, None, "float64")
    keep = [i for i, (_, f) in enumerate(labels) if f <= 1]
    np.testing.assert_array_equal(low, SU[:, keep])


def test_adjoint_matches_finite_differences(rng):
    V = rng.standard_normal((2, 3, 5, 5))
    cos, sin, signed, _ = ring_spectrum_matrices(5, 5, None, "float64")
    mats = (cos, sin, signed)
    g = rng.standard_normal((2, 3, cos.shape[0]))
    v = V.reshape(2, 3, 25)
    _, coefs = ring_spectra(v, mats, np)
    grad = ring_spectra_adjoint(g, coefs, mats, np)
    d = rng.standard_normal(v.shape)
    eps = 1e-6
    fd = (np.sum(ring_spectra(v + eps * d, mats, np)[0] * g)
          - np.sum(ring_spectra(v - eps * d, mats, np)[0] * g)) / (2 * eps)  # fmt: skip
    assert abs(fd - np.sum(grad * d)) <= 1e-8 * abs(fd)
