"""The documentation builds with no warnings (quick mode: examples not executed).

The same command, by hand or in CI::

    SKSCAT_DOCS_QUICK=1 python -m sphinx -W --keep-going -b html doc doc/_build/html

Skipped when the ``doc`` extra (sphinx, numpydoc, sphinx-gallery, the PyData
theme, matplotlib) is not installed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

for _module in ("sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme", "matplotlib"):
    pytest.importorskip(_module, reason="the doc extra is not installed (pip install '.[doc]')")


def test_docs_build_without_warnings(tmp_path):
    env = dict(os.environ, SKSCAT_DOCS_QUICK="1", MPLBACKEND="Agg")
    out = tmp_path / "html"
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-d",
        str(tmp_path / "doctrees"),
        str(ROOT / "doc"),
        str(out),
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (
        f"sphinx failed ({result.returncode}):\n{result.stderr[-6000:]}\n{result.stdout[-2000:]}"
    )
    for page in ("index.html", "api.html", "backends.html", "dask.html", "performance.html"):
        assert (out / page).is_file(), page
    assert (out / "auto_examples" / "index.html").is_file()
    assert (out / "user_guide" / "scattering.html").is_file()
    api = (out / "api.html").read_text(encoding="utf-8")
    assert "Scattering2D" in api and "plot_scattering_disk" in api
