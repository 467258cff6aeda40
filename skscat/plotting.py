"""Figures for filter banks, scattering coefficients and syntheses.

matplotlib is an optional dependency: importing this module always works, and
every function raises an :class:`ImportError` that says how to install
matplotlib when it is missing. Every function draws with :mod:`matplotlib.pyplot`
(so the figures show in notebooks and in the example gallery) and returns the
:class:`~matplotlib.figure.Figure`.

========================================  =============================================
:func:`plot_filters_2d`                   Morlet 2-D wavelets in space or in Fourier
:func:`plot_filters_1d`                   Morlet 1-D banks in Fourier and in time
:func:`plot_scattering_disk`              order-1 and order-2 scattering of one image,
                                          drawn on frequency disks
:func:`plot_scattering_maps`              the order-1 maps of one image, scale by angle
:func:`plot_coefficients_by_path`         mean coefficient of each path (or moment)
:func:`plot_synthesis`                    a target and its syntheses side by side
:func:`complex_to_rgb`                    colour a complex array: hue = phase,
                                          brightness = modulus
========================================  =============================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # matplotlib is optional
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "complex_to_rgb",
    "plot_coefficients_by_path",
    "plot_filters_1d",
    "plot_filters_2d",
    "plot_scattering_disk",
    "plot_scattering_maps",
    "plot_synthesis",
]


def _pyplot():
    """matplotlib.pyplot, or an ImportError that says how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "skscat.plotting needs matplotlib, an optional dependency of skscat: "
            "pip install matplotlib (or pip install 'skscat[doc]')."
        ) from exc
    return plt


def complex_to_rgb(z: Any, vmax: float | None = None) -> np.ndarray:
    """Colour a complex array: the hue is the phase, the brightness the modulus.

    Parameters
    ----------
    z : array-like of complex
        Values to colour, any shape.
    vmax : float or None, default=None
        Modulus shown at full brightness (``max |z|`` when None).

    Returns
    -------
    rgb : ndarray of shape ``z.shape + (3,)``, float in [0, 1]
    """
    _pyplot()
    from matplotlib.colors import hsv_to_rgb

    z = np.asarray(z)
    modulus = np.abs(z)
    vmax = float(modulus.max()) if vmax is None else float(vmax)
    hue = (np.angle(z) + np.pi) / (2 * np.pi)
    value = np.clip(modulus / vmax, 0, 1) if vmax > 0 else np.zeros_like(modulus)
    hsv = np.stack([hue, np.ones_like(hue), value], axis=-1)
    return hsv_to_rgb(hsv)


# -- filter banks --------------------------------------------------------------


def plot_filters_2d(
    J: int = 3,
    L: int = 8,
    *,
    domain: str = "space",
    size: int | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw the Morlet 2-D filter bank of a :class:`~skscat.Scattering2D`.

    One row per scale ``j`` and one column per orientation ``theta``, plus a
    last column with the low-pass ``phi_J`` (and, in Fourier, the
    Littlewood-Paley sum ``|phi|^2 + sum |psi|^2`` that shows how the filters
    tile the frequency plane).

    Parameters
    ----------
    J, L : int, default=3, 8
        Number of scales and of orientations.
    domain : {"space", "fourier"}, default="space"
        ``"space"``: each complex wavelet coloured by :func:`complex_to_rgb`
        (hue = phase, brightness = modulus), centred. ``"fourier"``: the
        (real) Fourier transform, zero frequency at the centre.
    size : int or None, default=None
        Grid size (a multiple of ``2**J``); ``None`` takes ``max(32, 2**(J + 3))``.
    figsize : tuple or None
        Figure size in inches.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    from .filters.morlet2d import morlet_filter_bank_2d

    if domain not in ("space", "fourier"):
        raise ValueError(f"domain must be 'space' or 'fourier', got {domain!r}.")
    size = int(size) if size is not None else max(32, 2 ** (J + 3))
    if size % 2**J:
        raise ValueError(f"size={size} must be a multiple of 2**J = {2**J}.")
    bank = morlet_filter_bank_2d(size, size, J, L, "float64")
    figsize = figsize or (1.2 * (L + 1), 1.25 * J + 0.6)
    fig, axes = plt.subplots(J, L + 1, figsize=figsize, squeeze=False)
    # The coarsest wavelet's long axis spans about 3 sigma / slant = 1.2 * 2**(J + 1) pixels.
    half = min(size // 2, math.ceil(1.25 * 2 ** (J + 1)))
    crop = slice(size // 2 - half, size // 2 + half)
    for j in range(J):
        for t in range(L):
            ax = axes[j, t]
            psi_hat = bank.psi[j][0][t]
            if domain == "space":
                psi = np.fft.fftshift(np.fft.ifft2(psi_hat))
                ax.imshow(complex_to_rgb(psi[crop, crop]), interpolation="nearest")
            else:
                ax.imshow(np.fft.fftshift(psi_hat), cmap="magma", interpolation="nearest")
            if j == 0:
                ax.set_title(rf"$\theta$={t}", fontsize=8)
            if t == 0:
                ax.set_ylabel(f"j={j}", fontsize=8)
    lowpass = bank.phi[0]
    if domain == "space":
        phi = np.fft.fftshift(np.fft.ifft2(lowpass)).real
        axes[0, L].imshow(phi[crop, crop], cmap="gray", interpolation="nearest")
    else:
        axes[0, L].imshow(np.fft.fftshift(lowpass), cmap="magma", interpolation="nearest")
        if J > 1:
            tiling = lowpass**2 + sum((bank.psi[j][0] ** 2).sum(0) for j in range(J))
            axes[1, L].imshow(np.fft.fftshift(tiling), cmap="magma", interpolation="nearest")
            axes[1, L].set_title("LP sum", fontsize=8)
    axes[0, L].set_title(r"$\phi_J$", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        if not ax.images:
            ax.axis("off")
    what = "space (hue: phase, brightness: modulus)" if domain == "space" else "Fourier"
    fig.suptitle(f"Morlet 2-D filter bank, J={J}, L={L}, in {what}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_filters_1d(
    J: int = 6,
    Q: int = 8,
    *,
    N: int | None = None,
    T: int | None = None,
    figsize: tuple[float, float] = (8, 6),
) -> Figure:
    """Draw the Morlet 1-D filter banks of a :class:`~skscat.Scattering1D`.

    Three panels: the first-order bank (``Q`` wavelets per octave) and the
    second-order bank (one per octave) in Fourier, each with its low-pass and
    its Littlewood-Paley sum, and three first-order wavelets in time.

    Parameters
    ----------
    J : int, default=6
        Log2 of the largest scale.
    Q : int, default=8
        First-order wavelets per octave.
    N : int or None, default=None
        Signal length (a power of two); ``None`` takes ``2**(J + 4)``.
    T : int or None, default=None
        Averaging window (``2**J`` when None).
    figsize : tuple, default=(8, 6)

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    from .filters.morlet1d import morlet_filter_bank_1d

    N = int(N) if N is not None else 2 ** (J + 4)
    bank = morlet_filter_bank_1d(N, J, Q, 1, T)
    freqs = np.arange(N) / N
    half = slice(0, N // 2 + 1)
    fig, axes = plt.subplots(3, 1, figsize=figsize)
    for ax, psi, title in (
        (axes[0], bank.psi1, f"order 1: Q={Q} wavelets per octave"),
        (axes[1], bank.psi2[0], "order 2: one wavelet per octave"),
    ):
        for k, h in enumerate(psi):
            ax.plot(freqs[half], h[half], color=plt.cm.viridis(k / max(len(psi) - 1, 1)), lw=1)
        ax.plot(freqs[half], bank.phi[0][half], color="k", lw=1.5, label=r"low-pass $\phi$")
        lp = bank.phi[0] ** 2 + (psi**2).sum(0)
        ax.plot(freqs[half], lp[half], "--", color="gray", lw=1, label="Littlewood-Paley sum")
        ax.set_xlim(0, 0.5)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(r"$|\hat\psi(\omega)|$", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    axes[1].set_xlabel("frequency (cycles per sample)", fontsize=9)
    t = np.arange(N) - N // 2
    picks = sorted({0, len(bank.psi1) // 2, len(bank.psi1) - 1})
    for k in picks:
        psi = np.fft.fftshift(np.fft.ifft(bank.psi1[k]))
        scale = np.abs(psi).max()
        line = axes[2].plot(t, psi.real / scale + 2.2 * k / max(picks[-1], 1), lw=1)[0]
        axes[2].plot(
            t,
            np.abs(psi) / scale + 2.2 * k / max(picks[-1], 1),
            color=line.get_color(),
            lw=0.8,
            ls=":",
        )
        line.set_label(rf"$\xi$={bank.xi1[k]:.3g}")
    axes[2].set_xlim(-min(N // 2, 4 * 2**J), min(N // 2, 4 * 2**J))
    axes[2].set_yticks([])
    axes[2].set_title("wavelets in time (real part and modulus)", fontsize=9)
    axes[2].set_xlabel("time (samples)", fontsize=9)
    axes[2].legend(fontsize=7, loc="upper right")
    fig.suptitle(f"Morlet 1-D filter banks, J={J}, Q={Q}", fontsize=10)
    fig.tight_layout()
    return fig


# -- scattering coefficients -----------------------------------------------------


def _one_image(estimator, x):
    x = np.asarray(x)
    H, W = estimator.shape_
    if x.size != H * W:
        raise ValueError(
            f"x has {x.size} pixels but the estimator was fitted on images of shape {(H, W)}."
        )
    return x.reshape(H, W)


def _path_values(estimator, x, position=None):
    """One value per path of a fitted Scattering2D for the image ``x``."""
    image = _one_image(estimator, x)
    S = np.asarray(estimator.transform(image.reshape(1, -1).astype(np.float64)))[0]
    if getattr(estimator, "average", False):
        return S
    maps = S.reshape(estimator.n_paths_, *estimator.output_shape_)
    if position is None:
        return maps.mean(axis=(1, 2))
    return maps[:, position[0], position[1]]


def _direction(angle):
    """Angle in the plot plane of a wavelet whose frequency is ``xi (cos a, sin a)``
    in (row, column) coordinates, drawn as the image is shown: column
    frequency to the right, row frequency downwards. A wedge then points
    across the edges (along the direction of variation) it responds to."""
    return math.degrees(math.atan2(-math.cos(angle), math.sin(angle)))


def plot_scattering_disk(
    estimator: Any,
    x: Any,
    *,
    position: tuple[int, int] | None = None,
    cmap: str = "viridis",
    log: bool = False,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw the scattering coefficients of one image on frequency disks.

    The order-1 disk has one ring per scale ``j1`` (the finest scale, highest
    frequency, outside) and one wedge per orientation ``theta1``, pointing
    where the wavelet's frequency lies; each wedge is drawn twice (at
    ``theta`` and ``theta + pi``), since the modulus does not see the sign of
    a frequency. Its colour is ``|x * psi_{j1,theta1}| * phi_J``. In the
    order-2 disk each order-1 wedge is split again into rings ``j2 > j1`` and
    ``L`` sub-wedges ``theta2``, coloured by
    ``||x * psi_{j1,theta1}| * psi_{j2,theta2}| * phi_J``.

    Parameters
    ----------
    estimator : Scattering2D
        A fitted :class:`~skscat.Scattering2D`.
    x : array-like of shape (H * W,) or (H, W)
        One image.
    position : tuple of int or None, default=None
        Show the coefficients at this output position ``(y, x)``; None
        averages over positions.
    cmap : str, default="viridis"
    log : bool, default=False
        Colour by ``log10`` of the coefficients.
    figsize : tuple or None

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle, Wedge

    from .scattering._paths2d import scattering2d_paths

    J, L, max_order = estimator.J, estimator.L, estimator.max_order
    values = _path_values(estimator, x, position)
    if log:
        values = np.log10(np.maximum(values, np.finfo(np.float64).tiny))
    paths = scattering2d_paths(J, L, max_order)
    angles = np.asarray(estimator.filters_.angles)
    width = 180.0 / L
    n_rings = J + 1  # rings of scales around a central disk

    def ring(j):  # radii of scale j: j = 0 outside
        return (J - j) / n_rings, (J - j + 1) / n_rings

    n_panels = 2 + (max_order >= 2)
    figsize = figsize or (4.0 * n_panels, 4.2)
    fig, axes = plt.subplots(1, n_panels, figsize=figsize, squeeze=False)
    axes = axes[0]
    axes[0].imshow(_one_image(estimator, x), cmap="gray")
    axes[0].set_title("image", fontsize=10)
    axes[0].set_xticks([])
    axes[0].set_yticks([])

    for order in range(1, n_panels):
        ax = axes[order]
        patches, colours = [], []
        for value, (o, js, ts) in zip(values, paths, strict=True):
            if o != order:
                continue
            centre = _direction(angles[ts[0]])
            r_in, r_out = ring(js[0])
            if order == 1:
                for flip in (0.0, 180.0):
                    c = centre + flip
                    patches.append(
                        Wedge((0, 0), r_out, c - width / 2, c + width / 2, width=r_out - r_in)
                    )
                    colours.append(value)
            else:
                n_sub = J - 1 - js[0]
                k = js[1] - js[0] - 1  # sub-ring, outer first
                sub_w = (r_out - r_in) / n_sub
                s_out = r_out - k * sub_w
                a0 = centre - width / 2 + ts[1] * width / L
                for flip in (0.0, 180.0):
                    patches.append(
                        Wedge((0, 0), s_out, a0 + flip, a0 + flip + width / L, width=sub_w)
                    )
                    colours.append(value)
        collection = PatchCollection(patches, cmap=cmap, edgecolor="none")
        collection.set_array(np.asarray(colours))
        ax.add_collection(collection)
        ax.add_patch(Circle((0, 0), 1 / n_rings, facecolor="0.85", edgecolor="none"))
        for j in range(J + 1):
            ax.add_patch(
                Circle((0, 0), ring(j)[1] if j < J else 1 / n_rings, fill=False, lw=0.4, color="w")
            )
        ax.set_xlim(-1.02, 1.02)
        ax.set_ylim(-1.02, 1.02)
        ax.set_aspect("equal")
        ax.axis("off")
        label = "log10 " if log else ""
        ax.set_title(
            f"order {order}" + (" (rings: j1, then j2)" if order == 2 else " (rings: j1)"),
            fontsize=10,
        )
        fig.colorbar(collection, ax=ax, shrink=0.75, label=f"{label}coefficient")
    where = "averaged over positions" if position is None else f"at position {tuple(position)}"
    fig.suptitle(f"Scattering disk, J={J}, L={L}, {where}", fontsize=11)
    fig.tight_layout()
    return fig


def plot_scattering_maps(
    estimator: Any,
    x: Any,
    *,
    cmap: str = "magma",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw the order-1 scattering maps ``|x * psi_{j,theta}| * phi_J`` of one image.

    One row per scale ``j``, one column per orientation ``theta``, each map
    of ``estimator.output_shape_`` positions, with the image and its order-0
    map (the local average) in the first column.

    Parameters
    ----------
    estimator : Scattering2D
        A fitted :class:`~skscat.Scattering2D` with ``average=False``.
    x : array-like of shape (H * W,) or (H, W)
        One image.
    cmap : str, default="magma"
    figsize : tuple or None

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    if getattr(estimator, "average", False):
        raise ValueError("plot_scattering_maps needs average=False (maps, not one value per path).")
    J, L = estimator.J, estimator.L
    image = _one_image(estimator, x)
    S = np.asarray(estimator.transform(image.reshape(1, -1).astype(np.float64)))[0]
    maps = S.reshape(estimator.n_paths_, *estimator.output_shape_)
    figsize = figsize or (1.1 * (L + 1) + 0.5, 1.15 * max(J, 2) + 0.6)
    fig, axes = plt.subplots(max(J, 2), L + 1, figsize=figsize, squeeze=False)
    axes[0, 0].imshow(image, cmap="gray")
    axes[0, 0].set_title("image", fontsize=8)
    axes[1, 0].imshow(maps[0], cmap="gray")
    axes[1, 0].set_title("order 0", fontsize=8)
    order1 = maps[1 : 1 + J * L]
    vmax = float(order1.max()) if order1.size else 1.0
    for j in range(J):
        for t in range(L):
            ax = axes[j, t + 1]
            ax.imshow(order1[j * L + t], cmap=cmap, vmin=0, vmax=vmax)
            if j == 0:
                ax.set_title(rf"$\theta_1$={t}", fontsize=8)
            if t == 0:
                ax.set_ylabel(f"j1={j}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        if not ax.images:
            ax.axis("off")
    fig.suptitle(
        r"Order-1 scattering maps $|x \star \psi_{j_1,\theta_1}| \star \phi_J$", fontsize=10
    )
    fig.tight_layout()
    return fig


# Trailing position tokens of a feature name: ``_y=0_x=3``, ``_t=5``, ``_u=2_3``.
_POSITION = re.compile(r"(_(?:[yxtu])=[-\d_]+)+$")


def _family(path: str) -> str:
    head = path.split("_", 1)[0]
    return head


def plot_coefficients_by_path(
    estimator: Any,
    X: Any,
    *,
    log: bool = True,
    ax: Axes | None = None,
    max_labels: int = 40,
) -> Figure:
    """Bar chart of the mean absolute coefficient of every path (or moment).

    Works for any fitted skscat transformer with ``get_feature_names_out``:
    output coordinates that differ only by their position (``_y=.._x=..``,
    ``_t=..``) are pooled into one path; bars are coloured by family
    (``order0``, ``order1``, ``order2``, or a moment family such as ``S11``).

    Parameters
    ----------
    estimator : fitted transformer
    X : array-like of shape (n_samples, n_features) or (n_features,)
        Signals or images to transform (pooled over samples).
    log : bool, default=True
        Logarithmic vertical axis.
    ax : matplotlib Axes or None
        Draw there instead of in a new figure.
    max_labels : int, default=40
        Label every path on the horizontal axis when there are at most this
        many; otherwise only the families are named.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(1, -1)
    F = np.abs(np.asarray(estimator.transform(X), dtype=np.float64)).mean(axis=0)
    names = [str(n) for n in estimator.get_feature_names_out()]
    paths, index = [], {}
    sums, counts = [], []
    for name, value in zip(names, F, strict=True):
        path = _POSITION.sub("", name)
        if path not in index:
            index[path] = len(paths)
            paths.append(path)
            sums.append(0.0)
            counts.append(0)
        sums[index[path]] += value
        counts[index[path]] += 1
    means = np.asarray(sums) / np.asarray(counts)
    families = [_family(p) for p in paths]
    unique = list(dict.fromkeys(families))
    colours = {f: plt.cm.tab10(i % 10) for i, f in enumerate(unique)}
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(6, min(14, 0.12 * len(paths) + 4)), 3.5))
    else:
        fig = ax.figure
    ax.bar(np.arange(len(paths)), means, width=0.9, color=[colours[f] for f in families])
    if log:
        ax.set_yscale("log")
    if len(paths) <= max_labels:
        ax.set_xticks(np.arange(len(paths)))
        ax.set_xticklabels(paths, rotation=90, fontsize=6)
    else:
        fam = np.asarray(families, dtype=object)
        mids = [float(np.flatnonzero(fam == f).mean()) for f in unique]
        ax.set_xticks(mids)
        ax.set_xticklabels(unique, fontsize=8, rotation=90 if len(unique) > 6 else 0)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[f]) for f in unique]
    ax.legend(handles, unique, fontsize=7, ncol=min(len(unique), 6), loc="upper right")
    ax.set_xlabel(f"path ({len(paths)} in all)")
    ax.set_ylabel("mean |coefficient|")
    ax.set_title(f"{type(estimator).__name__}: coefficients by path", fontsize=10)
    fig.tight_layout()
    return fig


# -- synthesis -------------------------------------------------------------------


def plot_synthesis(
    target: Any,
    syntheses: Any,
    *,
    shape: tuple[int, ...] | None = None,
    titles: Sequence[str] | None = None,
    losses: Any = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Show a target and one or more syntheses side by side.

    Images share one grey scale (the target's range); 1-D signals are drawn
    as curves. When ``losses`` is given, a last panel shows the objective
    along the iterations on a log scale.

    Parameters
    ----------
    target : array-like
        The target image (2-D, or flattened with ``shape``) or 1-D signal.
    syntheses : array-like or list of array-like
        One synthesis or several (e.g. the initial noise and the result).
    shape : tuple of int or None, default=None
        Image shape for flattened inputs.
    titles : list of str or None
        Titles of the panels, target first.
    losses : array-like or None
        Objective values along the optimisation.
    figsize : tuple or None

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _pyplot()
    if isinstance(syntheses, np.ndarray) and syntheses.ndim == np.asarray(target).ndim:
        syntheses = [syntheses]
    elif not isinstance(syntheses, list | tuple):
        syntheses = list(syntheses)
    arrays = [np.asarray(target, dtype=np.float64)] + [
        np.asarray(s, dtype=np.float64) for s in syntheses
    ]
    if shape is not None:
        arrays = [a.reshape(shape) for a in arrays]
    is_image = arrays[0].ndim == 2 and min(arrays[0].shape) > 1
    if titles is None:
        titles = ["target"] + (
            ["synthesis"] if len(arrays) == 2 else [f"synthesis {i}" for i in range(1, len(arrays))]
        )
    if len(titles) != len(arrays):
        raise ValueError(f"{len(titles)} titles for {len(arrays)} panels.")
    n_panels = len(arrays) + (losses is not None)
    figsize = figsize or (3.2 * n_panels, 3.4)
    fig, axes = plt.subplots(1, n_panels, figsize=figsize, squeeze=False)
    axes = axes[0]
    lo, hi = float(arrays[0].min()), float(arrays[0].max())
    for ax, a, title in zip(axes, arrays, titles, strict=False):
        if is_image:
            ax.imshow(a, cmap="gray", vmin=lo, vmax=hi)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            ax.plot(a.ravel(), lw=0.8)
            ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        ax.set_title(title, fontsize=10)
    if losses is not None:
        ax = axes[-1]
        ax.semilogy(np.asarray(losses, dtype=np.float64))
        ax.set_xlabel("iteration")
        ax.set_title("objective", fontsize=10)
    fig.tight_layout()
    return fig
