"""Behaviour of the classifiers: inputs, labels, fitted attributes, training knobs."""

import dataclasses

import numpy as np
import pytest
import torch
from _estimator_helpers import ALL, same_state, small, state
from skorch.callbacks import Callback

from emnist_estimators import (
    CNNClassifier,
    LSTMClassifier,
    MLPClassifier,
)
from emnist_estimators._machine import deterministic_kernels
from emnist_estimators._training.optim import DEFAULT_LR


@pytest.mark.parametrize("cls", ALL)
def test_flat_2d_and_4d_inputs_train_the_same_model(cls, small_digits):
    X, y = small_digits
    flat = small(cls).fit(X, y)
    images = small(cls).fit(X.reshape(-1, 8, 8), y)
    channels = small(cls).fit(X.reshape(-1, 1, 8, 8), y)
    assert (
        flat.image_shape_ == images.image_shape_ == channels.image_shape_ == (1, 8, 8)
    )
    # Two code paths over differently allocated arrays: the CPU kernels may
    # sum in another order (e.g. by alignment, seen with AVX2 only), and
    # Adam turns a sign flip of a near-zero gradient into a step of ~lr, so
    # the weights agree to a few learning rates, not to the last bit.
    for other in (images, channels):
        torch.testing.assert_close(state(other), state(flat), rtol=1e-3, atol=1e-2)
        np.testing.assert_allclose(
            other.predict_proba(X), flat.predict_proba(X), atol=0.05
        )
    # Any input form predicts, whatever form the model was fitted on.
    np.testing.assert_array_equal(flat.predict(X.reshape(-1, 8, 8)), flat.predict(X))


@pytest.mark.parametrize("cls", ALL)
def test_uint8_input_is_scaled_to_unit_range(cls, small_digits):
    X, y = small_digits
    from_uint8 = small(cls).fit(X, y)
    from_float = small(cls).fit(X.astype(np.float32) / 255, y)
    np.testing.assert_allclose(
        from_uint8.predict_proba(X), from_float.predict_proba(X / 255), atol=1e-4
    )
    # A float array holding 0-255 is *not* rescaled: the model sees other data.
    unscaled = small(cls).fit(X.astype(np.float32), y)
    assert not np.allclose(unscaled.predict_proba(X), from_uint8.predict_proba(X))


@pytest.mark.parametrize("cls", ALL)
def test_string_labels_round_trip(cls, small_digits):
    X, y = small_digits
    names = np.array(list("0123456789ABCDEFGHIJabcdefghij"))
    labels = names[y * 3]  # '0', '3', ..., 'R', 'a', ...: strings, upper and lower case
    clf = small(cls, max_epochs=5).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))
    predicted = clf.predict(X)
    assert set(predicted) <= set(labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(clf.classes_))
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-10)


def test_labels_of_mixed_case_characters_are_distinct(small_digits):
    X, y = small_digits
    labels = np.where(y % 2 == 0, "b", "B")
    clf = small(MLPClassifier, max_epochs=8).fit(X, labels)
    assert list(clf.classes_) == ["B", "b"]
    assert clf.score(X, labels) > 0.7


@pytest.mark.parametrize("cls", ALL)
def test_fitted_attributes(cls, small_digits):
    X, y = small_digits
    clf = small(cls, max_epochs=3, validation_fraction=0.2).fit(X, y)
    assert clf.n_features_in_ == 64
    assert clf.n_iter_ == 3 == len(clf.history_)
    assert clf.device_ == "cpu"
    assert clf.n_parameters_ == sum(p.numel() for p in clf.net_.module_.parameters())
    assert clf.fit_time_ > 0
    for key in ("train_loss", "train_acc", "valid_loss", "valid_acc", "dur"):
        values = clf.history_[:, key]
        assert len(values) == 3 and all(np.isfinite(values)), key
    assert 0 <= clf.history_[-1, "valid_acc"] <= 1
    # Without a validation split there is no validation history.
    plain = small(cls, max_epochs=1).fit(X, y)
    assert "valid_acc" not in plain.history_[-1]


def test_validation_split_is_stratified_and_sized(small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, max_epochs=1, validation_fraction=0.2).fit(X, y)
    batches = clf.history_[-1, "batches"]
    n_valid = sum(b["valid_batch_size"] for b in batches if "valid_batch_size" in b)
    n_train = sum(b["train_batch_size"] for b in batches if "train_batch_size" in b)
    assert (n_train, n_valid) == (240, 60)


def test_same_random_state_gives_same_weights_and_predictions(small_digits):
    X, y = small_digits
    a = small(CNNClassifier, max_epochs=3, random_state=7).fit(X, y)
    b = small(CNNClassifier, max_epochs=3, random_state=7).fit(X, y)
    c = small(CNNClassifier, max_epochs=3, random_state=8).fit(X, y)
    assert same_state(state(a), state(b))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not same_state(state(a), state(c))


def test_fit_leaves_torch_global_random_state_alone(small_digits):
    X, y = small_digits
    before = torch.random.get_rng_state()
    small(MLPClassifier, random_state=3).fit(X, y)
    assert torch.equal(before, torch.random.get_rng_state())


def test_random_state_none_draws_fresh_seeds(small_digits):
    X, y = small_digits
    a = small(MLPClassifier, random_state=None).fit(X, y)
    b = small(MLPClassifier, random_state=None).fit(X, y)
    assert not same_state(state(a), state(b))


@pytest.mark.parametrize(
    ("device", "random_state", "deterministic"),
    [("cuda", 0, True), ("cuda", None, False), ("cpu", 0, False)],
)
def test_only_seeded_cuda_fits_switch_cudnn_to_deterministic(
    device, random_state, deterministic
):
    settings = MLPClassifier(
        device="cpu", random_state=random_state
    )._resolve_settings()
    assert settings.reproducible is (random_state is not None)
    # The context reads the device only: a CUDA device needs no GPU here.
    settings = dataclasses.replace(settings, device=torch.device(device))
    cudnn = torch.backends.cudnn
    before = (cudnn.deterministic, cudnn.benchmark)
    with (
        pytest.raises(KeyError),
        deterministic_kernels(settings.device, settings.reproducible),
    ):
        inside = (cudnn.deterministic, cudnn.benchmark)
        raise KeyError("training failed")
    assert inside == ((True, False) if deterministic else before)
    assert (cudnn.deterministic, cudnn.benchmark) == before  # restored


def test_predictions_do_not_depend_on_batch_composition(small_digits):
    X, y = small_digits
    clf = small(CNNClassifier, batch_size=32).fit(X, y)
    full = clf.predict_proba(X[:70])
    one_by_one = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(70)])
    order = np.random.RandomState(0).permutation(70)
    shuffled = clf.predict_proba(X[:70][order])
    np.testing.assert_array_equal(full, one_by_one)
    np.testing.assert_array_equal(full[order], shuffled)


class _WeightRecorder(Callback):
    """Keeps a copy of the weights after every epoch."""

    def initialize(self):
        self.weights_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights_.append(
            {k: v.clone() for k, v in net.module_.state_dict().items()}
        )


def test_early_stopping_stops_and_restores_best_weights(digits):
    X, y = digits
    recorder = _WeightRecorder()
    clf = small(
        MLPClassifier,
        max_epochs=60,
        lr=0.05,
        early_stopping=True,
        n_iter_no_change=2,
        callbacks=[("recorder", recorder)],
    ).fit(X, y)
    assert clf.n_iter_ < 60
    losses = clf.history_[:, "valid_loss"]
    best = int(np.argmin(losses))
    assert best < clf.n_iter_ - 1  # the last epochs did not improve
    fitted_recorder = dict(clf.net_.callbacks_)["recorder"]
    assert same_state(state(clf), fitted_recorder.weights_[best])
    # The user's callback instance was copied, not mutated.
    assert not hasattr(recorder, "weights_")


def test_early_stopping_holds_out_a_tenth_by_default(small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, max_epochs=1, early_stopping=True).fit(X, y)
    batches = clf.history_[-1, "batches"]
    assert sum(b.get("valid_batch_size", 0) for b in batches) == 30


@pytest.mark.parametrize(
    ("scheduler", "params"),
    [
        ("step", {"lr_step_size": 1, "lr_gamma": 0.5}),
        ("exponential", {"lr_gamma": 0.5}),
    ],
)
def test_epoch_schedules_decay_the_learning_rate(scheduler, params, small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, max_epochs=3, lr=0.01, lr_scheduler=scheduler, **params)
    clf.fit(X, y)
    np.testing.assert_allclose(clf.history_[:, "event_lr"], [0.01, 0.005, 0.0025])
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.00125)


@pytest.mark.parametrize("scheduler", ["cosine", "onecycle"])
def test_batch_schedules_span_exactly_the_training_steps(scheduler, small_digits):
    X, y = small_digits
    # 270 training samples, batch 64: 5 batches per epoch (the last of 14).
    clf = small(
        MLPClassifier,
        max_epochs=3,
        lr=0.01,
        batch_size=64,
        lr_scheduler=scheduler,
        validation_fraction=0.1,
    ).fit(X, y)
    lrs = [
        b["event_lr"]
        for epoch in clf.history_
        for b in epoch["batches"]
        if "event_lr" in b
    ]
    assert len(lrs) == 15  # one-cycle raises if stepped past its total
    assert lrs[-1] < 0.02 * max(lrs)  # annealed to (almost) zero by the last step
    if scheduler == "onecycle":
        assert max(lrs) == pytest.approx(0.01, rel=0.05)  # peaks at lr
        assert lrs[0] < 0.01 / 5  # warms up from a fraction of lr


def test_single_sample_tail_batch_is_merged(small_digits):
    X, y = small_digits
    # 129 samples, batch 64: a tail of one would break batch norm.
    clf = small(MLPClassifier, max_epochs=1, lr_scheduler="onecycle").fit(
        X[:129], y[:129]
    )
    sizes = [b["train_batch_size"] for b in clf.history_[-1, "batches"]]
    assert sizes == [64, 65]


def test_plateau_schedule_watches_validation_loss(small_digits):
    X, y = small_digits
    clf = small(
        MLPClassifier,
        max_epochs=4,
        lr=0.01,
        lr_scheduler="plateau",
        lr_patience=0,
        validation_fraction=0.2,
    ).fit(X, y)
    valid = clf.history_[:, "valid_loss"]
    lrs = clf.history_[:, "event_lr"] + [clf.net_.optimizer_.param_groups[0]["lr"]]
    for epoch in range(1, 4):
        improved = valid[epoch] < min(valid[:epoch])
        expected = lrs[epoch] if improved else lrs[epoch] * 0.1
        assert lrs[epoch + 1] == pytest.approx(expected)


@pytest.mark.parametrize(
    "optimizer",
    ["adam", "adamw", "sgd", "asgd", "rmsprop", "nadam", "adadelta", "adagrad"],
)
def test_every_optimizer_trains_with_its_default_learning_rate(optimizer, small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, optimizer=optimizer, max_epochs=3).fit(X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert group["lr"] == DEFAULT_LR[optimizer]
    assert group["foreach"] is True  # multi-tensor updates, on the CPU too
    assert group["weight_decay"] == 0.0  # not AdamW's own default of 0.01
    assert clf.history_[-1, "train_loss"] < clf.history_[0, "train_loss"]


def test_optimizer_class_momentum_and_weight_decay_reach_torch(small_digits):
    X, y = small_digits
    clf = small(
        MLPClassifier,
        optimizer=torch.optim.SGD,
        lr=0.05,
        momentum=0.5,
        weight_decay=0.01,
    ).fit(X, y)
    assert type(clf.net_.optimizer_) is torch.optim.SGD
    group = clf.net_.optimizer_.param_groups[0]
    assert (group["lr"], group["momentum"], group["weight_decay"]) == (0.05, 0.5, 0.01)


def _weight_norm(clf, p):
    return sum(
        w.abs().pow(p).sum().item() for w in clf.net_.module_.parameters() if w.ndim > 1
    )


def test_l1_penalty_shrinks_weights(small_digits):
    X, y = small_digits
    params = {"max_epochs": 10, "batch_norm": False, "optimizer": "sgd", "lr": 0.1}
    plain = small(MLPClassifier, **params).fit(X, y)
    sparse = small(MLPClassifier, l1=1e-2, **params).fit(X, y)
    assert _weight_norm(sparse, 1) < 0.5 * _weight_norm(plain, 1)
    # The penalty is part of the training loss only.
    assert sparse.history_[-1, "train_loss"] > plain.history_[-1, "train_loss"]


def test_weight_decay_shrinks_weights(small_digits):
    X, y = small_digits
    plain = small(MLPClassifier, max_epochs=5, optimizer="sgd").fit(X, y)
    decayed = small(MLPClassifier, max_epochs=5, optimizer="sgd", weight_decay=0.5).fit(
        X, y
    )
    assert _weight_norm(decayed, 2) < 0.8 * _weight_norm(plain, 2)


def test_label_smoothing_reaches_the_loss(small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, label_smoothing=0.1).fit(X, y)
    assert clf.net_.criterion_.label_smoothing == 0.1


def test_warm_start_continues_from_previous_weights(small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, batch_norm=False, dropout=0.0, max_epochs=3).fit(X, y)
    before = state(clf)
    clf.set_params(warm_start=True, lr=1e-12, max_epochs=1)
    clf.fit(X, y)
    for key, value in state(clf).items():
        torch.testing.assert_close(value, before[key])
    clf.set_params(warm_start=False)
    clf.fit(X, y)
    assert not same_state(state(clf), before)


def test_warm_start_refuses_other_classes(small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start"):
        clf.fit(X[y < 5], y[y < 5])


def test_image_shape_parameter_reads_non_square_rows(small_digits):
    X, y = small_digits
    clf = small(CNNClassifier, image_shape=(4, 16)).fit(X, y)
    assert clf.image_shape_ == (1, 4, 16)
    first_conv = clf.net_.module_.features[0]
    assert first_conv.in_channels == 1
    lstm = small(LSTMClassifier, image_shape=(4, 16)).fit(X, y)
    assert lstm.net_.module_.lstms[0].input_size == 16


def test_non_square_features_default_to_a_single_row():
    rng = np.random.RandomState(0)
    X, y = rng.rand(40, 10), np.repeat([0, 1], 20)
    clf = small(CNNClassifier).fit(X, y)
    assert clf.image_shape_ == (1, 1, 10)


def test_multichannel_images():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(40, 3, 6, 6)).astype(np.uint8)
    y = np.repeat([0, 1], 20)
    for cls in ALL:
        clf = small(cls).fit(X, y)
        assert clf.image_shape_ == (3, 6, 6)
        assert clf.n_features_in_ == 108
        assert clf.predict(X).shape == (40,)


def test_verbose_prints_epoch_table_and_progress_bar(small_digits, capsys):
    X, y = small_digits
    small(MLPClassifier, verbose=1).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out and "epoch" in captured.out
    assert "it/s" in captured.err or "%" in captured.err  # tqdm's bar
    small(MLPClassifier, verbose=0).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_device_auto_uses_cpu_without_cuda(small_digits, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y = small_digits
    clf = small(MLPClassifier, device="auto").fit(X, y)
    assert clf.device_ == "cpu"
    assert next(clf.net_.module_.parameters()).device.type == "cpu"


def test_asking_for_missing_cuda_fails_before_training(small_digits, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y = small_digits
    clf = small(MLPClassifier, device="cuda")
    with pytest.raises(ValueError, match="CUDA is not available"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_conv_weights_are_channels_last(small_digits):
    X, y = small_digits
    clf = small(CNNClassifier).fit(X, y)
    # (With one input channel both layouts coincide: check the second conv.)
    conv = [m for m in clf.net_.module_.modules() if isinstance(m, torch.nn.Conv2d)][1]
    assert conv.in_channels > 1
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert not conv.weight.is_contiguous()


def test_keyboard_interrupt_keeps_the_epochs_done(small_digits):
    class Interrupt(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    X, y = small_digits
    clf = small(MLPClassifier, max_epochs=10, callbacks=[Interrupt()]).fit(X, y)
    assert clf.n_iter_ == 2 and clf.interrupted_
    assert clf.predict(X).shape == (len(X),)
    assert not small(MLPClassifier).fit(X, y).interrupted_


def test_fit_and_partial_fit_validate_through_scikit_learn_s_fit_context(
    monkeypatch, small_digits
):
    import sklearn

    X, y = small_digits
    calls = []
    original = MLPClassifier._validate_params

    def counting(self):
        calls.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(MLPClassifier, "_validate_params", counting)
    small(MLPClassifier, max_epochs=1).fit(X, y)
    assert calls == ["MLPClassifier"]  # once: the settings do not validate again
    partial = small(MLPClassifier)
    partial.partial_fit(X, y, classes=np.unique(y))
    partial.partial_fit(X, y)
    assert len(calls) == 2  # the first partial_fit only, as scikit-learn does
    with sklearn.config_context(skip_parameter_validation=True):
        small(MLPClassifier, max_epochs=1).fit(X, y)
    assert len(calls) == 2
    with pytest.raises(ValueError, match="'lr_step_size' parameter"):
        small(MLPClassifier, lr_step_size=0).fit(X, y)
