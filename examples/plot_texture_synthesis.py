"""
=========================================================
Texture synthesis: Gaussian statistics vs phase harmonics
=========================================================

A stationary texture is modelled by a few statistics ``Phi(x)``; a new
sample of the texture is an image with the same statistics, found by
descending

.. math::

    \\| \\Phi(x) - \\Phi(x_{\\rm target}) \\|^2

from white noise with L-BFGS (a microcanonical model). The gradient is the
vector-Jacobian product of the transform, written by hand
(:func:`skscat.gradients.vjp`): FFTs, filter products, moduli and phase
harmonics all have simple adjoints, so numpy and scipy are enough -- no
deep-learning framework.

We compare two models of scikit-image's brick texture with
:class:`~skscat.phase_harmonics.PhaseHarmonics2D`:

* **Gaussian**: only the wavelet power spectrum and its correlations at
  lags (``S11``) and the low-pass moments (``L``): second-order statistics,
  which a Gaussian field with the same spectrum also has. Phases are left
  random, so edges are not aligned across scales.
* **Phase harmonics**: all the moments, including the correlations of the
  moduli (``S00``, ``S01``, ``C01``) and ``Cphase``, the correlation of
  ``x * psi_j`` with the phase harmonic ``[x * psi_j']^(2^(j'-j))``: the
  alignment of phases across scales that makes sharp, straight mortar lines.

The normalised moments (``normalize="image"``) do not depend on the mean and
the contrast of an image, so the syntheses are shown with the target's mean
and standard deviation.
"""

# %%
# The target and the two models
# -----------------------------
import time

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

from skscat.gradients import synthesize
from skscat.phase_harmonics import PhaseHarmonics2D

target = data.brick()[:128, :128].astype(np.float64) / 255.0
params = dict(J=5, L=4, delta_n=2, shape=target.shape)
models = {
    "Gaussian (S11, L)": PhaseHarmonics2D(moments=("S11", "L"), **params),
    "phase harmonics (all moments)": PhaseHarmonics2D(**params),
}
full = models["phase harmonics (all moments)"].fit(target.reshape(1, -1))
families = np.array([name.split("_")[0] for name in full.get_feature_names_out()])
reference = full.transform(target.reshape(1, -1))[0]


def family_errors(x):
    """Relative error of each moment family of the full model."""
    values = full.transform(x.reshape(1, -1))[0]
    return {
        f: np.linalg.norm(values[families == f] - reference[families == f])
        / np.linalg.norm(reference[families == f])
        for f in ("S11", "S00", "S01", "C01", "Cphase", "L")
    }


# %%
# Synthesis from white noise
# --------------------------
syntheses = {}
for name, model in models.items():
    model.fit(target.reshape(1, -1))
    start = time.perf_counter()
    x = synthesize(model, target, n_iter=150, random_state=0)
    seconds = time.perf_counter() - start
    x = target.mean() + target.std() * (x - x.mean()) / x.std()
    syntheses[name] = x
    errors = family_errors(x)
    print(f"{name}: {seconds:.1f} s; relative error of each family of the full model:")
    print("   " + ", ".join(f"{f} {e:.3f}" for f, e in errors.items()))

# %%
# The Gaussian model keeps the spectrum (``S11`` matches to 0.3 %) but misses
# the moments of the moduli and of the phases (``S01``, ``C01``, ``Cphase``
# off by 27 to 43 %): its mortar lines break into short blobs. With the phase
# harmonics every family matches to a few percent and the lines come back
# long, straight and sharp.
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
panels = {"target": target, **syntheses}
for ax, (title, image) in zip(axes, panels.items(), strict=True):
    ax.imshow(image, cmap="gray", vmin=target.min(), vmax=target.max())
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()
