"""Sphinx configuration of the emnist-estimators documentation.

Build (from the repository root; ``-W`` turns warnings into errors)::

    python -m sphinx -b html -W --keep-going docs docs/_build/html

The example gallery shows the scripts in ``examples/`` without running them:
they need the EMNIST files and hours of training. To run them and put their
output in the pages, add ``-D plot_gallery=1``.

Environment variables:

``EMNIST_DOCS_INTERSPHINX=1``
    link to the documentation of Python, NumPy, scikit-learn, skorch, PyTorch
    and matplotlib (intersphinx). Off by default: it needs the network at
    build time.
``EMNIST_DOCS_THEME``
    the HTML theme (default ``pydata_sphinx_theme``; ``alabaster`` is
    Sphinx's built-in theme).
``EMNIST_DOCS_EXAMPLE_ARGS``
    options for the example scripts when the gallery runs, e.g.
    ``--quick --data-dir path/to/emnist`` (see ``sphinxext/``).

Generated files (not committed): ``_build/``, ``gen_modules/`` (API stub
pages and gallery back-references), ``auto_examples/`` (the gallery) and
``sg_execution_times.rst``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

# Figures are drawn without a display (the gallery, when it runs).
matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# docs/sphinxext holds the model-table directive and helpers that
# sphinx-gallery imports by name.
sys.path.insert(0, str(DOCS / "sphinxext"))

try:  # normally installed (``make install`` installs the checkout, editable)
    import emnist_estimators
except ImportError:  # else document the checkout
    sys.path.insert(0, str(ROOT))
    import emnist_estimators

# -- Project -----------------------------------------------------------------
project = "emnist-estimators"
author = "emnist-estimators developers"
copyright = "emnist-estimators developers"
release = emnist_estimators.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "emnist_model_table",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    "Thumbs.db",
    ".DS_Store",
    # sphinx-gallery writes these next to the .rst pages it generates.
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
]
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"
# The "Examples" sections in the docstrings are doctests; show them as code.
trim_doctest_flags = True

# Every cross-reference to this package must resolve (a renamed function fails
# the build under -W). References to other projects resolve only with
# intersphinx (opt-in, below), so they are not checked.
nitpicky = True
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(sklearn|skorch|torch|torchvision|numpy|scipy|pandas|matplotlib|joblib"
        r"|argparse|pathlib|os)(\..*)?",
    ),
]

# -- autodoc / autosummary ---------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
}
# Signatures show the defaults; the types are in the numpydoc sections.
autodoc_typehints = "none"
# The estimators' __init__ signatures are long; one parameter per line.
maximum_signature_line_length = 88
autoclass_content = "class"
# Importing the package needs torch, skorch and scikit-learn, which are
# installed with it, so nothing is mocked.

# -- numpydoc ----------------------------------------------------------------
# autodoc (":members:" in the class template) documents the methods; numpydoc
# must not add its own member tables on top, or every method is listed twice.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # Every script whose name starts with plot_ (all of them) would be run
    # when the gallery is plotted.
    "filename_pattern": r"/plot_",
    # The examples need the EMNIST files and hours of training: show the
    # code without running it. `-D plot_gallery=1` runs them.
    "plot_gallery": "False",
    # Options for the scripts when they run: $EMNIST_DOCS_EXAMPLE_ARGS, e.g.
    # "--quick --data-dir path/to/emnist" (see docs/sphinxext).
    "reset_argv": "emnist_docs_gallery.example_argv",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    # Back-references: the API pages list the examples that use an object.
    "doc_module": ("emnist_estimators",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"emnist_estimators": None},
    "min_reported_time": 1,
}

# -- intersphinx (opt-in: needs the network) ---------------------------------
if os.environ.get("EMNIST_DOCS_INTERSPHINX") == "1":
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }

# -- HTML --------------------------------------------------------------------
html_theme = os.environ.get("EMNIST_DOCS_THEME", "pydata_sphinx_theme")
html_title = f"emnist-estimators {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
if html_theme == "pydata_sphinx_theme":
    # Layout only; the theme needs no network at build time.
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "navbar_align": "left",
        "header_links_before_dropdown": 6,
        "secondary_sidebar_items": ["page-toc"],
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version"],
    }
    html_sidebars = {"index": [], "benchmarks": []}


# -- Inherited scikit-learn docstrings ---------------------------------------
# The estimators and transformers document the methods they inherit from
# scikit-learn (``score``, ``get_params``, ``set_output``, ...) with
# scikit-learn's own docstrings, which refer to labels of scikit-learn's
# documentation (``:ref:`accuracy_score```, ...). Those cannot resolve here.
# Render exactly those as plain text: unresolved references whose source is a
# docstring defined in scikit-learn. Every other unresolved reference still
# warns (and fails the build under -W).
def _unlink_sklearn_docstring_refs(app, env, node, contnode):
    from docutils.utils import get_source_line

    source = get_source_line(node)[0] or ""
    if "docstring of sklearn." in source:
        return contnode
    return None


def setup(app):
    # After intersphinx (priority 500), which may still resolve them.
    app.connect("missing-reference", _unlink_sklearn_docstring_refs, priority=900)
