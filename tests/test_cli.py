"""The ``emnist-estimators`` command, run in-process on small data."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from skorch.callbacks import Callback

from emnist_estimators import MLPClassifier
from emnist_estimators.cli import main
from emnist_estimators.datasets import load_digits, write_idx
from emnist_estimators.persistence import load_metadata, load_model

QUICK = ["--max-epochs", "2", "--device", "cpu", "--subset", "300"]


@pytest.fixture(autouse=True)
def _agg_backend(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "compare"
    assert main(["compare", "--output", str(out), *QUICK, "--models", "mlp,cnn"]) == 0
    return out


def test_compare_writes_the_whole_report(compared):
    report = (compared / "report.md").read_text()
    assert report.startswith("# Model comparison on digits")
    assert "emnist-estimators compare" in report
    assert "| model | accuracy |" in report
    metrics = json.loads((compared / "metrics.json").read_text())
    assert set(metrics["models"]) == {"mlp", "cnn"}
    assert 0 <= metrics["models"]["cnn"]["accuracy"] <= 1
    assert metrics["environment"]["torch"]
    figures = {p.name for p in (compared / "figures").iterdir()}
    assert {
        "samples.png",
        "class_distribution.png",
        "learning_curves.png",
        "confusion_mlp.png",
        "confusion_cnn.png",
        "mistakes_cnn.png",
        "accuracy.png",
        "fit_time_s.png",
        "n_parameters.png",
    } <= figures
    for name in figures:
        assert (compared / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"figures/{name}" in report
    csv = (compared / "comparison.csv").read_text().splitlines()
    assert csv[0].startswith("model,accuracy") and len(csv) == 3
    # No temporary files are left behind.
    assert not [p for p in compared.rglob(".*") if p.is_file()]


def test_saved_models_predict_like_the_report(compared):
    estimator = load_model(compared / "models" / "cnn.safetensors")
    metadata = load_metadata(compared / "models" / "cnn")["metadata"]
    assert metadata["dataset"] == "digits"
    assert metadata["class_names"] == [str(c) for c in range(10)]
    X, y = load_digits(subset="test")
    accuracy = json.loads((compared / "metrics.json").read_text())["models"]["cnn"][
        "accuracy"
    ]
    assert np.mean(estimator.predict(X) == y) == pytest.approx(accuracy)


def test_train_and_evaluate_round_trip(tmp_path):
    out = tmp_path / "train"
    assert (
        run(
            "train",
            "--model",
            "mlp",
            "--output",
            out,
            *QUICK,
            "--param",
            "hidden_layer_sizes=[32]",
            "--param",
            "dropout=0.1",
        )
        == 0
    )
    model = out / "models" / "mlp.safetensors"
    estimator = load_model(model)
    assert estimator.hidden_layer_sizes == [32] and estimator.dropout == 0.1
    trained = json.loads((out / "metrics.json").read_text())["models"]["mlp"]
    out2 = tmp_path / "evaluate"
    assert run("evaluate", model, "--output", out2) == 0
    evaluated = json.loads((out2 / "metrics.json").read_text())["models"]["mlp"]
    assert evaluated["accuracy"] == trained["accuracy"]
    assert (out2 / "figures" / "confusion_mlp.png").is_file()


def test_threads_apply_during_the_command_only(tmp_path, monkeypatch):
    import torch

    from emnist_estimators import base

    seen = []
    train = base.train

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return train(*args, **kwargs)

    monkeypatch.setattr(base, "train", spy)
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    out = tmp_path / "train"
    options = ["--model", "mlp", "--output", out, *QUICK, "--threads", str(target)]
    assert run("train", *options) == 0
    assert seen and set(seen) == {target}
    assert torch.get_num_threads() == before


def test_train_with_the_emnist_preset(tmp_path):
    from emnist_estimators.presets import PRESETS

    out = tmp_path / "preset"
    assert (
        run("train", "--model", "cnn", "--preset", "emnist", "--output", out, *QUICK)
        == 0
    )
    estimator = load_model(out / "models" / "cnn.safetensors")
    preset = PRESETS["emnist"]["cnn"]
    assert estimator.filters == preset["filters"]
    assert estimator.lr_scheduler == preset["lr_scheduler"]
    assert estimator.max_epochs == 2  # --max-epochs overrides the preset


@pytest.mark.parametrize("method", ["grid", "random", "halving-random"])
def test_search_writes_summary_and_best_model(tmp_path, method):
    out = tmp_path / method
    args = [
        "search",
        "--model",
        "mlp",
        "--method",
        method,
        "--output",
        out,
        "--device",
        "cpu",
        "--subset",
        "300",
        "--param",
        "hidden_layer_sizes=[16]",
    ]
    # The small grid has 4 candidates; random searches draw 2; halving needs
    # a few epochs to share out.
    args += {
        "grid": ["--max-epochs", "1"],
        "random": ["--n-iter", "2", "--max-epochs", "2"],
        "halving-random": ["--n-iter", "3", "--max-epochs", "3"],
    }[method]
    assert run(*args) == 0
    best = json.loads((out / "best_params.json").read_text())
    assert "dropout" in best
    report = (out / "report.md").read_text()
    assert "Best mean 3-fold accuracy" in report and "| rank | params |" in report
    estimator = load_model(out / "models" / "mlp.safetensors")
    assert estimator.callbacks is None  # the progress callback is not saved
    rows = (out / "cv_results.csv").read_text().splitlines()
    assert rows[0].startswith("rank,params,mean_test_score")


def test_predict_png_folder_and_idx(compared, tmp_path, capsys):
    X, _ = load_digits(subset="test")
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i in range(3):  # dark ink on white paper, larger than 8x8
        picture = Image.fromarray(255 - X[i]).resize((32, 32), Image.NEAREST)
        picture.save(folder / f"digit{i}.png")
    idx = tmp_path / "images-idx3-ubyte"
    write_idx(idx, X[:4])
    out = tmp_path / "predictions.csv"
    model = compared / "models" / "cnn.safetensors"
    assert run("predict", model, folder, idx, "--output", out) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "input,label,character,probability"
    assert len(lines) == 1 + 3 + 4
    estimator = load_model(model)
    idx_labels = [int(line.split(",")[1]) for line in lines[4:]]
    assert idx_labels == estimator.predict(X[:4]).tolist()
    capsys.readouterr()
    assert run("predict", model, idx) == 0  # to standard output
    assert capsys.readouterr().out.count("\n") == 5


def test_bad_input_gives_a_clear_error_and_status_2(tmp_path, capsys):
    assert run("train", "--output", tmp_path, "--param", "dropout=1.5", *QUICK) == 2
    assert "dropout" in capsys.readouterr().err
    assert run("train", "--output", tmp_path, "--param", "colour=3", *QUICK) == 2
    assert "has no parameter(s) ['colour']" in capsys.readouterr().err
    assert run("evaluate", tmp_path / "missing.json") == 1  # a file problem
    assert "No model description" in capsys.readouterr().err
    assert run("compare", "--dataset", "mnist", "--data-dir", tmp_path) == 1
    err = capsys.readouterr().err
    assert "download=True" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit):
        run("compare", "--models", "mlp,svm")
    with pytest.raises(SystemExit):
        run("train", "--subset", "0")


def test_interrupted_compare_keeps_finished_models(tmp_path, monkeypatch):
    from emnist_estimators import CNNClassifier

    def interrupted(self, X, y, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(CNNClassifier, "fit", interrupted)
    out = tmp_path / "partial"
    assert run("compare", "--models", "mlp,cnn", "--output", out, *QUICK) == 130
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics["models"]) == ["mlp"]
    assert (out / "models" / "mlp.safetensors").is_file()
    assert "| mlp |" in (out / "report.md").read_text()


class CtrlC(Callback):
    """Presses Ctrl-C at the end of the first epoch."""

    def on_epoch_end(self, net, **kwargs):
        raise KeyboardInterrupt


def test_ctrl_c_during_training_saves_that_model_and_stops(tmp_path, monkeypatch):
    original = MLPClassifier.fit

    def fit_with_ctrl_c(self, X, y, **kwargs):
        self.set_params(callbacks=[CtrlC()])
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(MLPClassifier, "fit", fit_with_ctrl_c)
    out = tmp_path / "stopped"
    assert run("compare", "--models", "mlp,cnn", "--output", out, *QUICK) == 130
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics["models"]) == ["mlp"]  # cnn was never started
    assert metrics["models"]["mlp"]["n_epochs"] == 1
    assert (out / "models" / "mlp.safetensors").is_file()


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "emnist_estimators.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "compare" in result.stdout and "predict" in result.stdout


# ------------------------------------------------------------------ robustness
def test_parameters_are_checked_before_the_data_is_loaded(tmp_path, capsys):
    out = tmp_path / "never"
    missing = tmp_path / "no-data"
    status = run(
        "train", "--dataset", "mnist", "--data-dir", missing, "--output", out,
        "--param", "dropout=abc",
    )  # fmt: skip
    assert status == 2
    err = capsys.readouterr().err
    assert "'dropout' parameter" in err and "no-data" not in err
    assert not out.exists()  # nothing created, not even an empty figures folder


def test_a_folder_holding_another_run_is_refused_or_overwritten(tmp_path, capsys):
    out = tmp_path / "run"
    assert run("train", "--model", "mlp", "--output", out, *QUICK) == 0
    stale = out / "figures" / "from-before.png"
    stale.write_bytes(b"old")
    assert run("train", "--model", "mlp", "--output", out, *QUICK) == 1
    err = capsys.readouterr().err
    assert "already holds a report" in err and "--overwrite" in err
    assert stale.exists()  # the refused run touched nothing
    mine = out / "notes.txt"
    mine.write_text("keep me")
    assert run("train", "--model", "cnn", "--output", out, "--overwrite", *QUICK) == 0
    assert not stale.exists()  # the earlier run's outputs are gone ...
    assert mine.read_text() == "keep me"  # ... and nothing else
    assert list(json.loads((out / "metrics.json").read_text())["models"]) == ["cnn"]


def test_an_unwritable_output_is_one_clear_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert run("train", "--output", blocker / "report", *QUICK) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("emnist-estimators: error:") and "a-file" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(ValueError, match="dropout"):
        run("train", "--output", tmp_path, "--param", "dropout=2", "--debug", *QUICK)


def test_resume_continues_an_interrupted_train(tmp_path, monkeypatch, capsys):
    out = tmp_path / "resumed"
    original = MLPClassifier.fit

    def fit_with_ctrl_c(self, X, y, **kwargs):
        self.set_params(callbacks=[*(self.callbacks or []), CtrlC()])
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(MLPClassifier, "fit", fit_with_ctrl_c)
    args = ("train", "--model", "mlp", "--output", out, *QUICK, "--max-epochs", "3")
    assert run(*args, "--resume") == 130
    assert "--resume" in capsys.readouterr().err
    monkeypatch.setattr(MLPClassifier, "fit", original)
    assert run(*args, "--resume") == 0
    estimator = load_model(out / "models" / "mlp")
    assert estimator.n_iter_ == 3 and estimator.fit_status_ == "completed"
    assert len(list((out / "checkpoints").glob("MLPClassifier-*"))) == 1


def test_config_file_sets_options_and_the_command_line_wins(tmp_path, capsys):
    config = tmp_path / "study.toml"
    config.write_text(
        'device = "cpu"\nsubset = 300\nmax_epochs = 1\n'
        '[train]\nmodel = "mlp"\nparam = { dropout = 0.05 }\n'
    )
    out = tmp_path / "configured"
    assert run("train", "--config", config, "--output", out, "--max-epochs", "2") == 0
    estimator = load_model(out / "models" / "mlp")
    assert estimator.dropout == 0.05 and estimator.max_epochs == 2
    config.write_text("colour = 3\n")
    assert run("train", "--config", config) == 2
    assert "'colour' is not an option of 'train'" in capsys.readouterr().err
    config.write_text("max_epochs = 'many'\n")
    assert run("train", "--config", config) == 2
    assert "max_epochs" in capsys.readouterr().err


def test_progress_is_plain_lines_when_redirected_and_silent_with_q(tmp_path, capsys):
    assert run("train", "--model", "mlp", "--output", tmp_path / "a", *QUICK) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if " epoch " in line]
    assert [line.split(":")[0] for line in lines] == ["mlp epoch 1/2", "mlp epoch 2/2"]
    assert "loss" in lines[0] and "ETA" in lines[0]
    assert "\x1b" not in err and "\r" not in err  # no terminal codes in a log
    assert run("train", "-q", "--model", "mlp", "--output", tmp_path / "b", *QUICK) == 0
    assert capsys.readouterr().err == ""


def test_evaluate_uses_the_dataset_recorded_with_the_model(compared, tmp_path):
    out = tmp_path / "evaluated"
    assert run("evaluate", compared / "models" / "mlp", "--output", out) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["details"]["data set"].startswith("digits")


def test_predict_says_when_it_resizes_pictures(compared, tmp_path, capsys):
    X, _ = load_digits(subset="test")
    Image.fromarray(X[0]).resize((20, 20)).save(tmp_path / "big.png")
    assert run("predict", compared / "models" / "cnn", tmp_path / "big.png") == 0
    assert "big.png is 20x20 pixels; it was resized" in capsys.readouterr().err


def test_version_and_help_do_not_import_torch():
    code = (
        "import sys\n"
        "from emnist_estimators.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(sorted(m for m in ('torch', 'sklearn', 'skorch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
    version = subprocess.run(
        [sys.executable, "-m", "emnist_estimators", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.startswith("emnist-estimators ")


def test_every_option_has_help_text():
    from emnist_estimators.cli._parser import subparser

    parser = main.__globals__["build_parser"]()
    for name in ("compare", "train", "search", "evaluate", "predict"):
        for action in subparser(parser, name)._actions:
            assert action.help, f"{name} {action.option_strings or action.dest}"
