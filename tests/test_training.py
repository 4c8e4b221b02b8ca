"""Training options: weights, averaging, partial_fit, checkpoints and resume,
time budgets, threads, and the errors that stop a run before it goes wrong."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sklearn
import torch
from _estimator_helpers import ALL, GradientNorms, same_state, small, state
from _resume_child import PARAMS, data
from sklearn.base import clone
from skorch.callbacks import Callback

from emnist_estimators import CNNClassifier, MLPClassifier, ResNetClassifier
from emnist_estimators.presets import make_estimator

TESTS = Path(__file__).resolve().parent


# ----------------------------------------------------------- class and sample weights
def with_a_rare_class(small_digits):
    """200 digits in which class 3 keeps a quarter of its images."""
    X, y = small_digits
    X, y = X[:200], y[:200]
    keep = (y != 3) | (np.arange(len(y)) % 4 == 0)
    return X[keep], y[keep]


def test_balanced_class_weight_equals_the_same_sample_weights(small_digits):
    X, y = with_a_rare_class(small_digits)
    counts = np.bincount(y)
    sample_weight = len(y) / (len(counts) * counts[y])
    balanced = small(MLPClassifier, class_weight="balanced").fit(X, y)
    weighted = small(MLPClassifier).fit(X, y, sample_weight=sample_weight)
    torch.testing.assert_close(state(balanced), state(weighted), rtol=1e-4, atol=1e-5)
    plain = small(MLPClassifier).fit(X, y)
    assert not np.allclose(plain.predict_proba(X), balanced.predict_proba(X))


def test_balanced_sqrt_class_weight_is_the_square_root_of_balanced(small_digits):
    X, y = with_a_rare_class(small_digits)
    counts = np.bincount(y)
    sample_weight = np.sqrt(len(y) / (len(counts) * counts[y]))
    mild = small(MLPClassifier, class_weight="balanced_sqrt").fit(X, y)
    weighted = small(MLPClassifier).fit(X, y, sample_weight=sample_weight)
    torch.testing.assert_close(state(mild), state(weighted), rtol=1e-4, atol=1e-5)
    balanced = small(MLPClassifier, class_weight="balanced").fit(X, y)
    assert not np.allclose(mild.predict_proba(X), balanced.predict_proba(X))


def test_class_weight_dict_weighs_the_named_classes(small_digits):
    X, y = small_digits
    labels = np.array(list("abcdefghij"))[y]
    heavy = small(MLPClassifier, class_weight={"a": 50.0}, max_epochs=3).fit(X, labels)
    plain = small(MLPClassifier, max_epochs=3).fit(X, labels)
    recall = lambda est: np.mean(est.predict(X[labels == "a"]) == "a")  # noqa: E731
    assert recall(heavy) >= recall(plain)
    assert np.mean(heavy.predict(X) == "a") > np.mean(plain.predict(X) == "a")
    with pytest.raises(ValueError, match=r"class_weight names labels .*'z'"):
        small(MLPClassifier, class_weight={"z": 2.0}).fit(X, labels)


def test_zero_weights_remove_samples_from_the_loss(small_digits):
    X, y = small_digits
    w = np.ones(len(y))
    w[y == 0] = 0.0
    est = small(MLPClassifier, max_epochs=5).fit(X, y, sample_weight=w)
    assert np.mean(est.predict(X[y == 0]) == 0) < 0.5  # never learnt from class 0
    with pytest.raises(ValueError, match="weight"):
        small(MLPClassifier).fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="Negative"):
        small(MLPClassifier).fit(X, y, sample_weight=-w)


def test_sample_weight_reaches_fit_through_metadata_routing(small_digits):
    from sklearn.metrics import accuracy_score, make_scorer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = small_digits
    w = np.where(y == 1, 5.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        est = small(MLPClassifier).set_fit_request(sample_weight=True, resume=False)
        pipe = make_pipeline(FunctionTransformer(), est)
        grid = {"mlpclassifier__dropout": [0.0, 0.2]}
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        search = GridSearchCV(pipe, grid, cv=3, scoring=scorer)
        search.fit(X, y, sample_weight=w)
    direct = small(MLPClassifier, dropout=search.best_params_["mlpclassifier__dropout"])
    direct.fit(X, y, sample_weight=w)
    np.testing.assert_allclose(
        search.best_estimator_[-1].predict_proba(X), direct.predict_proba(X), atol=1e-5
    )


# ----------------------------------------------------------- gradient clipping
def test_max_grad_norm_clips_every_step(small_digits):
    X, y = small_digits
    limit = 0.05
    free = small(MLPClassifier, max_epochs=2, callbacks=[("norms", GradientNorms())])
    clipped = clone(free).set_params(max_grad_norm=limit)
    norms_free = dict(free.fit(X, y).net_.callbacks_)["norms"].norms
    norms_clipped = dict(clipped.fit(X, y).net_.callbacks_)["norms"].norms
    assert max(norms_free) > 2 * limit  # clipping has something to do
    assert len(norms_clipped) == len(norms_free)
    assert max(norms_clipped) <= limit * (1 + 1e-4)
    assert not same_state(state(free), state(clipped))


# ----------------------------------------------------------- weight averaging
@pytest.mark.parametrize("average", ["ema", "swa"])
def test_weight_averaging_uses_the_average_with_its_own_bn_stats(average, digits):
    X, y = digits
    seen = {}

    class LastWeights(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen["last"] = {k: v.clone() for k, v in net.module_.state_dict().items()}

    est = small(
        MLPClassifier,
        batch_norm=True,
        max_epochs=8,
        average=average,
        callbacks=[LastWeights()],
    )
    est.fit(X, y)
    final = state(est)
    averaging = dict(est.net_.callbacks_)["averaging"]
    n_averaged = int(averaging.averaged_.n_averaged)
    batches = -(-len(y) // 64)
    assert n_averaged == (8 * batches if average == "ema" else 2)
    averaged = averaging.averaged_.module.state_dict()
    weight, mean = "hidden.0.weight", "hidden.1.running_mean"
    torch.testing.assert_close(final[weight], averaged[weight])
    assert not torch.equal(final[weight], seen["last"][weight])
    assert not torch.equal(final[mean], seen["last"][mean])  # recomputed for them
    assert est.score(X, y) > 0.9


# ----------------------------------------------------------- partial_fit
def test_partial_fit_epochs_equal_fit_epochs(small_digits):
    X, y = small_digits
    fitted = small(MLPClassifier, max_epochs=3, lr_scheduler="onecycle").fit(X, y)
    stepwise = small(MLPClassifier, max_epochs=3, lr_scheduler="onecycle")
    for _ in range(3):
        stepwise.partial_fit(X, y, classes=np.unique(y))
    assert stepwise.n_iter_ == 3
    torch.testing.assert_close(state(stepwise), state(fitted), rtol=1e-5, atol=1e-6)
    optimizer = stepwise.net_.optimizer_
    steps = [s["step"] for s in optimizer.state.values()]
    assert all(float(s) == 3 * len(range(0, len(y), 64)) for s in steps)


def test_partial_fit_needs_classes_first_and_keeps_them(small_digits):
    X, y = small_digits
    est = small(MLPClassifier)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, y)
    est.partial_fit(X[y < 5], y[y < 5], classes=np.arange(10))
    assert est.classes_.tolist() == list(range(10))
    est.partial_fit(X[y >= 5], y[y >= 5])  # later calls need no classes
    with pytest.raises(ValueError, match="not the same as the fitted classes_"):
        est.partial_fit(X, y, classes=np.arange(12))
    with pytest.raises(ValueError, match="not in classes"):
        est.partial_fit(X, y + 10)
    with pytest.raises(ValueError, match="X has 9 features"):
        est.partial_fit(X[:, :9], y)


# ----------------------------------------------------------- checkpoints and resume
class StopAt(Callback):
    """Ctrl-C at the end of an epoch."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def _resumable(tmp_path, **params):
    return make_estimator(
        "cnn", preset=None, **{**PARAMS, "checkpoint": tmp_path, **params}
    )


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path):
    X, y = data()
    whole = make_estimator("cnn", preset=None, **PARAMS).fit(X, y)
    stopped = _resumable(tmp_path, callbacks=[StopAt(2)]).fit(X, y)
    assert stopped.fit_status_ == "interrupted" and stopped.n_iter_ == 2
    assert stopped.checkpoint_path_.parent == tmp_path
    resumed = _resumable(tmp_path).fit(X, y, resume=True)
    assert resumed.checkpoint_path_ == stopped.checkpoint_path_
    assert resumed.fit_status_ == "completed" and resumed.n_iter_ == 5
    torch.testing.assert_close(state(resumed), state(whole), rtol=1e-5, atol=1e-6)
    for key in ("train_loss", "valid_loss", "valid_acc"):
        np.testing.assert_allclose(
            resumed.history_[:, key], whole.history_[:, key], rtol=1e-5
        )
    again = _resumable(tmp_path).fit(X, y, resume=True)  # finished: no training
    assert again.n_iter_ == 5
    torch.testing.assert_close(state(again), state(resumed))


def test_killed_mid_epoch_then_resumed_equals_uninterrupted(tmp_path):
    """SIGKILL during epoch 3 (no chance to clean up), then resume."""
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, str(TESTS / "_resume_child.py"), str(tmp_path), str(marker)],
        cwd=TESTS,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, "the child exited before it was killed"
        assert time.monotonic() < deadline, "the child never reached epoch 3"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    (folder,) = tmp_path.glob("CNNClassifier-*")
    assert not list(folder.glob(".*.tmp"))  # the atomic writes left no debris

    X, y = data()
    resumed = _resumable(tmp_path).fit(X, y, resume=True)
    whole = make_estimator("cnn", preset=None, **PARAMS).fit(X, y)
    assert resumed.n_iter_ == whole.n_iter_ == 5
    torch.testing.assert_close(state(resumed), state(whole), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        resumed.history_[:, "valid_loss"], whole.history_[:, "valid_loss"], rtol=1e-5
    )


def test_parallel_fits_of_a_search_get_their_own_folders(tmp_path, small_digits):
    from sklearn.model_selection import GridSearchCV

    X, y = small_digits
    est = small(MLPClassifier, max_epochs=1, checkpoint=tmp_path)
    GridSearchCV(est, {"dropout": [0.0, 0.3]}, cv=3, n_jobs=2).fit(X, y)
    assert len(list(tmp_path.glob("MLPClassifier-*/checkpoint.pt"))) == 2 * 3 + 1


def test_resume_needs_a_checkpoint_folder(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="resume=True continues from a checkpoint"):
        small(MLPClassifier).fit(X, y, resume=True)


def test_a_damaged_checkpoint_is_named(tmp_path, small_digits):
    X, y = small_digits
    est = small(MLPClassifier, checkpoint=tmp_path).fit(X, y)
    (est.checkpoint_path_ / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(OSError, match="Cannot read the checkpoint"):
        small(MLPClassifier, checkpoint=tmp_path).fit(X, y, resume=True)


# ----------------------------------------------------------- stopping
class RecordWeights(Callback):
    """Keeps the weights at the end of every epoch, by epoch number."""

    def __init__(self):
        self.kept = {}

    def on_epoch_end(self, net, **kwargs):
        self.kept[len(net.history)] = {
            k: v.clone() for k, v in net.module_.state_dict().items()
        }


def _best_epoch_weights(est):
    (record,) = [c for _, c in est.net_.callbacks_ if isinstance(c, RecordWeights)]
    best_epoch = int(np.argmin(est.history_[:, "valid_loss"])) + 1
    return record.kept[best_epoch]


def test_time_budget_stops_with_the_best_weights(small_digits):
    X, y = small_digits

    class Slow(Callback):
        def on_epoch_end(self, net, **kwargs):
            time.sleep(0.3)

    est = small(
        MLPClassifier,
        max_epochs=100,
        max_time=1.5,
        validation_fraction=0.2,
        callbacks=[RecordWeights(), Slow()],
    ).fit(X, y)
    assert est.fit_status_ == "time_limit" and est.interrupted_
    assert 2 <= est.n_iter_ < 20
    torch.testing.assert_close(state(est), _best_epoch_weights(est))


def test_ctrl_c_keeps_the_best_epoch_weights(small_digits):
    X, y = small_digits
    est = small(
        MLPClassifier,
        max_epochs=20,
        validation_fraction=0.25,
        lr=0.05,  # a bumpy run, so that the best epoch need not be the last
        callbacks=[RecordWeights(), StopAt(6)],
    ).fit(X, y)
    assert est.fit_status_ == "interrupted" and est.n_iter_ == 6
    torch.testing.assert_close(state(est), _best_epoch_weights(est))


def test_early_stopping_is_not_an_interruption(small_digits):
    X, y = small_digits
    est = small(
        MLPClassifier, max_epochs=50, early_stopping=True, n_iter_no_change=2, tol=0.05
    ).fit(X, y)
    assert est.fit_status_ == "early_stopped" and not est.interrupted_
    assert est.n_iter_ < 50


def test_non_finite_loss_names_epoch_batch_and_cause(small_digits):
    X, y = small_digits
    huge = X.astype(np.float32) * np.float32(1e36)
    with pytest.warns(UserWarning, match="unscaled pixels"):
        with pytest.raises(ValueError, match=r"epoch 1, batch 1.*scale X to \[0, 1\]"):
            small(MLPClassifier).fit(huge, y)
    with pytest.raises(ValueError, match=r"learning rate may be too high \(lr=1e\+30"):
        small(MLPClassifier, lr=1e30, optimizer="sgd", batch_norm=False).fit(X, y)


@pytest.mark.parametrize("cls", [MLPClassifier, CNNClassifier, ResNetClassifier])
def test_batch_size_one_with_batch_norm_is_refused_before_training(cls, small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="batch_size=1 cannot train batch norm"):
        small(cls, batch_size=1, batch_norm=True).fit(X, y)
    small(cls, batch_size=1, batch_norm=False, max_epochs=1).fit(X[:20], y[:20])
    with pytest.raises(TypeError, match="'batch_size' parameter"):
        small(cls, batch_size=True).fit(X, y)


def test_warm_start_with_another_architecture_says_so(small_digits):
    X, y = small_digits
    est = small(MLPClassifier, warm_start=True).fit(X, y)
    est.set_params(hidden_layer_sizes=(16,))
    with pytest.raises(ValueError, match="warm_start=True .* architecture changed"):
        est.fit(X, y)


# ----------------------------------------------------------- threads
@pytest.mark.parametrize("cls", ALL)
def test_n_threads_applies_during_training_and_is_restored(cls, small_digits):
    X, y = small_digits
    seen = []

    class Threads(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    before = torch.get_num_threads()
    small(cls, n_threads=1, max_epochs=1, callbacks=[Threads()]).fit(X, y)
    assert seen == [1]
    assert torch.get_num_threads() == before
