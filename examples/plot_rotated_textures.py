"""
====================================================================
Rotated textures: roto-translation scattering against Scattering2D
====================================================================

Three textures from scikit-image (brick, grass, gravel; nothing is
downloaded) are cut into 32 x 32 patches: training patches come upright from
the top half of each image, test patches from the bottom half, each turned by
its own random angle. Brick is strongly oriented, so :class:`~skscat.Scattering2D`'s
averaged coefficients, which record orientations, move when it turns;
:class:`~skscat.RotoTranslationScattering2D` averages over the orientations
(after a wavelet transform along them) and does not see the turn.

The first figure follows the features of one brick patch as it turns: the
relative change of the averaged features against the angle.
"""

# %%
# Features of one turning patch
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from skimage import data
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skscat import RotoTranslationScattering2D, Scattering2D

size, J, L = 32, 3, 8
names = ["brick", "grass", "gravel"]
rng = np.random.default_rng(0)


def turned_patch(image, y, x, angle):
    """The size x size patch at (y, x) of ``image`` turned by ``angle`` degrees.

    A larger patch is turned and its centre kept, so no corner is empty.
    """
    big = int(np.ceil(size * np.sqrt(2))) + 2
    block = image[y : y + big, x : x + big].astype(np.float64)
    out = ndimage.rotate(block, angle, reshape=False, order=3)
    start = (big - size) // 2
    return out[start : start + size, start : start + size]


def transforms():
    params = dict(J=J, L=L, shape=(size, size), average=True)
    return {
        "Scattering2D": Scattering2D(**params),
        "RotoTranslationScattering2D": RotoTranslationScattering2D(**params),
    }


brick = data.brick()
angles = np.arange(0, 181, 15)
patches = np.stack([turned_patch(brick, 40, 40, a).ravel() for a in angles])
fig, ax = plt.subplots(1, 2, figsize=(10, 3.6), width_ratios=[1, 1.6])
ax[0].imshow(patches[3].reshape(size, size), cmap="gray")
ax[0].set_title(f"brick patch turned by {angles[3]} degrees")
ax[0].axis("off")
for name, est in transforms().items():
    S = est.fit(patches).transform(patches)
    change = np.linalg.norm(S - S[0], axis=1) / np.linalg.norm(S[0])
    ax[1].plot(angles, change, "o-", label=name)
    print(f"{name:<28s} mean change over the angles: {change[1:].mean():.3f}")
ax[1].set_xlabel("rotation angle (degrees)")
ax[1].set_ylabel("relative change of the features")
ax[1].set_xticks(angles[::2])
ax[1].legend()
fig.tight_layout()

# %%
# Train upright, test turned
# --------------------------
n_train, n_test = 60, 40
X_train, y_train, X_test, y_test = [], [], [], []
for label, name in enumerate(names):
    image = getattr(data, name)()
    h = image.shape[0] // 2
    for _ in range(n_train):
        y, x = rng.integers(0, h - 48, size=2)
        X_train.append(turned_patch(image, y, x, 0.0).ravel())
        y_train.append(label)
    for _ in range(n_test):
        y, x = rng.integers(h, 2 * h - 48), rng.integers(0, image.shape[1] - 48)
        X_test.append(turned_patch(image, y, x, rng.uniform(0, 360)).ravel())
        y_test.append(label)
X_train, X_test = np.asarray(X_train), np.asarray(X_test)

scores = {}
for name, est in transforms().items():
    model = make_pipeline(est, StandardScaler(), SVC()).fit(X_train, y_train)
    scores[name] = model.score(X_test, y_test)
    print(f"{name:<28s} accuracy on turned test patches: {scores[name]:.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
bars = ax.barh(list(scores), list(scores.values()), color=["tab:blue", "tab:orange"])
ax.bar_label(bars, fmt="%.2f")
ax.set_xlim(0, 1.05)
ax.set_xlabel("accuracy: trained upright, tested turned")
fig.tight_layout()
plt.show()
