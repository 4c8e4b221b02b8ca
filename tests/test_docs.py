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
    "emnist_estimators.persistence",
    "emnist_estimators.distributed",
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
    stale, unchecked = [], set()
    for qualified in sorted(documented_names(API.read_text(encoding="utf-8"))):
        module_name, _, name = qualified.rpartition(".")
        try:
            found = hasattr(importlib.import_module(module_name), name)
        except ImportError:  # an optional extra's module (or lazy name), not installed
            unchecked.add(module_name)
            continue
        if not found:
            stale.append(qualified)
    assert not stale, f"docs/api.rst names objects that do not exist: {stale}"
    if unchecked:
        pytest.skip(f"not checked, their extras are not installed: {sorted(unchecked)}")


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
        "emnist_estimators.modules.INITS",
        "emnist_estimators.modules.LSTM_INITS",
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


_TOCTREE = re.compile(r"^\.\. toctree::\n((?:[ \t]+.*\n|\n)+)", re.MULTILINE)


def toctree_entries(page: str) -> set[str]:
    """The documents listed in the toctrees of ``docs/<page>.rst``."""
    text = (DOCS / f"{page}.rst").read_text(encoding="utf-8")
    entries = set()
    for body in _TOCTREE.findall(text):
        entries |= set(re.findall(r"^   ([\w/]+)\s*$", body, re.MULTILINE))
    return entries


def test_every_page_is_in_the_table_of_contents():
    # The pages reachable from index.rst through the toctrees of the pages
    # in docs/ (the generated gallery and API pages have their own).
    reachable, todo = set(), ["index"]
    while todo:
        page = todo.pop()
        for entry in toctree_entries(page) - reachable:
            reachable.add(entry)
            if (DOCS / f"{entry}.rst").is_file():
                todo.append(entry)
    pages = {p.stem for p in DOCS.glob("*.rst")} - {"index", "sg_execution_times"}
    assert pages <= reachable, f"not in a toctree: {pages - reachable}"
    assert "auto_examples/index" in reachable
    # The header links of the theme are index.rst's own entries: few enough to
    # fit on one line.
    assert len(toctree_entries("index")) <= 5


def test_changelog_is_in_the_docs():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("Changelog\n=========\n")
    assert "\nUnreleased\n----------\n" in changelog
    assert ".. include:: ../CHANGELOG.md" in (DOCS / "changelog.rst").read_text()


def test_gallery_runs_the_examples_in_a_full_build():
    # `make docs` runs the examples; only the test below passes -D plot_gallery=0.
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert re.search(r'^    "plot_gallery": "True",$', conf, re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    (docs_recipe,) = re.findall(r"^docs:.*\n\t(.*)$", makefile, re.MULTILINE)
    assert "plot_gallery" not in docs_recipe


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
    # the source folder, the examples are found at ../examples and the
    # changelog at ../CHANGELOG.md.
    generated = ("_build", "gen_modules", "auto_examples", "sg_execution_times.rst")
    shutil.copytree(DOCS, tmp_path / "docs", ignore=shutil.ignore_patterns(*generated))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
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
        # Show the examples without running them (make docs runs them; so
        # does tests/test_examples.py, in a quick mode).
        "-D",
        "plot_gallery=0",
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
        "user_guide.html",
        "changelog.html",
        "auto_examples/index.html",
        "auto_examples/plot_quickstart.html",
        "auto_examples/studies/plot_study_balanced.html",
    ):
        assert (html / page).is_file(), page
    # With plot_gallery=0 the gallery shows the examples' code without running
    # them.
    example = (html / "auto_examples/plot_quickstart.html").read_text()
    assert "CNNClassifier" in example
    assert "sphx-glr-script-out" not in example
    assert "Unreleased" in (html / "changelog.html").read_text()


def test_the_adding_a_model_recipe_runs(small_digits):
    """The code of *Adding a model* (docs/models.rst) registers a working model."""
    from sklearn.base import clone

    from emnist_estimators.models import get_model, list_models, unregister_model

    text = (DOCS / "models.rst").read_text(encoding="utf-8")
    section = text.split(".. _adding-a-model:", 1)[1]
    block = section.split(".. code-block:: python\n", 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line and not line.startswith("   "):
            break
        lines.append(line[3:])
    import types

    module = types.ModuleType("docs_adding_a_model")  # picklable classes
    sys.modules[module.__name__] = module
    exec(compile("\n".join(lines), "models.rst", "exec"), module.__dict__)
    try:
        assert "tiny" in list_models()
        cls = get_model("tiny").estimator
        assert "label_smoothing : float, default=0.0" in cls.__doc__
        X, y = small_digits
        clf = cls(max_epochs=20, device="cpu", random_state=0).fit(X, y)
        assert clf.score(X, y) > 0.5
        assert clone(clf).get_params() == clf.get_params()
    finally:
        unregister_model("tiny")
        del sys.modules[module.__name__]


def _python_blocks(page: str) -> list[str]:
    """The ``.. code-block:: python`` blocks of a page, dedented."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = []
    for part in text.split(".. code-block:: python\n")[1:]:
        lines = []
        for line in part.splitlines()[1:]:
            if line and not line.startswith("   "):
                break
            lines.append(line[3:])
        blocks.append("\n".join(lines))
    return blocks


def test_the_scikeras_translation_runs():
    """docs/migrating.rst: study 004's grid written with the library (1 epoch)."""
    (ours,) = [b for b in _python_blocks("migrating.rst") if "EPOCHS = 15" in b]
    namespace: dict = {}
    exec(
        compile(ours.replace("EPOCHS = 15", "EPOCHS = 1"), "migrating.rst", "exec"),
        namespace,
    )
    search = namespace["search"]
    assert len(search.cv_results_["params"]) == 36  # 6 architectures x 3 x 2
    assert search.best_estimator_.max_epochs == 1


def test_the_keras_tuner_translation_runs(small_digits):
    (ours,) = [b for b in _python_blocks("migrating.rst") if "loguniform" in b]
    namespace: dict = {}
    exec(compile(ours, "migrating.rst", "exec"), namespace)
    X, y = small_digits
    search = namespace["search"].set_params(n_iter=2, estimator__max_epochs=1)
    search.estimator.set_params(device="cpu")
    search.fit(X, y)
    assert set(search.best_params_) == {"filters", "activation", "dropout", "lr"}
