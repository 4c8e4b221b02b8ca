"""load_train_test: official parts, a stratified split of one part, subsamples."""

import numpy as np
import pytest
from _idx_files import write_emnist
from sklearn.model_selection import train_test_split

from emnist_estimators.datasets import load_emnist, load_train_test


@pytest.fixture()
def emnist_folder(tmp_path):
    write_emnist(tmp_path, "digits", "train", n=200, seed=1)
    write_emnist(tmp_path, "digits", "test", n=100, seed=2)
    return tmp_path


def test_official_parts(emnist_folder):
    data = load_train_test("emnist-digits", data_dir=emnist_folder)
    X_train, y_train = load_emnist("digits", "train", data_dir=emnist_folder)
    X_test, y_test = load_emnist("digits", "test", data_dir=emnist_folder)
    assert np.array_equal(data.X_train, X_train) and np.array_equal(data.y_test, y_test)
    assert np.array_equal(data.X_test, X_test) and np.array_equal(data.y_train, y_train)
    assert data.mapping[3] == "3" and data.name == "emnist-digits"
    assert "official train (200) and test (100)" in data.description


def test_split_from_one_part_is_the_stand_in_recipe(emnist_folder):
    data = load_train_test(
        "emnist-digits", data_dir=emnist_folder, split_from="test", random_state=0
    )
    X, y = load_emnist("digits", "test", data_dir=emnist_folder)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    for got, expected in zip(
        (data.X_train, data.X_test, data.y_train, data.y_test),
        (X_train, X_test, y_train, y_test),
        strict=True,
    ):
        assert np.array_equal(got, expected)
    assert (len(data.y_train), len(data.y_test)) == (80, 20)
    assert "split 80%/20%, stratified, random_state=0" in data.description


def test_subsamples_are_stratified_and_seeded(emnist_folder):
    a = load_train_test("emnist-digits", data_dir=emnist_folder, n_train=50, n_test=30)
    b = load_train_test("emnist-digits", data_dir=emnist_folder, n_train=50, n_test=30)
    assert (len(a.y_train), len(a.y_test)) == (50, 30)
    assert np.array_equal(a.X_train, b.X_train)
    assert np.bincount(a.y_train).tolist() == [5] * 10  # 20 of each class -> 5
    assert "subsampled to 50 training and 30 test images" in a.description
    everything = load_train_test("emnist-digits", data_dir=emnist_folder, n_train=10**6)
    assert len(everything.y_train) == 200


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"split_from": "valid"},
            r"'split_from' .* a str among \{'train', 'test', 'all'\} or None",
        ),
        ({"test_size": 1.5}, r"'test_size' .* a float in the range \(0\.0, 1\.0\)"),
        ({"n_train": 0}, r"'n_train' .* an int in the range \[1, inf\) or None"),
        ({"n_test": 2.5}, r"'n_test' .* an int in the range \[1, inf\) or None"),
        ({"random_state": "seed"}, r"'random_state' parameter"),
        ({"download": 1}, r"'download' .* an instance of 'bool'"),
    ],
)
def test_bad_arguments(emnist_folder, kwargs, message):
    with pytest.raises(ValueError, match=f"^The {message}") as info:
        load_train_test("emnist-digits", data_dir=emnist_folder, **kwargs)
    assert "parameter of load_train_test must be" in str(info.value)


def test_unknown_name(emnist_folder):
    with pytest.raises(ValueError, match=r"'name' parameter of load_train_test"):
        load_train_test("emnist-digit", data_dir=emnist_folder)
