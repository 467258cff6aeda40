"""Ring spectra of a lattice of positions: invariance to quarter turns about its centre.

The un-averaged output of :class:`~skscat.RotoTranslationScattering2D` is an
``(h, w)`` lattice of positions per path, centred on the image. A rotation of
the image turns those positions about the centre. Group them into square
rings about the lattice centre (positions at the same Chebyshev distance
``max(|y - cy|, |x - cx|)`` with ``(cy, cx) = ((h - 1) / 2, (w - 1) / 2)``):

* an odd square lattice has its centre on a position (a ring of one), then
  rings of ``8 r`` positions (``r = 1 .. (h - 1) / 2``, side ``2 r + 1``);
* an even square lattice has its centre between positions: rings of
  ``4 (2 r - 1)`` positions (``r = 1 .. h / 2``, side ``2 r``);
* a rectangular lattice keeps the same distance, so its outer rings are
  only the two longer sides' columns or rows.

A ring's positions, read in order of their angle about the centre, form a
cycle; a quarter turn of a square lattice moves every position a quarter of
the way round its ring (``2 r`` or ``2 r - 1`` steps), a cyclic shift. The
modulus of the ring's discrete Fourier transform does not see cyclic shifts.
For a ring of ``n`` real values ``v_p`` the transform keeps the frequencies
``f = 0 .. n // 2`` (the others are their conjugates):

``c_0 = sum_p v_p / sqrt(n)`` (signed), ``c_f = a_f |sum_p v_p exp(-2 i pi f p / n)| / sqrt(n)``

with ``a_f = sqrt(2)`` for ``0 < f < n / 2`` and ``1`` at ``f = n / 2``. By
Parseval ``sum_f c_f**2 = sum_p v_p**2``: every ring keeps its energy, and
since ``||a| - |b|| <= |a - b|`` the map is a contraction. Fewer frequencies
(``max_frequency``) keep the smoothest variations round each ring only.
"""

from __future__ import annotations

import numpy as np

from ..filters._cache import memoize


@memoize(32)
def ring_layout(h: int, w: int) -> tuple:
    """Rings of an ``(h, w)`` lattice: flat position indices, each ring in angular order.

    Returns a tuple of read-only int arrays, innermost ring first. Positions
    of a ring are sorted by their angle about the lattice centre (counter-
    clockwise on the image, starting from the left), so a quarter turn of a
    square lattice is a cyclic shift of every ring.
    """
    y, x = np.meshgrid(np.arange(h) - (h - 1) / 2, np.arange(w) - (w - 1) / 2, indexing="ij")
    y, x = y.ravel(), x.ravel()
    radius = np.maximum(np.abs(y), np.abs(x))
    # rows grow downwards: -y points up, so the angle runs counter-clockwise on the image
    angle = np.arctan2(-y, x)
    rings = []
    for r in np.unique(radius):
        members = np.flatnonzero(radius == r)
        ring = members[np.argsort(angle[members], kind="stable")]
        ring.flags.writeable = False
        rings.append(ring)
    return tuple(rings)


@memoize(32)
def ring_spectrum_matrices(h: int, w: int, max_frequency: int | None, dtype: str) -> tuple:
    """Matrices of the ring spectra of an ``(h, w)`` lattice.

    Parameters
    ----------
    h, w : int
        Lattice shape.
    max_frequency : int or None
        Highest ring frequency kept (``None``: all, ``n // 2`` for a ring of
        ``n``).
    dtype : str
        Real dtype of the matrices.

    Returns
    -------
    cos, sin : read-only arrays of shape (F, h * w)
        ``Re`` and ``-Im`` of the scaled Fourier coefficients: feature ``i``
        is ``|v @ cos[i] - 1j v @ sin[i]|``, or ``v @ cos[i]`` itself where
        ``signed[i]``.
    signed : read-only int array
        Features kept with their sign (frequency 0 of every ring; its ``sin``
        row is zero).
    labels : tuple of (ring, frequency)
        One pair per feature, for the feature names.
    """
    rings = ring_layout(h, w)
    rows_c, rows_s, signed, labels = [], [], [], []
    for r, ring in enumerate(rings):
        n = ring.size
        top = n // 2 if max_frequency is None else min(n // 2, int(max_frequency))
        p = np.arange(n)
        for f in range(top + 1):
            scale = np.sqrt((1.0 if f == 0 or 2 * f == n else 2.0) / n)
            c = np.zeros(h * w)
            s = np.zeros(h * w)
            c[ring] = scale * np.cos(2 * np.pi * f * p / n)
            s[ring] = scale * np.sin(2 * np.pi * f * p / n)
            if f == 0:
                signed.append(len(labels))
                s[:] = 0.0
            rows_c.append(c)
            rows_s.append(s)
            labels.append((r, f))
    cos = np.ascontiguousarray(rows_c, dtype=dtype)
    sin = np.ascontiguousarray(rows_s, dtype=dtype)
    signed = np.asarray(signed, dtype=np.intp)
    for a in (cos, sin, signed):
        a.flags.writeable = False
    return cos, sin, signed, tuple(labels)


def ring_spectra(S, mats, xp):
    """Ring spectra of real lattices ``S`` ``(..., h * w)`` -> ``(..., F)``.

    ``mats`` is ``(cos, sin, signed)`` from :func:`ring_spectrum_matrices`
    on the array module ``xp``. Returns the features and the complex
    coefficients ``a - i b`` as ``(a, b)`` (for the gradients).
    """
    cos, sin, signed = mats
    a = S @ cos.T
    b = S @ sin.T
    out = xp.sqrt(a * a + b * b)
    out[..., signed] = a[..., signed]
    return out, (a, b)


def ring_spectra_adjoint(g, coefs, mats, xp):
    """Gradient with respect to ``S`` of ``<ring_spectra(S), g>``, given its coefficients."""
    cos, sin, signed = mats
    a, b = coefs
    r = xp.sqrt(a * a + b * b)
    safe = xp.where(r > 0, r, 1)
    ga = xp.where(r > 0, g * a / safe, 0)
    gb = xp.where(r > 0, g * b / safe, 0)
    ga[..., signed] = g[..., signed]
    gb[..., signed] = 0
    return ga @ cos + gb @ sin
