"""Sphinx configuration of the emnist-estimators documentation.

Build (from the repository root; ``-W`` turns warnings into errors)::

    python -m sphinx -b html -W --keep-going docs docs/_build/html

``make docs`` runs exactly that. The build runs every example of the gallery
(``examples/``) and puts its output and figures in the pages: a few minutes
on two CPU cores. ``-D plot_gallery=0`` shows the examples' code without
running them (seconds; the test suite builds that way). sphinx-gallery runs
again only the examples that changed since the last build.

Environment variables:

``EMNIST_ESTIMATORS_DATA``
    the folder with the EMNIST files that the examples use. When it is not
    set and ``../shared/data/emnist`` beside the repository exists, the build
    sets it to that folder; without EMNIST files the examples run on
    scikit-learn's digits.
``EMNIST_DOCS_TORCH_THREADS``
    the number of threads torch trains the examples with (default 1; 0 keeps
    torch's default). On cores that other work shares, more threads can make
    the examples many times slower.
``EMNIST_DOCS_INTERSPHINX=1``
    link to the documentation of Python, NumPy, scikit-learn, skorch, PyTorch
    and matplotlib (intersphinx). Off by default: it needs the network at
    build time.
``EMNIST_DOCS_THEME``
    the HTML theme (default ``pydata_sphinx_theme``; ``alabaster`` is
    Sphinx's built-in theme).

Generated files (not committed): ``_build/``, ``gen_modules/`` (API stub
pages and gallery back-references), ``auto_examples/`` (the gallery) and
``sg_execution_times.rst``. ``python docs/screenshots.py`` (``make
screenshots``) takes screenshots of the built pages with a headless Chromium.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

# Figures are drawn without a display (the gallery's examples).
matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

# The examples load EMNIST from $EMNIST_ESTIMATORS_DATA (the library's own
# default folder) and fall back to scikit-learn's digits without it. Point it
# at the shared data folder beside the repository, when there is one.
_SHARED_EMNIST = ROOT.parent / "shared" / "data" / "emnist"
if not os.environ.get("EMNIST_ESTIMATORS_DATA") and _SHARED_EMNIST.is_dir():
    os.environ["EMNIST_ESTIMATORS_DATA"] = str(_SHARED_EMNIST)

# sphinx-gallery runs the examples in this process. They train with one torch
# thread: on a machine whose cores other work shares (CI runners, a busy
# laptop), two threads were 5 to 20 times slower than one for these small
# networks, and barely faster on idle cores.
_TORCH_THREADS = int(os.environ.get("EMNIST_DOCS_TORCH_THREADS", "1"))
if _TORCH_THREADS > 0:
    import torch

    torch.set_num_threads(_TORCH_THREADS)
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
    "auto_examples/**.ipynb",
    "auto_examples/**.py",
    "auto_examples/**.zip",
    "auto_examples/**.md5",
    "auto_examples/**.codeobj.json",
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
    # Every script whose name starts with plot_ (all of them) is run.
    "filename_pattern": r"/plot_",
    # Run the examples and show their output and figures: they take a few
    # minutes in all on two CPU cores (small samples, few epochs). The test
    # suite builds with `-D plot_gallery=0`, which only shows the code.
    "plot_gallery": "True",
    "within_subsection_order": "emnist_docs_gallery.ExampleOrder",
    "download_all_examples": False,
    # `# sphinx_gallery_thumbnail_number = N` lines are not shown.
    "remove_config_comments": True,
    # Back-references: the API pages list the examples that use an object.
    "doc_module": ("emnist_estimators",),
    "backreferences_dir": "gen_modules/backreferences",
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
html_short_title = "emnist-estimators"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
if html_theme == "pydata_sphinx_theme":
    # Layout only; the theme needs no network at build time. The header links
    # are the top-level sections of index.rst's toctree (user guide, examples,
    # API, benchmarks, changelog); the left sidebar lists the pages of the
    # current section.
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "navbar_align": "left",
        "header_links_before_dropdown": 5,
        # The search as an icon: the wide search field made the header wrap.
        "navbar_persistent": ["search-button"],
        # "On this page" on the guide and API pages; the examples' pages use
        # the width for their code and output instead.
        "secondary_sidebar_items": {"*": ["page-toc"], "gen_modules/**": ["page-toc"]},
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version"],
    }
    # Pages without sub-pages have no section navigation.
    html_sidebars = {"index": [], "benchmarks": [], "changelog": []}


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
