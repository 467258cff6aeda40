"""
=========================================
Wavelet filter banks in space and Fourier
=========================================

A scattering transform is built from a *filter bank*: band-pass wavelets
:math:`\\psi_\\lambda` that split an image (or a signal) into scales and
orientations, and one low-pass filter :math:`\\phi_J` that averages.

In 2-D skscat uses the Morlet wavelets of Kymatio 0.3. For a scale
:math:`j` and an orientation :math:`\\theta`, with :math:`\\sigma_j = 0.8
\\cdot 2^j` and :math:`\\xi_j = \\frac{3\\pi}{4} 2^{-j}`,

.. math::

    \\psi_{j,\\theta}(u) = \\frac{s}{2\\pi\\sigma_j^2}\\,
    e^{-\\frac{u^\\top \\Sigma_\\theta u}{2\\sigma_j^2}}
    \\left(e^{i \\xi_j (u_1 \\cos\\theta + u_2 \\sin\\theta)} - K_{j,\\theta}\\right),
    \\qquad
    \\Sigma_\\theta = R_\\theta \\begin{pmatrix} 1 & 0 \\\\ 0 & s^2 \\end{pmatrix}
    R_\\theta^\\top,

where :math:`R_\\theta` is the rotation by :math:`\\theta`. The Gaussian
envelope has width :math:`\\sigma_j` along the direction :math:`\\theta` of
the plane wave and :math:`\\sigma_j / s` along its crests (the slant
:math:`s = 4/L` elongates it along the crests when :math:`L > 4`, for a finer
angular resolution); the plane wave has frequency :math:`\\xi_j` radians per
pixel; and :math:`K_{j,\\theta}` times
the envelope is subtracted so that the wavelet has zero mean. The scale
enters once, through :math:`\\sigma_j` and :math:`\\xi_j`. The filters are
periodised on the (padded) grid, and the :math:`\\pi` of the normalisation
is 3.1415, as in Kymatio. ``J`` sets the number of scales (and the width
:math:`2^J` of the final average) and ``L`` the number of orientations in
:math:`[0, \\pi)`.
"""

# %%
# Morlet 2-D wavelets in space
# ----------------------------
# Each panel is one complex wavelet: the hue is its phase, the brightness its
# modulus. The scale doubles from one row to the next and the orientation
# turns by :math:`\pi/L` from one column to the next. The last column shows the
# Gaussian low-pass :math:`\phi_J`.
import matplotlib.pyplot as plt

from skscat.plotting import plot_filters_1d, plot_filters_2d

fig = plot_filters_2d(J=3, L=8, domain="space")

# %%
# The same filters in Fourier
# ---------------------------
# A wavelet is a band-pass filter: its Fourier transform is a bump centred on
# the frequency :math:`\xi_j (\cos\theta, \sin\theta)`. Coarser scales
# sit closer to the zero frequency, which the low-pass :math:`\phi_J` covers.
# The *Littlewood-Paley sum*
# :math:`|\hat\phi_J(\omega)|^2 + \sum_{j,\theta} |\hat\psi_{j,\theta}(\omega)|^2`
# shows how the bank tiles the frequency plane: where it stays near one,
# the wavelet transform keeps the energy of the image. This bank is only near
# that: for ``J=3, L=8`` (counting each wavelet half at :math:`\omega` and half
# at :math:`-\omega`, as a real image sees it) the sum lies between 0.35 and
# 1.014 in the disk :math:`|\omega| \le \pi`, and drops to 0.12 in the corners
# beyond it (see :doc:`/user_guide/scattering`).
# The wavelets are not symmetric in Fourier: they cover one half-plane, and
# the modulus :math:`|x \star \psi_\lambda|` of a real image is the same for
# :math:`\theta` and :math:`\theta + \pi`.
fig = plot_filters_2d(J=3, L=8, domain="fourier")

# %%
# Morlet 1-D filter banks
# -----------------------
# :class:`~skscat.Scattering1D` uses two banks of analytic Morlet wavelets
# (they only see positive frequencies): ``Q`` wavelets per octave at the first
# order, which resolve frequencies finely (like a constant-Q spectrogram), and
# one per octave at the second order, which analyses the slower modulations of
# the first-order envelopes. Their bandwidth is proportional to their centre
# frequency down to the width :math:`0.1 / 2^J` of the low-pass; below it,
# ``Q - 1`` wavelets of constant bandwidth fill the gap to zero frequency.
# The bottom panel shows three first-order wavelets in time: the finest is a
# short burst at high frequency, the coarsest a long slow oscillation.
fig = plot_filters_1d(J=6, Q=8)

plt.show()
