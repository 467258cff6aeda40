"""
=====================================================================
Joint time-frequency scattering: which way does the frequency move?
=====================================================================

:class:`~skscat.TimeFrequencyScattering` looks at the scalogram
``|x * psi_n1|(t)`` of a signal as an image in time and log-frequency and
analyses it with two-dimensional wavelets: a temporal wavelet of scale
``2**j2`` times a wavelet along the log-frequency axis ``n1`` whose centre
frequency has a sign, the *spin*. A pattern that moves across log-frequency
over time -- a chirp -- matches one spin and not the other; a pattern that
stays in its band and only changes in amplitude -- an amplitude-modulated
tone -- matches neither wavelet of non-zero spin more than the other.
:class:`~skscat.scattering.Scattering1D`, which filters each band on its own,
sees the modulation but not the direction.

The figure shows, for a rising chirp, a falling chirp and an
amplitude-modulated tone, their scalograms (first-order coefficients before
frequential filtering) and the energy of their second-order coefficients by
temporal scale ``j2`` and spin. Everything is generated here.
"""

# %%
# Three signals
# -------------
import matplotlib.pyplot as plt
import numpy as np

from skscat import Scattering1D, TimeFrequencyScattering

N = 4096
t = np.arange(N)
window = np.hanning(N)


def chirp(f0, f1):
    """Exponential chirp from ``f0`` to ``f1`` cycles per sample."""
    rate = np.log(f1 / f0) / N
    return np.cos(2 * np.pi * f0 * np.expm1(rate * t) / rate) * window


signals = {
    "rising chirp": chirp(0.01, 0.3),
    "falling chirp": chirp(0.3, 0.01),
    "AM tone": np.cos(2 * np.pi * 0.05 * t) * (1 + 0.9 * np.cos(2 * np.pi * t / 256)) * window,
}
X = np.stack(list(signals.values()))

# %%
# The transform
# -------------
# ``J=8`` (time scales up to 256 samples), ``Q=8`` first-order wavelets per
# octave, frequential scales up to ``2**J_fr = 8`` first-order filters (one
# octave). The output of a row is Kymatio's ``(paths, time)`` array,
# flattened; ``meta_`` says which order, spin, ``j2`` ... each coordinate has.
jtfs = TimeFrequencyScattering(J=8, J_fr=3, Q=8).fit(X)
S = jtfs.transform(X)
meta = jtfs.meta_
print(f"{jtfs.n_features_out_} features: {jtfs.output_shape_} per signal")

# %%
# Second-order energy by spin
# ---------------------------
# ``n1`` runs from high to low frequencies, so a rising chirp moves towards
# smaller ``n1`` as time goes on: it lights up spin +1, the falling chirp
# spin -1, by a factor of about 200 at the coarsest scales. The AM tone,
# whose energy stays in one band, has as much second-order energy as the
# chirps, at the temporal scales of its modulation (256 samples), but splits
# it evenly between the two spins: a modulation without a direction.
order2 = meta["order"] == 2
j2_values = np.unique(meta["j2"][order2]).astype(int)
fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), layout="constrained")
# the scalograms |x * psi_n1|(t), from the same first-order filters
scalo = Scattering1D(J=8, Q=8, max_order=1, average=False).fit(X)
U1 = scalo.transform(X).reshape(len(X), scalo.n_paths_, N)[:, 1:]
for col, name in enumerate(signals):
    image = U1[col].reshape(U1.shape[1], -1, 32).mean(axis=-1)  # 32-sample blocks
    axes[0, col].imshow(
        image, aspect="auto", origin="upper", cmap="magma", extent=(0, N, len(image), 0)
    )
    axes[0, col].set(
        title=name, xlabel="time (samples)", ylabel="first-order filter n1 (high at top)"
    )
    for spin, colour in ((1, "tab:red"), (-1, "tab:blue"), (0, "tab:gray")):
        energy = [
            np.sum(S[col, order2 & (meta["spin"] == spin) & (meta["j2"] == j)] ** 2)
            for j in j2_values
        ]
        offset = {1: -0.25, 0: 0.0, -1: 0.25}[spin]
        axes[1, col].bar(
            j2_values + offset,
            energy,
            width=0.25,
            color=colour,
            label=f"spin {spin:+d}" if spin else "spin 0",
        )
    axes[1, col].set(xlabel="temporal scale j2", ylabel="energy", yscale="log")
    axes[1, col].legend()
    up = np.sum(S[col, order2 & (meta["spin"] == 1)] ** 2)
    down = np.sum(S[col, order2 & (meta["spin"] == -1)] ** 2)
    print(f"{name:>14s}: spin +1 / spin -1 energy = {up / down:8.2f}")
plt.show()
