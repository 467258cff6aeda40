"""MolecularScattering: densities, invariances, bad input, QM7 defaults."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from skscat import HarmonicScattering3D, MolecularScattering
from skscat.backends import get_backend
from skscat.datasets import load_qm7
from skscat.filters.solid_harmonic3d import solid_harmonic_filter_bank_3d
from skscat.scattering.atomic3d import gaussian_scattering_integrals
from skscat.scattering.core3d import scattering3d
from skscat.scattering.molecular import valence_charges
from tests.conftest import relative_error

# a small, quick configuration (the defaults are tested on QM7 below)
SMALL = dict(J=1, L=2, grid_size=24, grid_spacing=0.6, sigma=0.6, sigma_0=0.6)


@pytest.fixture(scope="module")
def qm7():
    return load_qm7(return_X_y=True)


def test_valence_charges():
    Z = np.array([0, 1, 2, 3, 6, 8, 10, 11, 16, 18, 19, 26])
    expected = [0, 1, 2, 1, 4, 6, 8, 1, 6, 8, 1, 8]
    np.testing.assert_array_equal(valence_charges(Z), expected)


def test_densities_hold_the_charges(qm7):
    X, _ = qm7
    est = MolecularScattering(**SMALL).fit(X[:3])
    rho = est.densities(X[:3])
    Z = X[:3, 0::4]
    val = valence_charges(Z)
    totals = rho.sum(axis=(2, 3, 4))
    # a sampled Gaussian of width sigma = h sums to 1 within 3 exp(-2 pi**2) (Poisson)
    np.testing.assert_allclose(totals[:, 0], Z.sum(1), rtol=3e-8)
    np.testing.assert_allclose(totals[:, 1], val.sum(1), rtol=3e-8)
    np.testing.assert_allclose(rho[:, 0], rho[:, 1] + rho[:, 2], atol=1e-12)


def test_features_are_the_scattering_of_the_densities(qm7):
    X, _ = qm7
    est = MolecularScattering(**SMALL, max_order=2, backend="numpy").fit(X[:2])
    feats = est.transform(X[:2]).reshape(2, 3, -1)
    powers = (0.5, 1.0, 2.0, 3.0)
    # orders 0 and 1: the exact atomic sums, in Angstrom, the lattice at the centre of charge
    T = X[:2].reshape(2, -1, 4)
    Z, R = T[..., 0], T[..., 1:]
    R = R - ((Z[..., None] * R).sum(1) / Z.sum(1)[:, None])[:, None]
    val = valence_charges(Z)
    exact = gaussian_scattering_integrals(
        R,
        np.stack([Z, val, Z - val], 1),
        get_backend("numpy"),
        s=0.6,
        sigmas=[0.0, 0.6, 1.2],
        L=2,
        powers=powers,
    )
    np.testing.assert_allclose(feats[:, :, :4], exact[:, :, 0, 0], rtol=1e-12)
    np.testing.assert_allclose(feats[:, :, 4:28], exact[:, :, 1:].reshape(2, 3, -1), rtol=1e-12)
    # order 2: the grid's, from the densities on the grid
    rho = est.densities(X[:2]).reshape(6, 24, 24, 24)
    backend = get_backend("numpy")
    # the molecular bank keeps the Hermitian part of the filters (real wavelets)
    bank = solid_harmonic_filter_bank_3d(24, 24, 24, 1, 2, 1.0, "float64", remainders=False)
    out = np.empty((6, 3, 3, 4))
    scattering3d(rho, backend, bank, max_order=2, powers=powers, out=out)
    second = feats[:, :, 28:].reshape(6, -1)
    np.testing.assert_allclose(second, out[:, 2].reshape(6, -1), rtol=1e-12)
    # the same as Kymatio's filters (HarmonicScattering3D) up to their Nyquist remainder
    h = HarmonicScattering3D(J=1, L=2, shape=(24,) * 3, integral_powers=powers)
    kym = h.fit_transform(rho.reshape(6, -1)).reshape(6, 3, -1)[:, 2]
    assert relative_error(second, kym) < 3e-3
    names = est.get_feature_names_out()
    assert len(names) == feats.size // 2 == est.n_features_out_ == 3 * 40
    assert names[0] == "nuclear_order0_q=0.5" and names[4] == "nuclear_order1_j1=0_l=0_q=0.5"
    assert names[-1] == "core_order2_j1=0_j2=1_l=2_q=3"


def test_order0_holds_the_charges(qm7):
    X, _ = qm7
    est = MolecularScattering(backend="numba").fit(X[:3])
    feats = est.transform(X[:3])
    names = list(est.get_feature_names_out())
    Z = X[:3, 0::4]
    val = valence_charges(Z)
    for d, w in (("nuclear", Z), ("valence", val), ("core", Z - val)):
        # int rho = the charge, but for the tails beyond 5 widths (1.5e-5)
        got = feats[:, names.index(f"{d}_order0_q=1")]
        np.testing.assert_allclose(got, w.sum(1), rtol=2e-5)
    # sharp atoms barely overlap: int rho**2 is nearly sum_k w_k**2 (4 pi s**2)**-1.5
    q2 = (Z**2).sum(1) * (4 * np.pi * est.sigma**2) ** -1.5
    np.testing.assert_allclose(feats[:, names.index("nuclear_order0_q=2")], q2, rtol=1e-2)


def test_translation_and_permutation_invariance(qm7):
    X, _ = qm7
    mol = X[100].reshape(-1, 4).copy()
    est = MolecularScattering(**SMALL, backend="numpy").fit(X[:1])
    base = est.transform(mol.reshape(1, -1))
    shifted = mol.copy()
    shifted[mol[:, 0] > 0, 1:] += [3.7, -12.2, 0.9]
    n = int((mol[:, 0] > 0).sum())
    perm = mol.copy()
    perm[:n] = mol[np.random.default_rng(1).permutation(n)]
    np.testing.assert_allclose(est.transform(shifted.reshape(1, -1)), base, rtol=1e-9)
    np.testing.assert_allclose(est.transform(perm.reshape(1, -1)), base, rtol=1e-10)


def test_random_rotations(qm7):
    X, _ = qm7
    est = MolecularScattering(backend="numba").fit(X[:1])
    mols = X[[5, 500, 3000]]
    base = est.transform(mols)
    for seed in range(3):
        R = Rotation.random(random_state=seed).as_matrix()
        turned = mols.reshape(3, -1, 4).copy()
        turned[..., 1:] = turned[..., 1:] @ R.T
        out = est.transform(turned.reshape(3, -1))
        # lattice sums: each feature within 3e-3 of itself (measured 2.1e-3)
        assert np.abs(out / base - 1).max() < 3e-3


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (np.array([[6.5, 0, 0, 0, 1, 1, 0, 0]]), "non-negative integers"),
        (np.array([[-1, 0, 0, 0, 1, 1, 0, 0]]), "non-negative integers"),
        (np.array([[6, np.nan, 0, 0, 1, 1, 0, 0]]), "NaN"),
        (np.array([[0, 0, 0, 0, 0, 1, 0, 0]]), "no atom"),
        (np.array([[6, 0, 0, 0, 1, 30.0, 0, 0]]), "grid holds"),
    ],
)
def test_bad_molecules(table, match):
    with pytest.raises(ValueError, match=match):
        est = MolecularScattering(**SMALL).fit(np.array([[6, 0, 0, 0, 1, 1.1, 0, 0]]))
        est.transform(table)


def test_width_not_a_multiple_of_4():
    with pytest.raises(ValueError, match="6 columns, not a multiple of 4"):
        MolecularScattering().fit(np.ones((2, 6)))


def test_qm7_defaults_in_a_pipeline(qm7):
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = qm7
    model = make_pipeline(MolecularScattering(), StandardScaler(), RidgeCV(np.logspace(-6, 2, 9)))
    rows = np.random.default_rng(0).permutation(len(X))[:64]
    model.fit(X[rows[:48]], y[rows[:48]])
    err = np.abs(model.predict(X[rows[48:]]) - y[rows[48:]]).mean()
    # 48 molecules already beat predicting the mean (about 180 kcal/mol) tenfold
    assert err < 0.1 * np.abs(y[rows[48:]] - y[rows[:48]].mean()).mean()
