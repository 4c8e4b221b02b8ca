"""An ordinary ``emnist-estimators train`` (started without ``--resume``) that is
stopped by a real SIGINT or SIGKILL continues with ``--resume`` from its last
epoch, and ends with the weights of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from _estimator_helpers import state

from emnist_estimators.cli import main
from emnist_estimators.persistence import load_model

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX signals to a child process"
)

ROOT = Path(__file__).resolve().parents[1]

#: A run of enough epochs that the signal arrives while it trains.
TRAIN = [
    "train",
    "--model",
    "mlp",
    "--dataset",
    "digits",
    "--max-epochs",
    "20",
    "--batch-size",
    "32",
    "--device",
    "cpu",
    "--threads",
    "1",
    "--param",
    "hidden_layer_sizes=[256]",
    "--param",
    "lr_scheduler=onecycle",
    "-q",
]


def _start(output: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.Popen(
        [sys.executable, "-m", "emnist_estimators", *TRAIN, "--output", str(output)],
        cwd=output.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_a_checkpoint(child: subprocess.Popen, output: Path) -> None:
    """Until the first epoch's checkpoint exists (at most two minutes)."""
    deadline = time.monotonic() + 120
    while not list((output / "checkpoints").glob("MLPClassifier-*/checkpoint.pt")):
        assert child.poll() is None, child.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "no checkpoint was written"
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_an_interrupted_train_resumes_from_its_last_epoch(tmp_path, how):
    interrupted = tmp_path / "interrupted"
    child = _start(interrupted)
    _wait_for_a_checkpoint(child, interrupted)
    child.send_signal(getattr(signal, how))
    _, err = child.communicate(timeout=120)
    if how == "SIGINT":
        assert child.returncode == 130
        assert "rerun the same command with --resume" in err
        stopped = load_model(interrupted / "models" / "mlp")
        assert stopped.fit_status_ == "interrupted" and stopped.n_iter_ < 20
    else:
        assert child.returncode == -signal.SIGKILL
    assert main([*TRAIN, "--output", str(interrupted), "--resume"]) == 0
    resumed = load_model(interrupted / "models" / "mlp")
    assert resumed.n_iter_ == 20 and resumed.fit_status_ == "completed"

    whole = tmp_path / "whole"
    assert main([*TRAIN, "--output", str(whole)]) == 0
    uninterrupted = load_model(whole / "models" / "mlp")
    torch.testing.assert_close(
        state(resumed), state(uninterrupted), rtol=1e-5, atol=1e-6
    )
    assert [r["train_loss"] for r in resumed.history_] == pytest.approx(
        [r["train_loss"] for r in uninterrupted.history_], rel=1e-5
    )


def test_a_search_started_without_resume_says_it_cannot_continue(
    tmp_path, monkeypatch, capsys
):
    from sklearn.model_selection import GridSearchCV

    def ctrl_c(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(GridSearchCV, "fit", ctrl_c)
    argv = ["search", "--model", "mlp", "--method", "grid", "--subset", "200"]
    assert main([*argv, "--output", str(tmp_path / "s"), "--device", "cpu"]) == 130
    err = capsys.readouterr().err
    assert "started without --resume and saved no checkpoints" in err
