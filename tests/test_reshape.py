"""The reshaping helper shared by the estimators and the transformers."""

import numpy as np
import pytest

from emnist_estimators._reshape import (
    flatten_images,
    infer_image_shape,
    resolve_image_shape,
    to_images,
)
from emnist_estimators._validation import IMAGE_SHAPE


@pytest.mark.parametrize(
    ("n_features", "expected"),
    [
        (784, (1, 28, 28)),
        (64, (1, 8, 8)),
        (1, (1, 1, 1)),
        (10, (1, 1, 10)),
        (2, (1, 1, 2)),
    ],
)
def test_infer_image_shape(n_features, expected):
    assert infer_image_shape(n_features) == expected


def test_flatten_images_handles_every_rank():
    X = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    flat, shape = flatten_images(X)
    assert flat.shape == (2, 60) and shape == (3, 4, 5)
    flat3, shape3 = flatten_images(X[:, 0])
    assert flat3.shape == (2, 20) and shape3 == (1, 4, 5)
    flat2, shape2 = flatten_images(flat)
    assert flat2 is flat and shape2 is None
    from_list, list_shape = flatten_images(X[:, 0].tolist())
    assert list_shape == (1, 4, 5) and np.array_equal(from_list, flat3)
    ragged = [[1, 2], [3]]
    assert flatten_images(ragged) == (ragged, None)


def test_to_images_round_trip():
    X = np.arange(40).reshape(2, 20)
    images = to_images(X, (1, 4, 5))
    assert images.shape == (2, 1, 4, 5)
    assert np.array_equal(flatten_images(images)[0], X)
    with pytest.raises(ValueError, match=r"expected \(n_samples, 21\)"):
        to_images(X, (1, 3, 7))


def test_the_image_shape_constraint():
    assert IMAGE_SHAPE.normalize((28, 28)) == (1, 28, 28)
    assert IMAGE_SHAPE.normalize([3, 4, 5]) == (3, 4, 5)
    assert IMAGE_SHAPE.normalize((np.int64(2), 2)) == (1, 2, 2)
    bad = [(28,), (1, 2, 3, 4), (0, 5), 28, "28x28", (2.0, 2), (True, 2)]
    for value in bad:
        assert not IMAGE_SHAPE.is_satisfied_by(value), value


@pytest.mark.parametrize(
    ("n_features", "requested", "data_shape", "expected"),
    [
        (784, None, None, (1, 28, 28)),
        (10, None, None, (1, 1, 10)),
        (60, None, (3, 4, 5), (3, 4, 5)),
        (60, (3, 4, 5), (3, 4, 5), (3, 4, 5)),
        (20, (4, 5), None, (1, 4, 5)),
        (20, [4, 5], (1, 4, 5), (1, 4, 5)),
    ],
)
def test_resolve_image_shape(n_features, requested, data_shape, expected):
    assert resolve_image_shape(n_features, requested, data_shape) == expected


def test_resolve_image_shape_rejects_what_disagrees_with_the_data():
    with pytest.raises(ValueError, match=r"image_shape=\(3, 4\) has 12 pixels, but"):
        resolve_image_shape(10, (3, 4))
    with pytest.raises(ValueError, match=r"X holds images of shape \(1, 4, 5\)"):
        resolve_image_shape(20, (5, 4), (1, 4, 5))
