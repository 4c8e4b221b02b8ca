"""PixelScaler and ImageReshaper."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from emnist_estimators.datasets import load_digits
from emnist_estimators.preprocessing import ImageReshaper, PixelScaler


# ImageReshaper() returns 4-D images; scikit-learn's checks accept that (they
# only compare shapes and values), so every check runs on every instance,
# none is skipped or expected to fail.
@parametrize_with_checks(
    [
        PixelScaler(),
        PixelScaler(method="minmax"),
        ImageReshaper(),
        ImageReshaper(flatten=True),
    ]
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# PixelScaler


def test_divide():
    X = np.array([[0, 51, 255], [255, 0, 102]], dtype=np.uint8)
    out = PixelScaler().fit_transform(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 0.2, 1], [1, 0, 0.4]], rtol=1e-6)
    out = PixelScaler(max_value=16).fit_transform(np.array([[0.0, 8.0, 16.0]]))
    np.testing.assert_allclose(out, [[0, 0.5, 1]])


def test_minmax_scales_each_image_not_each_feature():
    X = np.array([[10.0, 20.0, 30.0], [0.0, 100.0, 50.0], [7.0, 7.0, 7.0]])
    out = PixelScaler(method="minmax").fit_transform(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 0.5, 1], [0, 1, 0.5], [0, 0, 0]])
    per_feature = MinMaxScaler().fit_transform(X)
    assert not np.allclose(out, per_feature)


def test_minmax_ignores_max_value():
    X = np.array([[1.0, 3.0]])
    a = PixelScaler(method="minmax", max_value=1.0).fit_transform(X)
    b = PixelScaler(method="minmax", max_value=99.0).fit_transform(X)
    np.testing.assert_array_equal(a, b)


def test_scaler_keeps_image_shape():
    X = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    scaler = PixelScaler().fit(X)
    assert scaler.n_features_in_ == 12
    out = scaler.transform(X)
    assert out.shape == (2, 3, 4)
    np.testing.assert_allclose(out, X / 255.0, rtol=1e-6)
    assert scaler.transform(X.reshape(2, 12)).shape == (2, 12)


def test_scaler_does_not_modify_its_input():
    X = np.full((2, 4), 255.0, dtype=np.float32)
    PixelScaler().fit_transform(X)
    assert (X == 255).all()


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"method": "max"}, ValueError, "'method' parameter .*'divide'"),
        ({"max_value": 0}, ValueError, "positive finite"),
        ({"max_value": float("inf")}, ValueError, "positive finite"),
        ({"max_value": "255"}, TypeError, "'max_value' parameter .* positive"),
        ({"max_value": True}, TypeError, "'max_value' parameter .* positive"),
    ],
)
def test_scaler_bad_params(params, error, message):
    with pytest.raises(error, match=message):
        PixelScaler(**params).fit(np.zeros((2, 3)))


def test_scaler_checks_n_features():
    scaler = PixelScaler().fit(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="X has 3 features"):
        scaler.transform(np.zeros((2, 3)))


# --------------------------------------------------------------------------
# ImageReshaper


def test_flat_to_images_and_back():
    X = np.arange(3 * 784, dtype=np.uint8).reshape(3, 784)
    reshaper = ImageReshaper().fit(X)
    assert reshaper.image_shape_ == (1, 28, 28)
    images = reshaper.transform(X)
    assert images.shape == (3, 1, 28, 28)
    assert images.dtype == np.uint8
    assert images[1, 0, 2, 5] == X[1, 2 * 28 + 5]
    np.testing.assert_array_equal(reshaper.inverse_transform(images), X)


def test_image_shape_given():
    X = np.arange(2 * 24, dtype=np.float32).reshape(2, 24)
    reshaper = ImageReshaper(image_shape=(2, 3, 4)).fit(X)
    assert reshaper.image_shape_ == (2, 3, 4)
    np.testing.assert_array_equal(reshaper.transform(X), X.reshape(2, 2, 3, 4))
    reshaper = ImageReshaper(image_shape=[4, 6]).fit(X)
    assert reshaper.transform(X).shape == (2, 1, 4, 6)


def test_image_shape_from_images_and_guessed():
    assert ImageReshaper().fit(np.zeros((2, 3, 5))).image_shape_ == (1, 3, 5)
    assert ImageReshaper().fit(np.zeros((2, 3, 4, 5))).image_shape_ == (3, 4, 5)
    assert ImageReshaper().fit(np.zeros((2, 10))).image_shape_ == (1, 1, 10)


def test_flatten():
    X, _ = load_digits("test")  # (360, 8, 8) uint8
    reshaper = ImageReshaper(flatten=True).fit(X)
    flat = reshaper.transform(X)
    assert flat.shape == (360, 64)
    assert flat.dtype == np.uint8
    np.testing.assert_array_equal(flat, X.reshape(360, 64))
    np.testing.assert_array_equal(reshaper.inverse_transform(flat), X[:, None])


def test_reshaper_errors():
    with pytest.raises(ValueError, match="has 12 pixels, but X has 10 features"):
        ImageReshaper(image_shape=(3, 4)).fit(np.zeros((2, 10)))
    with pytest.raises(TypeError, match="'image_shape' parameter"):
        ImageReshaper(image_shape=28).fit(np.zeros((2, 784)))
    with pytest.raises(ValueError, match="of positive ints"):
        ImageReshaper(image_shape=(0, 4)).fit(np.zeros((2, 4)))
    with pytest.raises(TypeError, match="'flatten' parameter .*'bool'"):
        ImageReshaper(flatten="yes").fit(np.zeros((2, 4)))
    reshaper = ImageReshaper().fit(np.zeros((2, 784)))
    with pytest.raises(ValueError, match="X has 100 features"):
        reshaper.transform(np.zeros((2, 10, 10)))


def test_pipeline_with_a_scikit_learn_classifier():
    X_train, y_train = load_digits("train")
    X_test, y_test = load_digits("test")
    model = make_pipeline(
        ImageReshaper(flatten=True),
        PixelScaler(),
        LogisticRegression(max_iter=500),
    )
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.9
    assert clone(model).get_params()["pixelscaler__max_value"] == 255.0


def test_scaler_passes_feature_names_through():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame([[0, 51], [255, 102]], columns=["p0", "p1"])
    out = PixelScaler().set_output(transform="pandas").fit_transform(X)
    assert list(out.columns) == ["p0", "p1"]
    np.testing.assert_allclose(out.to_numpy(), [[0, 0.2], [1, 0.4]], rtol=1e-6)
