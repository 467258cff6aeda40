"""Building blocks: the phase-harmonic backend op, lag sums, frequency boxes, tables."""

import numpy as np
import pytest

from skscat.backends import available_backends, get_backend
from skscat.filters.bump_steerable import bump_steerable_filter_bank_2d
from skscat.phase_harmonics import FAMILIES, moment_table_2d
from skscat.phase_harmonics.core import _lag_sums, _phase_factors, frequency_boxes


@pytest.mark.parametrize("backend", [b for b in available_backends() if b != "cupy"])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_phase_harmonic_op(backend, dtype):
    ops = get_backend(backend)
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((3, 5, 7)) + 1j * rng.standard_normal((3, 5, 7))).astype(dtype)
    z[0, 0, :3] = 0
    tol = 1e-5 if dtype == np.complex64 else 1e-12
    for k in range(7):
        got = ops.phase_harmonic(z, k)
        expected = np.abs(z) * np.exp(1j * k * np.angle(z))
        np.testing.assert_allclose(got, expected if k else np.abs(z), atol=tol * 10)
        assert np.all(got[0, 0, :3] == 0)
        assert got.dtype == (np.abs(z).dtype if k == 0 else dtype)
    # composition through the modulus: [[z]^2]^2 = [z]^4
    twice = ops.phase_harmonic(ops.phase_harmonic(z, 2), 2, modulus=np.abs(z))
    np.testing.assert_allclose(twice, ops.phase_harmonic(z, 4), atol=tol * 10)
    with pytest.raises(ValueError):
        ops.phase_harmonic(z, -1)


@pytest.mark.parametrize("backend", [b for b in available_backends() if b != "cupy"])
@pytest.mark.parametrize("shape", [(12, 10), (16,), (9, 9)])
def test_lag_sums_equal_fft_correlation(shape, backend):
    ops = get_backend(backend)
    rng = np.random.default_rng(1)
    U = rng.standard_normal((2, 3) + shape) + 1j * rng.standard_normal((2, 3) + shape)
    V = rng.standard_normal((2, 3) + shape) + 1j * rng.standard_normal((2, 3) + shape)
    axes = tuple(range(-len(shape), 0))
    FU, FV = np.fft.fftn(U, axes=axes), np.fft.fftn(V, axes=axes)
    size = int(np.prod(shape))
    maps = np.fft.ifftn(FU * FV.conj(), axes=axes) / size
    lags = tuple(np.array([0, 1, n - 2, 3]) for n in shape)
    factors = _phase_factors(np, shape, lags, np.complex128)
    sums = _lag_sums(ops, FU, FV, factors, (None,) * len(shape), size)
    grid = np.ix_(*lags)
    np.testing.assert_allclose(sums, maps[(...,) + grid], atol=1e-12)
    # restricted to a box outside which FU vanishes: the same sums
    box = tuple(np.array([0, 1, n - 1]) for n in shape)
    inside = np.zeros(shape, dtype=bool)
    inside[np.ix_(*box)] = True
    FU_box = np.where(inside, FU, 0)
    full = _lag_sums(ops, FU_box, FV, factors, (None,) * len(shape), size)
    np.testing.assert_allclose(_lag_sums(ops, FU_box, FV, factors, box, size), full, atol=1e-14)
    # float32 spectra (the fused kernel's other precision), on a slice of a batch
    F32 = [F.astype(np.complex64)[:, 1:] for F in (FU, FV)]
    f32 = [E.astype(np.complex64) for E in factors]
    got = _lag_sums(ops, *F32, f32, (None,) * len(shape), size)
    assert got.dtype == np.complex64
    np.testing.assert_allclose(got, maps[(slice(None), slice(1, None)) + grid], atol=1e-5)
    # the definition: mean_u U(u + tau) conj V(u)
    tau = tuple(int(v[1]) for v in lags)
    direct = np.mean(np.roll(U, [-t for t in tau], axis=axes) * V.conj(), axis=axes)
    np.testing.assert_allclose(sums[(...,) + (1,) * len(shape)], direct, atol=1e-12)


def test_frequency_boxes_hold_the_wavelets():
    bank = bump_steerable_filter_bank_2d(64, 48, 5, 4, (), "float64")
    boxes = frequency_boxes(bank.psi, 5, 4, 2)
    assert boxes[0] == (None, None)
    for j, (rows, cols) in enumerate(boxes[1:], 1):
        psi = bank.psi[j * 4 : (j + 1) * 4]
        inside = np.zeros(psi.shape[1:], dtype=bool)
        inside[np.ix_(rows, cols)] = True
        assert np.all(psi[:, ~inside] == 0)
        assert rows.size < 64 and cols.size < 48


def test_table_lags_follow_pywph_grid():
    table = moment_table_2d((32, 32), 4, 4, 2, FAMILIES)
    s11 = (table.family == "S11") & (table.n == 1)
    # alpha = 0 at theta = 0: two pixels along the columns; a = 2: along the rows
    sel = s11 & (table.t1 == 0) & (table.a == 0)
    assert set(map(tuple, table.tau[sel])) == {(0, 2)}
    sel = s11 & (table.t1 == 0) & (table.a == 2)
    assert set(map(tuple, table.tau[sel])) == {(-2, 0)}
    assert np.all(table.lag >= 0) and np.all(table.lag < 32)
    # Cphase lags only while n <= J - 1 - j2
    cp = table.family == "Cphase"
    assert np.all(table.n[cp] <= 4 - 1 - table.j2[cp])
    assert table.counts() == {
        "S11": 4 * 4 * 9,
        "S00": 4 * 4 * 9,
        "S01": 16,
        "C01": 6 * 4 * (4 + 16),
        "Cphase": 4 * (1 * 17 + 2 * 9 + 3 * 1),
        "L": 9,
    }


def test_every_backend_has_the_ops_the_cores_call():
    """The cores call each op unconditionally (no probing): every backend has them all."""
    from skscat.backends.cupy_backend import CupyBackend
    from skscat.backends.numba_backend import NumbaBackend
    from skscat.backends.numpy_backend import NumpyBackend

    ops = ("phase_harmonic", "phase_relu", "prepare_bank", "lowpass_spatial",
           "hermitian_full", "pad_reflect", "modulus", "filter_subsample", "cross_lag_sums")
    backends = (NumpyBackend(), NumbaBackend(), CupyBackend(xp=np))
    for backend in backends:
        assert backend.workers >= 1
        for op in ops:
            assert callable(getattr(type(backend), op, None)), (type(backend).__name__, op)
    z = np.array([0, 1 + 1j, -2 + 0.5j])
    for backend in backends:
        np.testing.assert_allclose(
            backend.phase_harmonic(z, 3), np.abs(z) * np.exp(3j * np.angle(z)), atol=1e-15
        )
