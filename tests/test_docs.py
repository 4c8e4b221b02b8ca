"""The Sphinx documentation builds without warnings and covers the public API.

The build test needs the docs toolchain (Sphinx, numpydoc, sphinx-gallery;
pydata-sphinx-theme optional) and is skipped without it. The other tests read
the ``.rst`` sources only and always run.
"""

import argparse
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
API = DOCS / "api.rst"

#: Modules whose ``__all__`` must be documented in docs/api.rst.
MODULES_WITH_ALL = (
    "emnist_estimators",
    "emnist_estimators.models",
    "emnist_estimators.datasets",
    "emnist_estimators.modules",
    "emnist_estimators.preprocessing",
    "emnist_estimators.plotting",
)

#: Documented functions of modules without ``__all__``.
REQUIRED = {
    "emnist_estimators.cli": (
        "main",
        "build_parser",
        "example_parser",
        "load_data_from_args",
    ),
    "emnist_estimators.evaluation": ("evaluate", "EvaluationReport"),
    "emnist_estimators.search": (
        "make_search",
        "param_grid",
        "param_distributions",
        "summarize_search",
    ),
    "emnist_estimators.reports": ("ReportWriter", "fit_and_report"),
    "emnist_estimators.persistence": ("save_model", "load_model"),
    "emnist_estimators.presets": ("make_estimator", "preset_params"),
    "emnist_estimators.environment": ("environment_info",),
}

_DIRECTIVE = re.compile(r"^\.\. ([\w:-]+)::\s*(.*)$")
_OBJECT_DIRECTIVES = {
    "py:data",
    "py:class",
    "py:function",
    "autoclass",
    "autofunction",
    "autodata",
}


def documented_names(text: str) -> set[str]:
    """Fully qualified names that an API page documents.

    The entries of ``autosummary`` tables and the objects of ``py:data`` /
    ``autoclass`` / ... directives, each qualified by the ``currentmodule`` (or
    ``automodule``) in force where it appears.
    """
    names: set[str] = set()
    module = None
    in_autosummary = False
    for line in text.splitlines():
        match = _DIRECTIVE.match(line)
        if match:
            directive, argument = match.groups()
            in_autosummary = directive == "autosummary"
            if directive in ("currentmodule", "automodule", "py:module"):
                module = argument.strip()
            elif directive in _OBJECT_DIRECTIVES:
                names.add(f"{module}.{argument.strip()}")
            continue
        if in_autosummary:
            if not line.strip() or line.strip().startswith(":"):
                continue
            if not line.startswith(" "):
                in_autosummary = False
                continue
            entry = line.strip().lstrip("~")
            names.add(f"{module}.{entry}")
    return names


def test_api_page_documents_every_public_name():
    documented = documented_names(API.read_text(encoding="utf-8"))
    missing = []
    for module_name in MODULES_WITH_ALL:
        module = importlib.import_module(module_name)
        missing += [
            f"{module_name}.{name}"
            for name in module.__all__
            if f"{module_name}.{name}" not in documented
        ]
    for module_name, names in REQUIRED.items():
        missing += [
            f"{module_name}.{name}"
            for name in names
            if f"{module_name}.{name}" not in documented
        ]
    assert not missing, f"not in docs/api.rst: {missing}"


def test_api_page_names_only_existing_objects():
    stale = []
    for qualified in sorted(documented_names(API.read_text(encoding="utf-8"))):
        module_name, _, name = qualified.rpartition(".")
        module = importlib.import_module(module_name)
        if not hasattr(module, name):
            stale.append(qualified)
    assert not stale, f"docs/api.rst names objects that do not exist: {stale}"


def data_descriptions(text: str) -> dict[str, str]:
    """The text of each ``py:data`` entry, by fully qualified name."""
    descriptions: dict[str, str] = {}
    module = None
    current = None
    for line in text.splitlines():
        match = _DIRECTIVE.match(line)
        if match:
            directive, argument = match.groups()
            current = None
            if directive in ("currentmodule", "automodule", "py:module"):
                module = argument.strip()
            elif directive == "py:data":
                current = f"{module}.{argument.strip()}"
                descriptions[current] = ""
            continue
        if current is not None:
            if line and not line.startswith(" "):
                current = None
            elif not line.strip().startswith(":"):
                descriptions[current] += line.strip() + " "
    return descriptions


@pytest.mark.parametrize(
    "qualified",
    [
        "emnist_estimators.datasets.DATASET_NAMES",
        "emnist_estimators.datasets.EMNIST_SPLITS",
        "emnist_estimators.evaluation.SUMMARY_COLUMNS",
        "emnist_estimators.modules.ACTIVATIONS",
        "emnist_estimators.search.MODELS",
        "emnist_estimators.search.SIZES",
        "emnist_estimators.search.STRATEGIES",
        "emnist_estimators.presets.PRESET_NAMES",
    ],
)
def test_constants_listed_in_api_page_match_the_code(qualified):
    descriptions = data_descriptions(API.read_text(encoding="utf-8"))
    listed = re.findall(r"'([\w.-]+)'", descriptions[qualified])
    module_name, _, name = qualified.rpartition(".")
    actual = list(getattr(importlib.import_module(module_name), name))
    assert listed == actual


def test_every_page_is_in_the_table_of_contents():
    index = (DOCS / "index.rst").read_text(encoding="utf-8")
    entries = set(re.findall(r"^   ([\w/]+)\s*$", index, re.MULTILINE))
    pages = {p.stem for p in DOCS.glob("*.rst")} - {"index", "sg_execution_times"}
    assert pages <= entries, f"not in index.rst's toctree: {pages - entries}"
    assert "auto_examples/index" in entries


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    options = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                options |= _long_options(sub)
        options |= {o for o in action.option_strings if o.startswith("--")}
    return options - {"--help"}


def test_cli_page_covers_every_subcommand_and_option():
    from emnist_estimators.cli import build_parser

    parser = build_parser()
    text = (DOCS / "cli.rst").read_text(encoding="utf-8")
    (subparsers,) = [
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ]
    missing = [c for c in subparsers.choices if f"\n{c}\n===" not in text]
    missing += [o for o in sorted(_long_options(parser)) if f"``{o}" not in text]
    assert not missing, f"not documented in docs/cli.rst: {missing}"


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.mark.slow
@pytest.mark.skipif(
    not all(_have(m) for m in ("sphinx", "numpydoc", "sphinx_gallery")),
    reason="the docs toolchain is not installed (pip install sphinx numpydoc "
    "sphinx-gallery pydata-sphinx-theme)",
)
def test_docs_build_without_warnings(tmp_path):
    # Build a copy: autosummary and sphinx-gallery write generated pages into
    # the source folder, and the examples are found at ../examples.
    generated = ("_build", "gen_modules", "auto_examples", "sg_execution_times.rst")
    shutil.copytree(DOCS, tmp_path / "docs", ignore=shutil.ignore_patterns(*generated))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("EMNIST_DOCS_INTERSPHINX", None)  # no network
    if not _have("pydata_sphinx_theme"):
        env["EMNIST_DOCS_THEME"] = "alabaster"
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-W",
        "--keep-going",
        "-q",
        "-d",
        str(tmp_path / "doctrees"),
        str(tmp_path / "docs"),
        str(tmp_path / "html"),
    ]
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    seconds = time.perf_counter() - start
    assert result.returncode == 0, (
        f"sphinx-build failed after {seconds:.0f} s:\n{result.stdout}\n{result.stderr}"
    )
    html = tmp_path / "html"
    for page in (
        "index.html",
        "api.html",
        "gen_modules/emnist_estimators.CNNClassifier.html",
        "gen_modules/emnist_estimators.datasets.load_emnist.html",
        "auto_examples/index.html",
        "auto_examples/plot_mlp_vs_cnn_balanced.html",
    ):
        assert (html / page).is_file(), page
    # The gallery shows the examples' code without running them.
    example = (html / "auto_examples/plot_mlp_vs_cnn_balanced.html").read_text()
    assert "CNNClassifier" in example
    assert "sphx-glr-script-out" not in example
