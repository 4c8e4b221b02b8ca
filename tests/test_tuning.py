"""The learning-rate range test (``find_lr``) and its command (``lr-find``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _estimator_helpers import same_state, small, state
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.cli import main
from emnist_estimators.cli._parser import build_parser, subparser
from emnist_estimators.preprocessing import PixelScaler
from emnist_estimators.tuning import DEFAULT_SUGGESTION, SUGGESTIONS, find_lr, suggest


def test_the_suggestion_lies_in_the_tested_range(small_digits):
    X, y = small_digits
    result = find_lr(small(MLPClassifier), X, y, n_steps=60, max_lr=0.3)
    assert len(result.lrs) == len(result.losses) == len(result.smoothed_losses)
    assert result.lrs[0] == pytest.approx(1e-6)
    assert np.all(np.diff(result.lrs) > 0)  # exponentially growing
    assert result.lrs[0] <= result.suggested_lr <= result.lrs[-1]
    assert np.all(np.isfinite(result.losses))
    # The loss falls somewhere in the range: the test saw learning happen.
    assert result.smoothed_losses.min() < result.smoothed_losses[0] - 0.05


def test_the_estimator_passed_in_is_untouched(small_digits):
    X, y = small_digits
    unfitted = small(CNNClassifier, lr=0.01)
    params = unfitted.get_params()
    find_lr(unfitted, X, y, n_steps=20)
    assert unfitted.get_params() == params and not hasattr(unfitted, "net_")
    fitted = small(MLPClassifier).fit(X, y)
    before = state(fitted)
    find_lr(fitted, X, y, n_steps=20)
    assert same_state(state(fitted), before)


def test_a_diverging_loss_ends_the_test_early(small_digits):
    X, y = small_digits
    result = find_lr(
        small(MLPClassifier, optimizer="sgd"), X, y, max_lr=1e4, n_steps=200
    )
    assert result.stopped_early and len(result.lrs) < 200
    assert result.suggested_lr < 1e4


def test_the_figure_is_drawn_and_saved(small_digits, tmp_path):
    X, y = small_digits
    result = find_lr(small(MLPClassifier), X, y, n_steps=30)
    assert isinstance(result.figure, Figure) and result.figure is result.figure
    result.figure.savefig(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").stat().st_size > 1000
    labels = [line.get_label() for line in result.figure.axes[0].get_lines()]
    assert any("suggested" in label for label in labels)
    assert json.loads(json.dumps(result.to_dict()))["method"] == DEFAULT_SUGGESTION


def test_a_pipeline_is_tested_through_its_classifier(small_digits):
    X, y = small_digits
    pipeline = make_pipeline(PixelScaler(), small(MLPClassifier))
    result = find_lr(pipeline, X, y, n_steps=20)
    assert result.suggested_lr > 0 and not hasattr(pipeline[-1], "net_")


def test_bad_arguments_are_refused(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="min_lr=0.1 must be below max_lr=0.01"):
        find_lr(small(MLPClassifier), X, y, min_lr=0.1, max_lr=0.01)
    with pytest.raises(ValueError, match="emnist-estimators classifiers"):
        find_lr(LogisticRegression(), X, y)
    with pytest.raises(ValueError, match="'n_steps' parameter"):
        find_lr(small(MLPClassifier), X, y, n_steps=3)


def test_the_suggestion_rules_read_the_curve():
    lrs = np.logspace(-5, 0, 51)
    # Flat, then a fall from index 20 to 40, then divergence.
    losses = np.concatenate([np.full(20, 2.0), np.linspace(2.0, 1.0, 21)[1:]])
    losses = np.concatenate([losses, np.linspace(1.2, 5.0, 11)])
    valley = suggest(lrs, losses, "valley")
    assert lrs[20] < valley < lrs[40]
    assert suggest(lrs, losses, "minimum") == pytest.approx(lrs[39] / 10)
    assert lrs[19] <= suggest(lrs, losses, "steepest") <= lrs[39]
    assert set(SUGGESTIONS) == {"valley", "steepest", "minimum"}


def test_the_command_offers_the_rules_of_find_lr():
    # The parser spells them out (importing tuning would load scikit-learn
    # for --help): they must stay those of find_lr, with its default.
    lr_find = subparser(build_parser(), "lr-find")
    option = next(a for a in lr_find._actions if a.dest == "suggestion")
    assert tuple(option.choices) == SUGGESTIONS
    assert option.default == DEFAULT_SUGGESTION


def test_the_command_writes_the_curve_and_the_suggestion(tmp_path, capsys):
    out = tmp_path / "lr"
    argv = ["lr-find", "--model", "mlp", "--steps", "30", "--subset", "300"]
    assert main([*argv, "--output", str(out), "-q"]) == 0
    saved = json.loads((out / "lr_find.json").read_text())
    assert len(saved["lrs"]) == len(saved["losses"]) <= 30
    assert (out / "figures" / "lr_find.png").is_file()
    printed = capsys.readouterr().out
    assert f"{saved['suggested_lr']:.3g}" in printed
    assert main([*argv, "--min-lr", "1", "--output", str(tmp_path / "x")]) == 2
    assert "--min-lr 1.0 must be positive and below" in capsys.readouterr().err
