"""
=====================================================================
Texture classification: scattering and wavelet phase harmonics
=====================================================================

Three textures from scikit-image (brick, grass, gravel; nothing is
downloaded) are cut into 32 x 32 patches: the top half of each image gives
the training patches, the bottom half the test patches, so no test pixel was
seen in training. Two feature maps feed the same classifiers (LDA and an RBF
SVM):

- averaged scattering coefficients, :class:`~skscat.Scattering2D` with
  ``average=True``: band energies ``|x * psi|`` and their cascades;
- wavelet phase-harmonic statistics, :class:`~skscat.phase_harmonics.PhaseHarmonics2D`:
  band powers, sparsity, and the covariances across scales (``C01``,
  ``Cphase``) that see how edges and grains align their phases.

Phase-harmonic features are normalised per patch (``normalize="image"``), so
they do not change with the patch's brightness and contrast. The second test
relights every test patch (a random gain in ``[0.5, 2]`` and offset in
``[-60, 60]`` grey levels): the scattering features, linear in the contrast,
move away from what the classifiers learnt; the phase-harmonic ones do not.
"""

# %%
# Patches of three textures
# -------------------------
import time

import matplotlib.pyplot as plt
import numpy as np
from skimage import data
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skscat.phase_harmonics import PhaseHarmonics2D
from skscat.scattering import Scattering2D

size = 32
names = ["brick", "grass", "gravel"]


def patches(image, rows):
    """Non-overlapping size x size patches from the given half of an image."""
    half = image[: image.shape[0] // 2] if rows == "top" else image[image.shape[0] // 2 :]
    h, w = half.shape[0] // size, half.shape[1] // size
    blocks = half[: h * size, : w * size].reshape(h, size, w, size).swapaxes(1, 2)
    return blocks.reshape(-1, size * size).astype(np.float64)


images = [getattr(data, name)() for name in names]
X_train = np.concatenate([patches(im, "top") for im in images])
X_test = np.concatenate([patches(im, "bottom") for im in images])
y_train = np.repeat(np.arange(3), len(X_train) // 3)
y_test = np.repeat(np.arange(3), len(X_test) // 3)

rng = np.random.default_rng(0)
gain = rng.uniform(0.5, 2.0, size=(len(X_test), 1))
offset = rng.uniform(-60, 60, size=(len(X_test), 1))
X_relit = gain * X_test + offset
print(f"{len(X_train)} training and {len(X_test)} test patches of {size} x {size}")

# %%
# Features and classifiers
# ------------------------
# Both transforms are data independent: fit only reads the image shape.
features = {
    "scattering": Scattering2D(J=3, L=8, shape=(size, size), average=True),
    "phase harmonics": PhaseHarmonics2D(J=4, L=4, shape=(size, size)),
}
classifiers = {
    "LDA": lambda: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    "SVM (RBF)": lambda: make_pipeline(StandardScaler(), SVC(C=10)),
}

scores = {}
for fname, transformer in features.items():
    start = time.perf_counter()
    transformer.fit(X_train)
    F_train, F_test, F_relit = (transformer.transform(X) for X in (X_train, X_test, X_relit))
    print(
        f"{fname}: {F_train.shape[1]} features, "
        f"{time.perf_counter() - start:.1f} s for {3 * len(X_test)} patches"
    )
    for cname, make in classifiers.items():
        clf = make().fit(F_train, y_train)
        scores[fname, cname] = (clf.score(F_test, y_test), clf.score(F_relit, y_test))
        print(
            f"  {cname:>9}: test accuracy {scores[fname, cname][0]:.3f}, "
            f"relit test accuracy {scores[fname, cname][1]:.3f}"
        )

# %%
# Patches and accuracies
# ----------------------
fig = plt.figure(figsize=(11, 4.2), layout="constrained")
grid = fig.add_gridspec(3, 7)
for c, image_patches in enumerate(np.split(X_test, 3)):
    for k in range(2):
        ax = fig.add_subplot(grid[c, k])
        ax.imshow(image_patches[7 * k + 3].reshape(size, size), cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
        if k == 0:
            ax.set_ylabel(names[c])
    ax = fig.add_subplot(grid[c, 2])
    ax.imshow(X_relit[c * len(X_test) // 3 + 3].reshape(size, size), cmap="gray", vmin=0, vmax=255)
    ax.set_xticks([])
    ax.set_yticks([])
    if c == 0:
        ax.set_title("relit", fontsize=9)

ax = fig.add_subplot(grid[:, 3:])
labels = [f"{f}\n{c}" for f, c in scores]
positions = np.arange(len(scores))
ax.bar(positions - 0.2, [s[0] for s in scores.values()], 0.4, label="test patches")
ax.bar(positions + 0.2, [s[1] for s in scores.values()], 0.4, label="relit test patches")
ax.axhline(1 / 3, color="gray", linestyle=":", linewidth=1)
ax.set_xticks(positions, labels, fontsize=8)
ax.set_ylim(0, 1.05)
ax.set_ylabel("accuracy")
ax.legend(loc="lower left", fontsize=8)
ax.set_title("brick / grass / gravel, 32 x 32 patches")
plt.show()
