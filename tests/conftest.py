"""Shared fixtures: reference libraries imported the way the test environment needs."""

import numpy as np
import pytest


def import_kymatio_numpy():
    """``kymatio.numpy`` (of the test extra: missing is a failure, not a skip).

    Kymatio 0.3 imports ``scipy.special.sph_harm``, which SciPy 1.17 removed;
    the test environment (never the package) aliases it to ``sph_harm_y``.
    """
    import scipy.special

    if not hasattr(scipy.special, "sph_harm") and hasattr(scipy.special, "sph_harm_y"):
        scipy.special.sph_harm = lambda m, n, theta, phi: scipy.special.sph_harm_y(
            n, m, phi, theta
        )
    import kymatio.numpy  # a reference library of the test extra: missing is a failure

    return kymatio.numpy


@pytest.fixture(scope="session")
def kymatio_numpy():
    return import_kymatio_numpy()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def relative_error(a, b):
    """max |a - b| / max |b|: the parity measure used against reference libraries."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / np.abs(b).max())
