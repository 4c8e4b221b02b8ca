"""Batch augmentation, test-time views and mixed precision."""

import numpy as np
import pytest
import torch
from _estimator_helpers import same_state, small, state

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators._training.augment import (
    DEFAULT_AUGMENTATION,
    FixedViews,
    RandomAffine,
    augmentation_ranges,
    tta_views,
)


def bar_image(height=9, width=9):
    image = torch.zeros(1, 1, height, width)
    image[0, 0, 1:8, 4] = 1.0  # a vertical bar in the middle column
    return image


def test_zero_ranges_are_the_identity():
    images = torch.rand(4, 1, 7, 7)
    out = RandomAffine(rotation=0, shift=0, scale=0, shear=0)(images)
    torch.testing.assert_close(out, images)


def test_rotation_by_90_degrees_turns_a_vertical_bar_horizontal():
    out = RandomAffine(rotation=0, shift=0, scale=0, shear=0)
    out.rotation = 90.0
    torch.manual_seed(0)
    # One batch of copies, each with its own angle in [-90, 90] degrees: the
    # one turned closest to +-90 has the bar's row lit and its column dark.
    rotated = out(bar_image().repeat(64, 1, 1, 1))
    best = int(rotated[:, 0, 4, 1:8].mean(dim=1).argmax())
    assert rotated[best, 0, 4, 1:8].mean() > 0.9
    assert rotated[best, 0, 1:8, 4].sum() < 2.5  # the column is (mostly) gone


def test_shift_moves_the_image():
    view = FixedViews([{"rotation": 0.0, "shift_x": 1 / 9, "shift_y": 0.0}])
    (shifted,) = view(bar_image())
    # Output pixel x samples input x + 1: the bar moves one column left.
    torch.testing.assert_close(shifted[0, 0, :, 3], bar_image()[0, 0, :, 4])
    assert shifted[0, 0, :, 4].abs().sum() < 1e-6


def test_each_image_gets_its_own_transform_and_seeding_repeats_them():
    images = bar_image().repeat(6, 1, 1, 1)
    augment = RandomAffine()
    torch.manual_seed(1)
    first = augment(images)
    assert not torch.allclose(first[0], first[1])
    torch.manual_seed(1)
    torch.testing.assert_close(augment(images), first)
    assert first.shape == images.shape and first.dtype == images.dtype


def test_augmentation_ranges():
    assert augmentation_ranges(False) is None
    assert augmentation_ranges(True) == DEFAULT_AUGMENTATION
    assert augmentation_ranges({"rotation": 5})["rotation"] == 5.0
    assert augmentation_ranges({"shear": 0})["scale"] == DEFAULT_AUGMENTATION["scale"]


@pytest.mark.parametrize(
    "augment", [{"flip": 1}, {"shift": 1.5}, "strong", {"rotation": "10"}, None]
)
def test_bad_augment_is_rejected_before_training(augment, small_digits):
    X, y = small_digits
    with pytest.raises((ValueError, TypeError), match="'augment' parameter") as info:
        small(MLPClassifier, augment=augment).fit(X, y)
    assert "'rotation' and 'shear'" in str(info.value)  # says what is accepted


def test_test_time_views_are_fixed_and_start_with_the_identity():
    views = tta_views(None)
    assert len(views) == 7 and not any(views[0].values())
    assert tta_views({**DEFAULT_AUGMENTATION, "rotation": 0, "shift": 0}) == [views[0]]
    images = torch.rand(3, 1, 8, 8)
    a, b = FixedViews(views)(images), FixedViews(views)(images)
    assert len(a) == 7 and a[0] is images
    for x, y in zip(a, b, strict=True):
        assert torch.equal(x, y)


def test_augmentation_runs_on_training_batches_only(small_digits, monkeypatch):
    calls = []
    original = RandomAffine.__call__

    def counting(self, images):
        calls.append(len(images))
        return original(self, images)

    monkeypatch.setattr(RandomAffine, "__call__", counting)
    X, y = small_digits
    clf = small(CNNClassifier, augment=True, max_epochs=2, validation_fraction=0.2)
    clf.fit(X, y)
    assert calls == [64, 64, 64, 48] * 2  # 240 training images per epoch
    clf.predict(X)
    assert len(calls) == 8


def test_augmentation_changes_training_reproducibly(small_digits):
    X, y = small_digits
    plain = small(CNNClassifier).fit(X, y)
    augmented = small(CNNClassifier, augment=True).fit(X, y)
    again = small(CNNClassifier, augment=True).fit(X, y)
    assert not same_state(state(plain), state(augmented))
    assert same_state(state(augmented), state(again))


def test_test_time_augmentation_averages_the_views(small_digits):
    X, y = small_digits
    clf = small(CNNClassifier, test_time_augmentation=True).fit(X, y)
    tta = clf.predict_proba(X[:40])
    np.testing.assert_allclose(tta.sum(axis=1), 1.0)
    # The same weights, predicting each view by hand and averaging.
    views = clf.net_.test_time_views
    clf.net_.test_time_views = None
    images = torch.from_numpy(X[:40].reshape(-1, 1, 8, 8)).float() / 255
    by_hand = np.mean(
        [clf.predict_proba(view.numpy()) for view in views(images)], axis=0
    )
    np.testing.assert_allclose(tta, by_hand, atol=1e-6)
    assert not np.allclose(tta, clf.predict_proba(X[:40]))
    clf.net_.test_time_views = views
    # Still deterministic and independent of the batch.
    one_by_one = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(40)])
    np.testing.assert_array_equal(one_by_one, tta)


def test_bfloat16_precision_computes_in_bfloat16(small_digits):
    X, y = small_digits
    clf = small(CNNClassifier, precision="bfloat16").fit(X, y)
    seen = []
    conv = clf.net_.module_.features[0]
    conv.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    proba = clf.predict_proba(X)
    assert seen and set(seen) == {torch.bfloat16}
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert next(clf.net_.module_.parameters()).dtype == torch.float32
    assert np.isfinite(clf.history_[:, "train_loss"]).all()
    again = small(CNNClassifier, precision="bfloat16").fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), proba)


def test_invalid_precision_and_augment(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="'precision' parameter"):
        small(MLPClassifier, precision="float64").fit(X, y)
    with pytest.raises(ValueError, match="'augment' parameter"):
        small(MLPClassifier, augment={"blur": 1}).fit(X, y)
