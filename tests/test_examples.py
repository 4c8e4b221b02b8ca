"""Every example of the gallery runs, in its quick mode.

``make docs`` runs the examples at their documented size; here each runs with
``EMNIST_EXAMPLES_QUICK=1`` (a few hundred images, one to three epochs), in a
temporary working folder, on small generated EMNIST files in the official
layout or, where the files are missing, on scikit-learn's digits (the
examples' fallback).
"""

import ast
import re
import runpy
import sys
from pathlib import Path

import matplotlib
import pytest
import torch
from _idx_files import write_emnist

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT / "docs" / "sphinxext"))
from emnist_docs_gallery import EXAMPLE_ORDER  # noqa: E402

#: Example (path below examples/) -> the data it is run on here: "emnist"
#: (generated files) or "none" (no files: the examples that can use EMNIST
#: fall back to scikit-learn's digits).
DATA = {
    "plot_quickstart.py": "none",
    "plot_pipeline.py": "none",
    "plot_search_strategies.py": "none",
    "plot_dask_search.py": "none",
    "plot_report.py": "emnist",
    "plot_devices_precision.py": "none",
    "plot_save_load.py": "none",
    "plot_mlflow_tracking.py": "none",
    "studies/plot_study_balanced.py": "emnist",
    "studies/plot_study_search.py": "none",
    "studies/plot_study_mnist_fashion.py": "emnist",
}

#: The examples about an optional extra, and the package it needs.
NEEDS = {"plot_dask_search.py": "dask_ml", "plot_mlflow_tracking.py": "mlflow"}


def example_files() -> list[str]:
    return sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.py"))


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Train on one thread: on two shared cores, two threads can be far slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def emnist_dir(tmp_path_factory):
    """The official *test* parts of ByClass and ByMerge, 28x28 noise."""
    root = tmp_path_factory.mktemp("emnist")
    for split in ("byclass", "bymerge"):
        write_emnist(root, split, "test", n=1000, seed=1)
    return root


def run_example(name, data_dir, tmp_path, monkeypatch) -> dict:
    """Run ``examples/<name>`` as sphinx-gallery does; return its globals."""
    monkeypatch.setenv("EMNIST_EXAMPLES_QUICK", "1")
    monkeypatch.setenv("EMNIST_ESTIMATORS_DATA", str(data_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The MLflow example sets it for the model it logged: not for other tests.
    monkeypatch.delenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # sphinx-gallery runs each in its own folder
    monkeypatch.setattr(sys, "argv", [name])
    try:
        return runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    finally:
        plt.close("all")


@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
@pytest.mark.parametrize("name", sorted(DATA))
def test_example_runs_in_quick_mode(name, emnist_dir, tmp_path, monkeypatch):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])
    data_dir = emnist_dir if DATA[name] == "emnist" else tmp_path / "no-data"
    names = run_example(name, data_dir, tmp_path, monkeypatch)
    assert names["QUICK"] is True
    if "data" in names:  # the examples that load EMNIST when they find it
        expected = "digits" if DATA[name] == "none" else "emnist-"
        assert names["data"].name.startswith(expected)
    # sphinx-gallery runs the examples in examples/: they write nowhere there.
    assert not any((tmp_path / "work").iterdir())


def test_study_mnist_fashion_falls_back_to_the_data_it_finds(
    emnist_dir, tmp_path, monkeypatch
):
    names = run_example(
        "studies/plot_study_mnist_fashion.py", emnist_dir, tmp_path, monkeypatch
    )
    assert list(names["datasets"]) == ["digits", "emnist-byclass"]
    assert {model for _, model in names["accuracy"]} == {"cnn", "mlp"}


def test_every_example_is_tested_listed_and_documented():
    files = example_files()
    assert files == sorted(DATA), "add the example to DATA above"
    assert sorted(Path(f).name for f in files) == sorted(EXAMPLE_ORDER), (
        "list the example in docs/sphinxext/emnist_docs_gallery.py"
    )
    for name in files:
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        tree = ast.parse(text)
        assert text.startswith('"""'), f"{name} must start with its docstring"
        # A title (underlined) and at least one # %% section, as sphinx-gallery
        # expects.
        assert re.match(r'"""\n(.+)\n(=+)\n', text), name
        assert "\n# %%\n" in text, name
        assert "EMNIST_EXAMPLES_QUICK" in text, name
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        # Library code only: no command-line plumbing.
        assert "argparse" not in imported, name
        assert not any(m and m.startswith("emnist_estimators.cli") for m in imported)


def test_examples_folder_has_gallery_headers():
    for folder in (EXAMPLES, *(p for p in EXAMPLES.iterdir() if p.is_dir())):
        if folder.name == "__pycache__":
            continue
        assert (folder / "GALLERY_HEADER.rst").is_file(), folder
