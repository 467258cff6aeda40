"""Sphinx configuration of the skscat documentation.

Build (from the repository root)::

    python -m sphinx -W -b html doc doc/_build/html            # runs every example
    SKSCAT_DOCS_QUICK=1 python -m sphinx -W -b html doc OUT     # examples not run

``SKSCAT_DOCS_QUICK=1`` (the CI mode) makes sphinx-gallery render the example
pages without executing the scripts, so no figures; everything else (API
reference, user guide, benchmark figures) is built as usual.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the skscat of this checkout
sys.path.insert(0, str(HERE / "_ext"))

import skscat  # noqa: E402

QUICK = os.environ.get("SKSCAT_DOCS_QUICK", "").strip().lower() not in ("", "0", "false", "no")

# -- project ----------------------------------------------------------------------
project = "skscat"
author = "skscat developers"
copyright = "2026, skscat developers"  # noqa: A001
release = skscat.__version__
version = ".".join(release.split(".")[:2])

# -- extensions -------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "benchmark_figures",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "benchmarks/*.md",
]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "obj"
pygments_style = "sphinx"

# autodoc / autosummary / numpydoc
autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set = set()

# MathJax only (no network needed to build; the browser loads MathJax).
mathjax3_config = {"tex": {"macros": {"R": r"\mathbb{R}"}}}

# -- example gallery --------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": [str(HERE.parent / "examples")],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": "False" if QUICK else "True",
    "download_all_examples": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "min_reported_time": 0,
    "show_memory": False,
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skscat",),
    "reference_url": {"skscat": None},
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib",),
}

# matplotlib draws off-screen while examples run.
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")

# matplotlib's ``.. plot::`` draws the user guide's pictures at build time
# (also in the quick mode: they take a few seconds).
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt"
plot_rcparams = {"figure.max_open_warning": 0}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skscat {release}"
html_static_path = ["_static"]
html_css_files = ["skscat.css"]
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_show_sourcelink = False

# -- links to top-level names -----------------------------------------------------
# The transformers are documented where they are defined (skscat.scattering.
# Scattering2D, ...) and exported at the top level; make ``skscat.Scattering2D``
# (as docstrings and the guide write it) resolve to the documented object.
_SUBPACKAGES = ("scattering", "phase_harmonics", "sparse", "metrics", "gradients", "filters")


def _resolve_top_level(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    parts = target.split(".")
    if len(parts) == 1 and (node.get("py:module") or "").startswith("skscat"):
        parts = ["skscat", parts[0]]  # e.g. :class:`Scattering1D` under currentmodule skscat
    if len(parts) != 2 or parts[0] != "skscat":
        return None
    domain = env.get_domain("py")
    builder = app.builder
    for sub in _SUBPACKAGES:
        full = f"skscat.{sub}.{parts[1]}"
        if full in domain.objects:
            return domain.resolve_xref(
                env, node.get("refdoc"), builder, node["reftype"], full, node, contnode
            )
    return None


# -- docstrings: attribute names in prose --------------------------------------
# In reStructuredText a bare word ending in "_" (``n_features_out_``, the
# scikit-learn spelling of fitted attributes) is a reference to a target, and
# an unknown one is an error. Docstrings use such names in prose; show them as
# literals instead. Inline markup (``code``, `role`, *emphasis*, **strong**)
# and directive/field lines are left alone.
_MARKUP = re.compile(r"(``.+?``|:[\w:.-]+:`[^`]*`|`[^`]*`_{0,2}|\*\*.+?\*\*|\*[^*\s][^*]*\*)")
_ATTRIBUTE = re.compile(r"(?<![\w`*|:])([A-Za-z][A-Za-z0-9_]*_)(?![\w`*])")


def _literal_attributes(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if not stripped or stripped.startswith(("..", ">>>", "...")):
            continue
        parts = _MARKUP.split(line)
        for k in range(0, len(parts), 2):  # even parts are outside inline markup
            parts[k] = _ATTRIBUTE.sub(r"``\1``", parts[k])
        lines[i] = "".join(parts)


def setup(app):
    app.connect("missing-reference", _resolve_top_level)
    # after numpydoc (priority 500) has turned sections into reST
    app.connect("autodoc-process-docstring", _literal_attributes, priority=900)
