"""Path tables of the 2-D scattering transform (Kymatio's channel order)."""

from __future__ import annotations

import numpy as np

from ..filters._cache import memoize


@memoize(64)
def scattering2d_paths(J: int, L: int, max_order: int) -> tuple:
    """Paths in output order: order 0, order 1 by (j1, theta1), order 2 by
    (j1, theta1, j2, theta2) with j2 > j1.

    Returns
    -------
    paths : tuple of tuple
        ``(order, (j1, ...), (theta1, ...))`` for each channel.
    """
    paths = [(0, (), ())]
    paths += [(1, (j1,), (t1,)) for j1 in range(J) for t1 in range(L)]
    if max_order >= 2:
        paths += [
            (2, (j1, j2), (t1, t2))
            for j1 in range(J)
            for t1 in range(L)
            for j2 in range(j1 + 1, J)
            for t2 in range(L)
        ]
    return tuple(paths)


@memoize(64)
def channel_index_2d(J: int, L: int, max_order: int) -> dict:
    """Where each batched block of the cascade goes among the output channels.

    ``index[(j1,)]`` is an ``(L,)`` array of the order-1 channels of scale j1;
    ``index[(j1, j2)]`` an ``(L * L,)`` array of the order-2 channels of
    scales (j1, j2), ordered (theta1, theta2).
    """
    position = {p[1:]: c for c, p in enumerate(scattering2d_paths(J, L, max_order))}
    index = {}
    for j1 in range(J):
        index[(j1,)] = np.array([position[((j1,), (t,))] for t in range(L)])
        for j2 in range(j1 + 1, J):
            if max_order >= 2:
                index[(j1, j2)] = np.array(
                    [position[((j1, j2), (t1, t2))] for t1 in range(L) for t2 in range(L)]
                )
    return index


def path_name(order: int, js: tuple, thetas: tuple, alphas: tuple | None = None) -> str:
    """``order0``, ``order1_j1=0_theta1=3``, ``order2_j1=0_theta1=3_j2=1_theta2=5``.

    With phase indices ``alphas`` (phase-aware scattering) each step also says
    its phase: ``order1_j1=0_theta1=3_alpha1=2``.
    """
    parts = [f"order{order}"]
    for i, (j, t) in enumerate(zip(js, thetas, strict=True), 1):
        step = f"j{i}={j}_theta{i}={t}"
        if alphas is not None:
            step += f"_alpha{i}={alphas[i - 1]}"
        parts.append(step)
    return "_".join(parts)
