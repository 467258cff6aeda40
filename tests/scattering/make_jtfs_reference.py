"""Reference outputs of Kymatio's ``TimeFrequencyScattering`` for the JTFS tests.

Kymatio's main branch (commit 11552ed5, version 0.4.0.dev0, BSD-3) is the only
published joint time-frequency scattering in Python; it cannot share an
environment with Kymatio 0.3, so the references are generated once, in their
own environment, and stored as a small ``.npz`` next to this script::

    python -m venv /tmp/ky04
    /tmp/ky04/bin/pip install "scipy<1.17" numpy \
        "git+https://github.com/kymatio/kymatio@11552ed5"
    /tmp/ky04/bin/python tests/scattering/make_jtfs_reference.py

Each case stores its parameters (as a JSON string), the float64 input signals
``x`` and Kymatio's output array ``S`` of shape ``(batch, ...)``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

# Parameters of Kymatio's TimeFrequencyScattering; "N" is the signal length.
CASES = [
    dict(N=256, J=5, J_fr=2, Q=4, format="time"),
    dict(N=256, J=5, J_fr=2, Q=4, format="joint"),
    dict(N=300, J=5, J_fr=3, Q=(4, 2), Q_fr=2, format="time"),
    dict(N=300, J=5, J_fr=3, Q=(4, 2), Q_fr=2, format="joint"),
    dict(N=256, J=5, J_fr=2, Q=4, T=16, F=2, format="time"),
    dict(N=256, J=5, J_fr=2, Q=4, stride=8, format="joint"),
    dict(N=256, J=5, J_fr=2, Q=4, stride_fr=2, format="time"),
    dict(N=256, J=5, J_fr=2, Q=4, F=8, format="time"),
    dict(N=256, J=5, J_fr=2, Q=4, F=0, format="time"),
    dict(N=500, J=6, J_fr=2, Q=8, T=32, format="time"),
    dict(N=37, J=4, J_fr=1, Q=1, format="time"),
    dict(N=200, J=4, J_fr=1, Q=(2, 2), F=1, format="joint"),
]


def main() -> None:
    from kymatio.numpy import TimeFrequencyScattering

    rng = np.random.default_rng(20261130)
    arrays = {}
    for i, case in enumerate(CASES):
        params = dict(case)
        N = params.pop("N")
        t = np.arange(N)
        # a chirp plus noise: energy moves across log-frequency over time
        chirp = np.cos(2 * np.pi * (0.02 * t + 0.3 * t**2 / (2 * N)))
        x = np.stack([chirp + 0.3 * rng.standard_normal(N), rng.standard_normal(N)])
        x = x[: 2 if i == 0 else 1]  # one signal per case keeps the file small
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            S = TimeFrequencyScattering(shape=N, **params)(x)
        if params.get("format", "time") == "time":
            # path keys (n1, n2, n_fr), -1 where absent, and spins of the list output
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                paths = TimeFrequencyScattering(shape=N, out_type="list", **params)(x)
            keys = []
            for p in paths:
                k = tuple(p["n"])
                keys.append((-1, -1, -1) if not k else (k[0], -1, k[1]) if len(k) == 2 else k)
            arrays[f"case{i}_keys"] = np.asarray(keys, dtype=np.int64)
            arrays[f"case{i}_spin"] = np.asarray([p.get("spin", 0) for p in paths], dtype=np.int64)
        arrays[f"case{i}_params"] = np.asarray(json.dumps(case))
        arrays[f"case{i}_x"] = x
        arrays[f"case{i}_S"] = S
        print(i, case, S.shape)
    out = Path(__file__).with_name("data") / "jtfs_reference.npz"
    np.savez_compressed(out, **arrays)
    print(out, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
