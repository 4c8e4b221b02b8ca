"""Every example runs in quick mode, on small generated files in official layouts."""

import json
import runpy
import sys
from pathlib import Path

import pytest
from _idx_files import write_emnist, write_mnist

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    for split in ("balanced", "byclass"):
        write_emnist(root, split, "train", n=400, seed=1)
        write_emnist(root, split, "test", n=150, seed=2)
    for folder in ("MNIST", "FashionMNIST"):
        for part, n in (("train", 300), ("test", 100)):
            write_mnist(root / folder / "raw", part, n=n)
    return root


def run_example(name, *args, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setattr(sys, "argv", [name, *map(str, args)])
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")


def models_in(report_folder):
    return set(json.loads((report_folder / "metrics.json").read_text())["models"])


@pytest.mark.parametrize(
    ("script", "models"),
    [
        ("plot_mlp_vs_cnn_balanced.py", {"mlp", "cnn"}),
        ("plot_random_search_byclass.py", {"mlp", "cnn", "resnet"}),
        ("plot_grid_search_byclass.py", {"mlp", "cnn", "lstm"}),
    ],
)
def test_emnist_examples_run_in_quick_mode(
    script, models, data_dir, tmp_path, monkeypatch
):
    out = tmp_path / "report"
    run_example(
        script,
        "--quick",
        "--data-dir",
        data_dir,
        "--device",
        "cpu",
        "--output",
        out,
        monkeypatch=monkeypatch,
    )
    assert models_in(out) == models
    assert (out / "figures" / "learning_curves.png").is_file()


def test_stand_in_split_option(data_dir, tmp_path, monkeypatch):
    out = tmp_path / "report"
    run_example(
        "plot_mlp_vs_cnn_balanced.py",
        "--quick",
        "--data-dir",
        data_dir,
        "--device",
        "cpu",
        "--output",
        out,
        "--split-from",
        "test",
        "--test-size",
        "0.5",
        monkeypatch=monkeypatch,
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert "official test part (150) split 50%/50%" in metrics["details"]["data"]


def test_mnist_fashion_example_runs_in_quick_mode(data_dir, tmp_path, monkeypatch):
    out = tmp_path / "report"
    run_example(
        "plot_mnist_fashion.py",
        "--quick",
        "--data-dir",
        data_dir,
        "--device",
        "cpu",
        "--output",
        out,
        monkeypatch=monkeypatch,
    )
    assert (
        models_in(out / "mnist") == models_in(out / "fashion-mnist") == {"cnn", "mlp"}
    )


def test_every_example_is_tested_and_starts_with_a_docstring():
    scripts = sorted(p.name for p in EXAMPLES.glob("plot_*.py"))
    source = Path(__file__).read_text()
    for script in scripts:
        assert script in source
        text = (EXAMPLES / script).read_text()
        assert text.startswith('"""'), script
