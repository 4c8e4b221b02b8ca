"""The loaders on the real EMNIST files (ByClass and ByMerge test partitions).

The folder is taken from the environment variable EMNIST_ESTIMATORS_DATA, else
``<repository root>/../shared/data/emnist``; every test is skipped, with the
reason, when the files are not there.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from emnist_estimators.datasets import (
    char_to_label,
    get_emnist_mapping,
    load_dataset,
    load_emnist,
    read_mapping_file,
)

pytestmark = pytest.mark.data

N_TEST = 116_323
SPLITS = ("byclass", "bymerge")


def _data_dir() -> Path:
    from_env = os.environ.get("EMNIST_ESTIMATORS_DATA")
    if from_env:
        return Path(from_env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "emnist"


DATA_DIR = _data_dir()


def _require(split):
    needed = [
        f"emnist-{split}-test-images-idx3-ubyte.gz",
        f"emnist-{split}-test-labels-idx1-ubyte.gz",
        f"emnist-{split}-mapping.txt",
    ]
    missing = [n for n in needed if not (DATA_DIR / n).is_file()]
    if missing:
        pytest.skip(
            f"the real EMNIST files are not in {DATA_DIR} (missing "
            f"{', '.join(missing)}); set EMNIST_ESTIMATORS_DATA to their folder"
        )


@pytest.fixture(scope="module", params=SPLITS)
def emnist(request):
    """The test partition of a split, loaded once per module."""
    split = request.param
    _require(split)
    return load_emnist(split, "test", data_dir=DATA_DIR, return_X_y=False)


def test_counts(emnist):
    assert emnist.images.shape == (N_TEST, 28, 28)
    assert emnist.data.shape == (N_TEST, 784)
    assert emnist.images.dtype == np.uint8
    assert emnist.target.dtype == np.int64
    n_classes = {"byclass": 62, "bymerge": 47}[emnist.split]
    assert len(np.unique(emnist.target)) == n_classes
    assert len(emnist.target_names) == n_classes
    assert emnist.images.max() == 255 and emnist.images.min() == 0


def _ink_extent(mean_image, threshold=0.3):
    """Number of rows and of columns where the mean image has ink."""
    ink = mean_image > threshold * mean_image.max()
    return int(ink.any(axis=1).sum()), int(ink.any(axis=0).sum())


@pytest.mark.parametrize("char", ["1", "l", "I"])
def test_images_are_upright(emnist, char):
    label = char_to_label(char, emnist.split)
    mean_image = emnist.images[emnist.target == label].mean(axis=0)
    rows, cols = _ink_extent(mean_image)
    # A vertical stroke: tall and narrow. Transposed, it would be wide.
    assert rows > cols + 5, (rows, cols)


def test_seven_has_its_bar_on_top(emnist):
    mean_image = emnist.images[emnist.target == char_to_label("7", emnist.split)]
    mean_image = mean_image.mean(axis=0)
    # The horizontal bar of a 7 is at the top: the top third holds its
    # widest row of ink, wider than any in the bottom third.
    widths = (mean_image > 0.3 * mean_image.max()).sum(axis=1)
    assert widths[:9].max() > widths[-9:].max() + 5


def test_mapping_files_match_the_built_in_label_sets(emnist):
    from_file = read_mapping_file(DATA_DIR / f"emnist-{emnist.split}-mapping.txt")
    assert from_file == get_emnist_mapping(emnist.split)
    assert emnist.mapping == from_file
    assert emnist.target_names.tolist() == [from_file[k] for k in sorted(from_file)]


def test_balanced_uses_the_bymerge_label_set():
    _require("bymerge")
    from_file = read_mapping_file(DATA_DIR / "emnist-bymerge-mapping.txt")
    assert from_file == get_emnist_mapping("balanced")


def test_stand_in_split_sizes(emnist):
    # The README's stand-in for a training set: a stratified 80/20 split.
    X_train, X_test, _, y_test = train_test_split(
        emnist.images,
        emnist.target,
        test_size=0.2,
        stratify=emnist.target,
        random_state=0,
    )
    assert (len(X_train), len(X_test)) == (93_058, 23_265)
    assert set(np.unique(y_test)) == set(np.unique(emnist.target))


def test_train_partition_is_absent():
    _require("byclass")
    with pytest.raises(FileNotFoundError, match="download=True"):
        load_emnist("byclass", "all", data_dir=DATA_DIR)


def test_load_dataset_returns_the_same(emnist):
    X, y = load_dataset(f"emnist-{emnist.split}", "test", data_dir=DATA_DIR)
    np.testing.assert_array_equal(X, emnist.images)
    np.testing.assert_array_equal(y, emnist.target)
