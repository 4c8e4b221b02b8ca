"""The benchmark scripts' quick modes run, so that the scripts cannot rot."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emnist_estimators.models import list_models

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script, *args, tmp_path, returncode=0):
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / script),
            "--quick",
            "--dataset",
            "digits",
            "--output",
            str(tmp_path),
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=600,
    )
    assert result.returncode == returncode, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_speed_quick_mode(tmp_path):
    run("speed.py", tmp_path=tmp_path)
    results = json.loads((tmp_path / "speed-quick.json").read_text())
    assert results["environment"]["torch"]
    models = results["results"]["models"]
    assert set(models) == set(list_models())
    assert set(models["mlp"]) == {"ours", "hand", "skorch", "sklearn"}
    assert all(r["fit_images_per_s"] > 0 for r in models["cnn"].values())
    assert results["results"]["matmul_peak_gflops"]["float32"] > 0
    assert 0 < results["results"]["cnn_training"]["fraction_of_float32_peak"] < 1
    assert results["results"]["n_train"] == dict.fromkeys(models, 300)
    assert "| cnn | 300 / 100 | ours |" in (tmp_path / "speed-quick.md").read_text()


@pytest.mark.slow
def test_accuracy_quick_mode(tmp_path):
    run(
        "accuracy.py",
        "--models",
        "mlp,cnn",
        "--param",
        "dropout=0.1",
        tmp_path=tmp_path,
    )
    results = json.loads((tmp_path / "accuracy-digits-quick.json").read_text())
    assert results["results"]["overrides"] == {"dropout": 0.1, "max_epochs": 1}
    models = results["results"]["models"]
    assert set(models) == {"mlp", "cnn"}
    assert len(models["cnn"]["test_acc_per_epoch"]) == models["cnn"]["epochs"] == 1
    assert 0 <= models["mlp"]["accuracy"] <= 1
    assert 0 <= models["mlp"]["balanced_accuracy"] <= 1
    assert (tmp_path / "accuracy-digits-quick" / "report.md").is_file()


@pytest.mark.slow
def test_short_budget_quick_mode_compares_class_weights(tmp_path):
    run("short_budget.py", "--models", "mlp,lstm", "--class-weight", tmp_path=tmp_path)
    results = json.loads((tmp_path / "short-budget-digits-quick.json").read_text())
    models = results["results"]["models"]
    assert set(models) == {"mlp", "lstm"}
    for variants in models.values():
        assert set(variants) == {"preset", "balanced", "balanced_sqrt"}
        for row in variants.values():
            assert set(row) >= {"accuracy", "f1_macro", "balanced_accuracy"}
            assert all(0 <= row[k] <= 1 for k in ("accuracy", "f1_macro"))
    text = (tmp_path / "short-budget-digits-quick.md").read_text()
    assert "| mlp | preset |" in text and "| lstm | balanced_sqrt |" in text
    assert "class_weight='balanced_sqrt' against the preset" in text


@pytest.mark.slow
def test_precision_quick_mode(tmp_path):
    from emnist_estimators._machine import cpu_has_native_bfloat16

    run("precision.py", "--models", "mlp,cnn", tmp_path=tmp_path)
    results = json.loads((tmp_path / "precision-quick.json").read_text())
    native = cpu_has_native_bfloat16()
    assert results["results"]["bfloat16_native"] is native
    assert results["results"]["auto_picks"] == ("bfloat16" if native else "float32")
    models = results["results"]["models"]
    assert set(models) == {"mlp", "cnn"}
    # Emulated bfloat16 is not run in quick mode: it would take minutes.
    expected = {"float32", "bfloat16"} if native else {"float32"}
    assert set(models["cnn"]) == expected
    assert results["environment"]["cpu_flags"]["avx2"] in (True, False)
    assert "bfloat16" in (tmp_path / "precision-quick.md").read_text()


def test_gpu_check_skips_cleanly_without_a_gpu(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: benchmarks/gpu_check.sh would run")
    result = subprocess.run(
        ["bash", str(BENCHMARKS / "gpu_check.sh"), str(tmp_path / "gpu")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stderr
    assert "no CUDA device here" in result.stdout and "skipping" in result.stdout
    assert not (tmp_path / "gpu").exists()  # wrote nothing


@pytest.mark.slow
def test_gpu_benchmark_dry_runs_on_the_cpu(tmp_path, monkeypatch):
    # A part that fails (here: a model that does not exist) is recorded, the
    # others still run, and the exit status says so.
    models = "mlp,cnn,resnet,lstm,nosuchmodel"
    result = run(
        "gpu.py", "--device", "cpu", "--models", models, tmp_path=tmp_path, returncode=1
    )
    assert (
        "these parts failed (see above): nosuchmodel float32, nosuchmodel auto"
        in result.stderr
    )
    results = json.loads((tmp_path / "gpu-quick.json").read_text())["results"]
    assert set(results["presets"]) == {"mlp", "cnn", "resnet", "lstm", "nosuchmodel"}
    failed = results["presets"].pop("nosuchmodel")
    assert failed["auto"].startswith("failed: InvalidParameterError: The 'model'")
    for rates in results["presets"].values():
        assert set(rates) == {"float32", "auto"}
        assert all(r["fit_images_per_s"] > 0 for r in rates.values())
    assert results["cnn_batch_512"]["params"] == {"batch_size": 512}
    assert results["cnn_hand_loop_images_per_s"] > 0
    serial, parallel = results["mlp_search"], results["mlp_search_parallel"]
    assert serial["settings"] == parallel["settings"] == 12
    assert (serial["n_jobs"], parallel["n_jobs"]) == (1, 2)
    assert 0 < serial["best_cv_accuracy"] <= 1
    text = (tmp_path / "gpu-quick.md").read_text()
    assert "torch.compile (precision='auto') not measured (--quick)" in text
    assert "| nosuchmodel preset | failed: InvalidParameterError" in text

    # A run stopped after its first part still renders, naming what is missing.
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import gpu

    partial = {"n_train": 600, "epochs": 2, "presets": {}}
    partial["presets"]["mlp"] = results["presets"]["mlp"]
    text = gpu.markdown(partial)
    assert "| mlp preset |" in text and "| cnn preset |" not in text
    assert text.count(gpu.NOT_MEASURED) == 7
    # One precision failed, the other measured: the row shows both plainly.
    mlp = results["presets"]["mlp"]
    partial["presets"]["mlp"] = {"float32": mlp["float32"], "auto": "failed: X"}
    rate = mlp["float32"]["fit_images_per_s"]
    assert f"| mlp preset | {rate:.0f} img/s | failed: X | |" in gpu.markdown(partial)


@pytest.mark.slow
def test_lr_find_quick_mode(tmp_path):
    from emnist_estimators.presets import PRESETS

    run("lr_find.py", "--models", "mlp", "--preset", "fast", tmp_path=tmp_path)
    results = json.loads((tmp_path / "lr-find-digits-quick.json").read_text())
    assert results["results"]["preset"] == "fast"
    row = results["results"]["models"]["mlp"]
    # The rate tuned in the preset asked for (the two presets' rates differ).
    assert PRESETS["fast"]["mlp"]["lr"] != PRESETS["emnist"]["mlp"]["lr"]
    assert row["suggested_lr"] > 0
    assert row["tuned_lr"] == pytest.approx(PRESETS["fast"]["mlp"]["lr"])
    assert 0 <= row["tuned_accuracy"] <= 1 and 0 <= row["suggested_accuracy"] <= 1


def test_checkpoint_cost_quick_mode(tmp_path):
    run("checkpoint_cost.py", "--models", "mlp", tmp_path=tmp_path)
    results = json.loads((tmp_path / "checkpoint-cost-quick.json").read_text())
    row = results["results"]["models"]["mlp"]
    assert row["save_seconds"] > 0 and row["megabytes"] > 0


@pytest.mark.slow
def test_studies_quick_mode_runs_both_ways(tmp_path):
    run("studies.py", "--studies", "004-mlp", tmp_path=tmp_path)
    results = json.loads((tmp_path / "studies-digits-quick.json").read_text())
    row = results["results"]["searches"]["004-mlp"]
    assert row["n_candidates"] == 36 and row["reported"] == 0.817
    assert row["methods"]["exhaustive"]["search"] == "GridSearchCV"
    assert row["methods"]["fast"]["search"] == "ContinuedHalvingGridSearchCV"
    assert 0 < row["methods"]["fast"]["best_cv_score"] <= 1


def test_batch_size_quick_mode(tmp_path):
    run("batch_size.py", "--models", "mlp", tmp_path=tmp_path)
    results = json.loads((tmp_path / "batch-size-digits-quick.json").read_text())
    runs = results["results"]["models"]["mlp"]["runs"]
    assert sorted(int(b) for b in runs) == [32, 64, 128, 256]
    assert all(len(r["valid_acc"]) == 2 for r in runs.values())


def test_overhead_quick_mode(tmp_path):
    run("overhead.py", "--models", "mlp", tmp_path=tmp_path)
    results = json.loads((tmp_path / "overhead-quick.json").read_text())
    assert set(results["results"]["models"]["mlp"]) == {"32", "128"}
