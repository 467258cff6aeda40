"""load_qm7: the shipped QM7 copy, as a scikit-learn style Bunch."""

from __future__ import annotations

import numpy as np

from skscat.datasets import load_qm7


def test_load_qm7_bunch_and_x_y():
    bunch = load_qm7()
    X, y = load_qm7(return_X_y=True)
    np.testing.assert_array_equal(bunch.data, X)
    np.testing.assert_array_equal(bunch.target, y)
    assert X.shape == (7101, 92) and y.shape == (7101,)
    assert bunch.feature_names[:5] == ["Z_0", "x_0", "y_0", "z_0", "Z_1"]
    assert len(bunch.feature_names) == 92 and len(bunch.molecule_names) == 7101
    assert "Rupp" in bunch.DESCR and "Blum" in bunch.DESCR and "qmllib" in bunch.DESCR
    Z = X[:, 0::4]
    assert set(np.unique(Z)) == {0, 1, 6, 7, 8, 16}
    # padding sits at the end of each row and every molecule has an atom
    assert ((Z > 0).sum(1) >= 1).all()
    assert (np.diff((Z > 0).astype(int), axis=1) <= 0).all()
    # atomisation energies in kcal/mol: negative, of the order of -1,500
    assert (y < 0).all() and -1700 < y.mean() < -1400
