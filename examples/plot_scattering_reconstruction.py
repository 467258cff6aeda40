"""
=======================================================
Reconstructing a digit from its scattering coefficients
=======================================================

How much of an image do its scattering coefficients keep? We look for an
image ``x`` whose coefficients equal those of a digit,

.. math::

    \\min_x \\; \\| S_J x - S_J x_{\\rm target} \\|^2,

starting from white noise, with L-BFGS. The gradient of the loss is the
vector-Jacobian product of the scattering transform,
:func:`skscat.gradients.vjp`: every step of the cascade (FFT, product with a
wavelet, periodisation, modulus, average) has a simple adjoint, written by
hand, so there is no deep-learning framework anywhere -- numpy and scipy
suffice. :func:`skscat.gradients.synthesize` runs the whole optimisation.

With ``J = 1`` the coefficients (an average over 2 pixels) determine the
image: it comes back almost exactly. As ``J`` grows the coefficients average
over ``2**J`` pixels and become invariant to small translations and
deformations; the reconstruction keeps the strokes' scales, orientations and
co-occurrences but not their exact positions.
"""

# %%
# A digit and its scattering coefficients for J = 1, 2, 3
# -------------------------------------------------------
import time

import matplotlib.pyplot as plt
import numpy as np

from skscat import Scattering2D
from skscat.datasets import load_mnist_sample
from skscat.gradients import synthesize

X, y, shape = load_mnist_sample()
target = X[0].reshape(shape).astype(np.float64)
target /= target.max()

results = {}
for J in (1, 2, 3):
    scattering = Scattering2D(J=J, L=8, shape=shape).fit(target.reshape(1, -1))
    losses = []
    start = time.perf_counter()
    x = synthesize(
        scattering,
        target,
        n_iter=300,
        random_state=0,
        callback=lambda x, loss, losses=losses: losses.append(loss),
    )
    seconds = time.perf_counter() - start
    S_target = scattering.transform(target.reshape(1, -1))
    error = np.linalg.norm(scattering.transform(x.reshape(1, -1)) - S_target) / np.linalg.norm(
        S_target
    )
    results[J] = (x, losses, error)
    print(
        f"J={J}: {scattering.n_features_out_} coefficients for {target.size} pixels, "
        f"relative coefficient error {error:.1e} after {len(losses)} iterations "
        f"({seconds:.1f} s), image error "
        f"{np.linalg.norm(x - target) / np.linalg.norm(target):.2f}"
    )

# %%
# The reconstructions and the loss along the iterations
# -----------------------------------------------------
fig, axes = plt.subplots(1, 5, figsize=(15, 3.2))
axes[0].imshow(target, cmap="gray")
axes[0].set_title("target")
for ax, (J, (x, _, error)) in zip(axes[1:4], results.items(), strict=True):
    ax.imshow(x, cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"from $S_J$, J={J} (error {error:.0e})", fontsize=10)
for ax in axes[:4]:
    ax.set_xticks([])
    ax.set_yticks([])
for J, (_, losses, _) in results.items():
    axes[4].semilogy(losses, label=f"J={J}")
axes[4].set_xlabel("L-BFGS iteration")
axes[4].set_title(r"$\|S_J x - S_J x_{target}\|^2 / \|S_J x_{target}\|^2$", fontsize=10)
axes[4].legend()
fig.tight_layout()
plt.show()
