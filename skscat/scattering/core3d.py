"""The 3-D solid harmonic scattering cascade, written once against the backend operations.

``U1[j, l] = (sum_m |x * psi_{j,l,m}|**2)**(1/2)`` and
``U2[j1, j2, l] = (sum_m |U1[j1, l] * psi_{j2,l,m}|**2)**(1/2)`` (``j2 > j1``),
and their integrals ``sum_u U(u)**q`` over the grid for each power ``q``.
Python loops run over degrees and scales; every FFT is batched over samples
and the ``2 l + 1`` orders ``m``. Where a scale's filters are band-limited to
the precision, only their box of frequencies is multiplied and
inverse-transformed (:meth:`~skscat.backends.numpy_backend.NumpyBackend.box_modulus_integrals`).
"""

from __future__ import annotations

from ..filters.solid_harmonic3d import SolidHarmonicBank3D, box_crop


def scattering3d_paths(J: int, max_order: int) -> list[tuple]:
    """Paths in Kymatio's order: ``(j,)`` for ``j = 0..J``, then ``(j1, j2)``, ``j1 < j2``."""
    paths = [(j,) for j in range(J + 1)]
    if max_order >= 2:
        paths += [(j1, j2) for j1 in range(J + 1) for j2 in range(j1 + 1, J + 1)]
    return paths


def _alternating(backend, n: int, axis: int, dtype):
    """``(-1)**k`` for ``k < n``, shaped to broadcast along spatial ``axis`` (0, 1, 2)."""
    xp = backend.xp
    sign = 1 - 2 * (xp.arange(n) % 2)
    return sign.astype(dtype).reshape((n,) + (1,) * (2 - axis))


def nyquist_spectra(x, backend, axes) -> list:
    """Spectra of ``x`` on the Nyquist plane of each axis in ``axes``.

    ``x`` is real, ``(..., M, N, O)``. The DFT of ``x`` at frequency
    ``n_a / 2`` of axis ``a`` is the 2-D DFT of the alternating sum of ``x``
    along ``a``. Returns a list over the three axes: a complex array (the
    plane, full 2-D) or ``None`` for axes not in ``axes``.
    """
    out = []
    for axis in range(3):
        if axis not in axes:
            out.append(None)
            continue
        n = x.shape[x.ndim - 3 + axis]
        alt = (x * _alternating(backend, n, axis, x.dtype)).sum(axis=x.ndim - 3 + axis)
        out.append(backend.fft(alt, 2))
    return out


def _nyquist_energy(spectra, planes, j, shape, backend):
    """``sum_m |IFFT(X_hat * r_{j,m})|**2`` of the Nyquist remainders ``r``.

    A spectrum supported on the plane ``k_a = n_a / 2`` is, in space,
    ``(-1)**u_a / n_a`` times the 2-D inverse DFT ``A_a`` of the plane.
    ``spectra`` are the input's planes (:func:`nyquist_spectra`,
    ``(n, ., .)``), ``planes`` the bank's remainders of one degree. The
    energy ``sum_m |sum_a (-1)**u_a A_a|**2`` expands into the broadcast
    ``sum_m |A_a|**2`` and the cross terms ``sum_m A_a conj(A_b)``, each a
    batched matrix product over ``m`` (no full-grid array per ``m``).
    Returns ``(n, M, N, O)`` or None when there is nothing to add.
    """
    xp = backend.xp
    A = [None, None, None]
    for axis in range(3):
        if planes[axis] is not None:
            P = spectra[axis]
            A[axis] = backend.ifft(P[:, None] * planes[axis][j][None], 2) * (1.0 / shape[axis])
    present = [a for a in range(3) if A[a] is not None]
    if not present:
        return None
    rdtype = A[present[0]].real.dtype
    M, N, O = shape
    total = xp.zeros((A[present[0]].shape[0], M, N, O), dtype=rdtype)
    # |A_a|**2 summed over m, broadcast along axis a
    for a in present:
        e = (A[a].real * A[a].real + A[a].imag * A[a].imag).sum(axis=1)
        total += xp.expand_dims(e, axis=1 + a)
    sign = [_alternating(backend, n, a, rdtype) for a, n in enumerate(shape)]
    # cross terms 2 Re sum_m A_a conj(A_b) (-1)**(u_a + u_b): real and imaginary
    # parts stacked along m make each one real matrix product, batched over
    # the axis the two planes share.
    S = [None if a is None else xp.concatenate([a.real, a.imag], axis=1) for a in A]
    for a, b in ((0, 1), (0, 2), (1, 2)):
        if S[a] is None or S[b] is None:
            continue
        if (a, b) == (0, 1):  # share u2: (n, u2, u0, 2K) @ (n, u2, 2K, u1)
            cross = (S[1].transpose(0, 3, 2, 1) @ S[0].transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1)
        elif (a, b) == (0, 2):  # share u1: (n, u1, u0, 2K) @ (n, u1, 2K, u2)
            cross = (S[2].transpose(0, 3, 2, 1) @ S[0].transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)
        else:  # share u0: (n, u0, u1, 2K) @ (n, u0, 2K, u2)
            cross = S[2].transpose(0, 2, 3, 1) @ S[1].transpose(0, 2, 1, 3)
        total += (2.0 * cross) * (sign[a] * sign[b])
    return total


def _plane_axes(bank: SolidHarmonicBank3D) -> tuple:
    return tuple(a for a in range(3) if any(pl[a] is not None for pl in bank.planes))


def _modulus_integrals(xh, spectra, bank: SolidHarmonicBank3D, l, j, backend, powers, extra, keep):
    """``U`` (or None unless ``keep``) and the integrals of one ``(l, j)``.

    ``xh`` is the half spectrum; ``spectra`` a dict caching it, times
    ``(-i)**l`` up to a sign (odd degrees give imaginary convolutions), on the
    whole grid or cropped to the filters' boxes (see
    :class:`SolidHarmonicBank3D`): where the filters are band-limited only
    their box is multiplied and transformed, and only the box takes the phase.
    """
    box = bank.boxes[l][j] if bank.boxes is not None else None
    key = (box, l % 2)
    if key not in spectra:
        a = xh if box is None else box_crop(xh, box, bank.shape, backend.xp)
        spectra[key] = a * (-1j) if l % 2 else a
    if box is None:
        y = backend.irfft(spectra[key][:, None] * bank.half[l][j][None], bank.shape[2], 3)
        return backend.rotation_modulus_integrals(y, powers, extra, keep)
    z = spectra[key][:, None] * bank.half_box[l][j][None]
    return backend.box_modulus_integrals(z, box, bank.shape, powers, extra, keep)


def scattering3d(x, backend, bank: SolidHarmonicBank3D, *, max_order: int, powers, out):
    """Solid harmonic scattering integrals of a batch of 3-D arrays, written into ``out``.

    Parameters
    ----------
    x : array of shape (n, M, N, O)
        Real densities (backend array).
    backend : backend instance
        Supplies ``xp``, ``rfft``, ``irfft``, ``fft``, ``ifft``,
        ``rotation_modulus_integrals`` and ``box_modulus_integrals``.
    bank : SolidHarmonicBank3D
        Fourier filters on the grid.
    max_order : {1, 2}
    powers : sequence of float
        Integral powers ``q``.
    out : array of shape (n, n_paths, L + 1, len(powers))
        Receives ``sum_u U(u)**q`` in Kymatio's (path, l, power) order, paths
        as in :func:`scattering3d_paths`.
    """
    J, L = bank.J, bank.L
    xh = backend.rfft(x, 3)
    axes = _plane_axes(bank)
    x_planes = nyquist_spectra(x, backend, axes) if axes else None
    path_index = {p: i for i, p in enumerate(scattering3d_paths(J, max_order))}
    live = bank.plane_scales if bank.plane_scales is not None else [range(J + 1)] * (L + 1)
    x_spectra: dict = {}
    for l in range(L + 1):
        planes = bank.planes[l]
        for j1 in range(J + 1):
            extra = None
            if axes and j1 in live[l]:
                extra = _nyquist_energy(x_planes, planes, j1, bank.shape, backend)
            keep = max_order >= 2 and j1 < J
            U1, integrals = _modulus_integrals(
                xh, x_spectra, bank, l, j1, backend, powers, extra, keep
            )
            out[:, path_index[(j1,)], l] = integrals
            if not keep:
                continue
            uh = backend.rfft(U1, 3)
            j2s = range(j1 + 1, J + 1)
            u_axes = axes if any(j2 in live[l] for j2 in j2s) else ()
            u_planes = nyquist_spectra(U1, backend, u_axes) if u_axes else None
            u_spectra: dict = {}
            for j2 in j2s:
                extra2 = None
                if u_axes and j2 in live[l]:
                    extra2 = _nyquist_energy(u_planes, planes, j2, bank.shape, backend)
                _, integrals2 = _modulus_integrals(
                    uh, u_spectra, bank, l, j2, backend, powers, extra2, False
                )
                out[:, path_index[(j1, j2)], l] = integrals2
    return out


def order0_integrals(x, backend, powers):
    """``sum_u |x(u)|**q`` for each power, shape ``(n, len(powers))``.

    ``x`` is ``(n, M, N, O)``; the order-0 scattering integrals (Kymatio's
    QM7 example computes them beside the transform).
    """
    xp = backend.xp
    a = xp.abs(x).reshape(x.shape[0], -1)
    cols = []
    for q in powers:
        q = float(q)
        if q == 1.0:
            cols.append(a.sum(axis=1))
        elif q == 2.0:
            cols.append((a * a).sum(axis=1))
        else:
            cols.append((a ** a.dtype.type(q)).sum(axis=1))
    return xp.stack(cols, axis=1)
