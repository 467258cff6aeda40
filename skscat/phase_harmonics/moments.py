"""Moment tables: which phase-harmonic covariances are computed, in which order.

A wavelet phase-harmonic (WPH) moment is a covariance

.. math::

    C(\\lambda_1, p_1, \\lambda_2, p_2, \\tau) = \\mathrm{mean}_u\\big[
    ([x \\star \\psi_{\\lambda_1}]^{p_1}(u + \\tau) - \\mu_1)\\,
    \\overline{([x \\star \\psi_{\\lambda_2}]^{p_2}(u) - \\mu_2)}\\big]

of phase harmonics ``[z]^p = |z| exp(i p arg z)`` (``p = 0`` is the modulus,
``p = 1`` the wavelet coefficient itself) at a lag ``tau``; a scaling moment is
the same with the low-pass ``x * phi_j`` at ``tau = 0``. The families, in
the output order (that of pywph 1.1's ``WPHOp(...).apply``):

``S11``
    ``(j, t, 1; j, t, 1)``: band power and, at lags, the autocovariance of
    ``x * psi``; lags ``n = 1..delta_n`` in ``A = 4`` directions on a half circle.
``S00``
    ``(j, t, 0; j, t, 0)``: covariance of the modulus (sparsity); same lags.
``S01``
    ``(j, t, 0; j, t, 1)`` at ``tau = 0``.
``C01``
    ``(j1, t1, 0; j2, t2, 1)``, ``j1 < j2``, ``t2`` in ``t1 - L//2 .. t1 + L//2 - 1``
    (mod ``L``); lags in ``2 A`` directions on the full circle when ``t1 == t2``.
``Cphase``
    ``(j1, t, 1; j2, t, 2**(j2 - j1))``, ``j1 < j2``: the phase alignment across
    scales; lags ``n <= min(J - 1 - j2, delta_n)`` in ``2 A`` directions.
``L``
    scaling moments ``(j, p1, p2)`` for ``j = -1 .. J//4`` and
    ``(p1, p2) in ((0, 0), (0, 1), (1, 1))``.

In 2-D the lag of index ``(n, a)`` for the angle ``t`` of the second wavelet is
``2**n (sin, cos)(t pi / L - a pi / A)`` pixels (rows, columns), rounded to the
nearest integer; in 1-D it is ``+2**n`` for ``S11`` / ``S00`` (the
autocovariance at ``-tau`` is the conjugate) and ``+-2**n`` for ``C01`` and
``Cphase``. The tables are pure functions of their parameters and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..filters._cache import memoize

#: Moment families, in output order.
FAMILIES = ("S11", "S00", "S01", "C01", "Cphase", "L")
#: Number of lag directions on a half circle (pywph's ``A``).
N_DIRECTIONS = 4
#: ``(p1, p2)`` of the scaling moments.
SCALING_POWERS = ((0, 0), (0, 1), (1, 1))


def check_moments(moments, owner: str) -> tuple:
    """Validate a ``moments`` parameter; return the families in output order."""
    if isinstance(moments, str):
        moments = (moments,)
    try:
        chosen = tuple(moments)
    except TypeError:
        chosen = None
    if not chosen or any(m not in FAMILIES for m in chosen):
        raise ValueError(
            f"{owner}: moments must be a non-empty subset of {FAMILIES}, got {moments!r}."
        )
    return tuple(m for m in FAMILIES if m in chosen)


def scaling_scales(J: int) -> tuple:
    """Scales ``j`` of the low-pass (scaling) moments: ``-1 .. J // 4``."""
    return tuple(range(-1, J // 4 + 1))


@dataclass(frozen=True, eq=False)
class MomentTable:
    """Index of every complex moment of a phase-harmonic transform, in output order.

    Attributes
    ----------
    ndim : int
        1 for signals, 2 for images.
    shape : tuple of int
        Signal or image shape (lags are reduced modulo it).
    J, L : int
        Scales and angles (``L == 1`` in 1-D).
    family : ndarray of str
        Family of each moment.
    j1, t1, p1, j2, t2, p2 : ndarray of int
        Scale, angle and harmonic of both factors (scaling moments: ``j1 = j2 = j``,
        ``t1 = t2 = 0``).
    n, a : ndarray of int
        Lag radius index and direction index (0 for no lag).
    lag : ndarray of int, shape (n_moments, ndim)
        Lag in samples, reduced modulo ``shape`` (rows, columns in 2-D).
    tau : ndarray of int, shape (n_moments, ndim)
        The signed lag before the reduction.
    real : ndarray of bool
        True where the moment of a real signal is real (its imaginary part
        vanishes identically): ``S11`` at lag 0, ``S00``, ``L``.
    names : tuple of str
        One name per moment (without the ``_re`` / ``_im`` suffix).
    scaling_j : tuple of int
        Scales of the low-pass filters used by ``L``.
    """

    ndim: int
    shape: tuple
    J: int
    L: int
    families: tuple
    family: np.ndarray = field(repr=False)
    j1: np.ndarray = field(repr=False)
    t1: np.ndarray = field(repr=False)
    p1: np.ndarray = field(repr=False)
    j2: np.ndarray = field(repr=False)
    t2: np.ndarray = field(repr=False)
    p2: np.ndarray = field(repr=False)
    n: np.ndarray = field(repr=False)
    a: np.ndarray = field(repr=False)
    lag: np.ndarray = field(repr=False)
    tau: np.ndarray = field(repr=False)
    real: np.ndarray = field(repr=False)
    names: tuple = field(repr=False)
    scaling_j: tuple = ()

    def __len__(self) -> int:
        return len(self.family)

    def counts(self) -> dict:
        """Number of complex moments of each family."""
        return {f: int(np.sum(self.family == f)) for f in self.families}


def _lag_2d(t: int, n: int, a: int, L: int, A: int) -> tuple:
    """Lag ``(rows, cols)`` of radius index ``n`` and direction ``t pi/L - a pi/A``."""
    if n == 0:
        return 0, 0
    angle = t * np.pi / L - a * np.pi / A
    radius = 2.0**n
    return int(np.rint(radius * np.sin(angle))), int(np.rint(radius * np.cos(angle)))


def _name_2d(fam, j1, t1, p1, j2, t2, p2, n, a) -> str:
    if fam in ("S11", "S00", "S01"):
        base = f"{fam}_j={j1}_theta={t1}"
    elif fam == "C01":
        base = f"{fam}_j1={j1}_theta1={t1}_j2={j2}_theta2={t2}"
    elif fam == "Cphase":
        base = f"{fam}_j1={j1}_j2={j2}_theta={t1}"
    else:  # L
        return f"L_j={j1}_p1={p1}_p2={p2}"
    return base + (f"_n={n}_alpha={a}" if n else "")


def _name_1d(fam, j1, p1, j2, p2, tau) -> str:
    if fam in ("S11", "S00", "S01"):
        base = f"{fam}_j={j1}"
    elif fam in ("C01", "Cphase"):
        base = f"{fam}_j1={j1}_j2={j2}"
    else:  # L
        return f"L_j={j1}_p1={p1}_p2={p2}"
    return base + (f"_tau={tau:+d}" if tau else "")


def _finish(rows, ndim, shape, J, L, families, names, scaling_j) -> MomentTable:
    cols = list(zip(*rows, strict=True)) if rows else [()] * 10
    fam, j1, t1, p1, j2, t2, p2, n, a, tau = cols
    tau = np.array(tau, dtype=np.int64).reshape(-1, ndim)
    lag = tau % np.array(shape, dtype=np.int64)
    as_int = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    fam = np.array(fam, dtype=object)
    real = (fam == "S00") | (fam == "L") | ((fam == "S11") & (as_int(n) == 0))
    return MomentTable(
        ndim=ndim,
        shape=tuple(shape),
        J=J,
        L=L,
        families=families,
        family=fam,
        j1=as_int(j1),
        t1=as_int(t1),
        p1=as_int(p1),
        j2=as_int(j2),
        t2=as_int(t2),
        p2=as_int(p2),
        n=as_int(n),
        a=as_int(a),
        lag=lag,
        tau=tau,
        real=np.asarray(real, dtype=bool),
        names=tuple(names),
        scaling_j=tuple(scaling_j),
    )


@memoize(64)
def moment_table_2d(shape: tuple, J: int, L: int, delta_n: int, families: tuple) -> MomentTable:
    """The moments of :class:`~skscat.PhaseHarmonics2D`, in pywph 1.1's order.

    Parameters
    ----------
    shape : (M, N)
        Image shape.
    J, L : int
        Scales and angles.
    delta_n : int
        Largest lag radius index (lags up to ``2**delta_n`` pixels).
    families : tuple of str
        Families to include, a subset of :data:`FAMILIES` in that order.

    Returns
    -------
    table : MomentTable
        For ``J=7, L=4, delta_n=0`` and all families: 513 moments.
    """
    A = N_DIRECTIONS
    rows, names = [], []

    def add(fam, j1, t1, p1, j2, t2, p2, n=0, a=0):
        tau = _lag_2d(t2, n, a, L, A)
        rows.append((fam, j1, t1, p1, j2, t2, p2, n, a, tau))
        names.append(_name_2d(fam, j1, t1, p1, j2, t2, p2, n, a))

    for fam in families:
        if fam in ("S11", "S00"):
            p = 1 if fam == "S11" else 0
            for j in range(J):
                for t in range(L):
                    add(fam, j, t, p, j, t, p)
                    for n in range(1, delta_n + 1):
                        for a in range(A):
                            add(fam, j, t, p, j, t, p, n, a)
        elif fam == "S01":
            for j in range(J):
                for t in range(L):
                    add(fam, j, t, 0, j, t, 1)
        elif fam == "C01":
            half = L // 2
            for j1 in range(J):
                for j2 in range(j1 + 1, J):
                    for t1 in range(L):
                        for t2 in range(t1 - half, t1 + half):
                            add(fam, j1, t1, 0, j2, t2 % L, 1)
                            if t2 == t1:
                                for n in range(1, delta_n + 1):
                                    for a in range(2 * A):
                                        add(fam, j1, t1, 0, j2, t2, 1, n, a)
        elif fam == "Cphase":
            for j1 in range(J):
                for j2 in range(j1 + 1, J):
                    for t in range(L):
                        add(fam, j1, t, 1, j2, t, 2 ** (j2 - j1))
                        for n in range(1, min(J - 1 - j2, delta_n) + 1):
                            for a in range(2 * A):
                                add(fam, j1, t, 1, j2, t, 2 ** (j2 - j1), n, a)
    scaling_j = scaling_scales(J) if "L" in families else ()
    for j in scaling_j:
        for p1, p2 in SCALING_POWERS:
            rows.append(("L", j, 0, p1, j, 0, p2, 0, 0, (0, 0)))
            names.append(_name_2d("L", j, 0, p1, j, 0, p2, 0, 0))
    return _finish(rows, 2, shape, J, L, families, names, scaling_j)


@memoize(64)
def moment_table_1d(length: int, J: int, delta_n: int, families: tuple) -> MomentTable:
    """The moments of :class:`~skscat.PhaseHarmonics1D` (one wavelet per octave).

    The 2-D families with a single orientation: ``S11``/``S00`` at lags
    ``+2**n``, ``S01``, ``C01`` for all ``j1 < j2`` and ``Cphase`` at lags
    ``+-2**n`` (``n <= delta_n``, and ``n <= J - 1 - j2`` for ``Cphase``), then
    the scaling moments.
    """
    rows, names = [], []

    def add(fam, j1, p1, j2, p2, tau=0, n=0, a=0):
        rows.append((fam, j1, 0, p1, j2, 0, p2, n, a, (tau,)))
        names.append(_name_1d(fam, j1, p1, j2, p2, tau))

    signs = (1, -1)
    for fam in families:
        if fam in ("S11", "S00"):
            p = 1 if fam == "S11" else 0
            for j in range(J):
                add(fam, j, p, j, p)
                for n in range(1, delta_n + 1):
                    add(fam, j, p, j, p, 2**n, n, 0)
        elif fam == "S01":
            for j in range(J):
                add(fam, j, 0, j, 1)
        elif fam in ("C01", "Cphase"):
            for j1 in range(J):
                for j2 in range(j1 + 1, J):
                    p1, p2 = (0, 1) if fam == "C01" else (1, 2 ** (j2 - j1))
                    add(fam, j1, p1, j2, p2)
                    n_max = delta_n if fam == "C01" else min(J - 1 - j2, delta_n)
                    for n in range(1, n_max + 1):
                        for a, s in enumerate(signs):
                            add(fam, j1, p1, j2, p2, s * 2**n, n, a)
    scaling_j = scaling_scales(J) if "L" in families else ()
    for j in scaling_j:
        for p1, p2 in SCALING_POWERS:
            rows.append(("L", j, 0, p1, j, 0, p2, 0, 0, (0,)))
            names.append(_name_1d("L", j, p1, j, p2, 0))
    return _finish(rows, 1, (length,), J, 1, families, names, scaling_j)
