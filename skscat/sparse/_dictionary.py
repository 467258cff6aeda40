"""Dictionary initialisation and the online (mini-batch) dictionary update.

The update is the block-coordinate descent of Mairal, Bach, Ponce & Sapiro
(2010, "Online learning for matrix factorization and sparse coding") on the
surrogate ``1/2 Tr(D^T A D) - Tr(D^T B)`` built from running sums
``A = sum z^T z`` and ``B = sum z^T x`` over the mini-batches seen, the same
scheme as scikit-learn's ``MiniBatchDictionaryLearning``. Atoms are rows and
are kept at unit norm, so ``alpha`` keeps one meaning for every
atom. Everything here is small ``(n_atoms, n_features)`` host work; the
sparse codes, which dominate, are computed on the backend.
"""

from __future__ import annotations

import numpy as np

# An atom whose code energy A[j, j] falls below this fraction of the mean
# is unused: it is re-drawn from the data (as in SPAMS and scikit-learn).
_DEAD_ATOM = 1e-6


def _unit_rows(D, rng):
    """Normalise rows to unit norm; rows of (near) zero norm become random directions."""
    norms = np.linalg.norm(D, axis=1)
    small = norms <= np.finfo(np.float64).eps * max(1.0, float(norms.max(initial=0.0)))
    if small.any():
        D[small] = rng.standard_normal((int(small.sum()), D.shape[1]))
        norms[small] = np.linalg.norm(D[small], axis=1)
    D /= norms[:, None]
    return D


def init_dictionary(X, n_atoms, rng):
    """Initial dictionary: ``n_atoms`` distinct rows of ``X`` drawn at random, unit-normed.

    When ``X`` has fewer rows than ``n_atoms``, all rows are used and the rest
    are random Gaussian directions; zero rows are replaced by random ones.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Host data.
    n_atoms : int
    rng : numpy.random.RandomState

    Returns
    -------
    D : ndarray of shape (n_atoms, n_features), float64, unit-norm rows.
    """
    n_samples, n_features = X.shape
    D = np.empty((n_atoms, n_features), dtype=np.float64)
    take = min(n_samples, n_atoms)
    D[:take] = X[rng.choice(n_samples, size=take, replace=False)]
    if take < n_atoms:
        D[take:] = rng.standard_normal((n_atoms - take, n_features))
    return _unit_rows(D, rng)


def forgetting_factor(n_updates: int, batch_size: int) -> float:
    """Weight of the past statistics at update ``n_updates`` (0-based).

    The rule of scikit-learn's ``MiniBatchDictionaryLearning``: early batches
    are forgotten quickly (their codes came from a poor dictionary), later
    ones ever more slowly.
    """
    if n_updates < batch_size - 1:
        theta = (n_updates + 1) * batch_size
    else:
        theta = batch_size**2 + n_updates + 1 - batch_size
    return (theta + 1 - batch_size) / (theta + 1)


def update_dictionary(D, A, B, X, rng):
    """One pass of block-coordinate descent over the atoms, in place.

    For each atom ``j``: ``d_j <- d_j + (B_j - A_j D) / A_jj``, then ``d_j``
    is normalised to unit norm; an unused atom (``A_jj`` tiny) is replaced by
    a random row of the mini-batch ``X`` plus 1% noise. The loop runs over
    atoms (each step depends on the previous ones), never over samples.

    Parameters
    ----------
    D : ndarray of shape (n_atoms, n_features), float64, modified in place.
    A : ndarray of shape (n_atoms, n_atoms)
        Running ``sum z^T z``.
    B : ndarray of shape (n_atoms, n_features)
        Running ``sum z^T x``.
    X : ndarray of shape (n_batch, n_features)
        Host copy of the current mini-batch (for re-drawing unused atoms).
    rng : numpy.random.RandomState

    Returns
    -------
    n_redrawn : int
        Number of atoms that were re-drawn from the data.
    """
    n_atoms = D.shape[0]
    diag = np.diag(A)
    dead = _DEAD_ATOM * max(float(diag.mean()), np.finfo(np.float64).tiny)
    n_redrawn = 0
    for j in range(n_atoms):
        if A[j, j] > dead:
            D[j] += (B[j] - A[j] @ D) / A[j, j]
        else:
            new = np.asarray(X[rng.randint(X.shape[0])], dtype=np.float64)
            scale = float(new.std()) or 1.0
            D[j] = new + rng.normal(0.0, 0.01 * scale, size=D.shape[1])
            n_redrawn += 1
        norm = float(np.linalg.norm(D[j]))
        if norm > np.finfo(np.float64).eps:
            D[j] /= norm
        else:
            D[j] = rng.standard_normal(D.shape[1])
            D[j] /= np.linalg.norm(D[j])
    return n_redrawn


def gram_and_lipschitz(D):
    """``G = D D^T`` and its largest eigenvalue (from the smaller of ``D D^T``, ``D^T D``)."""
    D = np.asarray(D, dtype=np.float64)
    G = D @ D.T
    small = G if D.shape[0] <= D.shape[1] else D.T @ D
    lipschitz = float(np.linalg.eigvalsh(small)[-1]) if small.size else 0.0
    return G, max(lipschitz, np.finfo(np.float64).tiny)
