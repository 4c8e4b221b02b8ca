"""Dataset loaders on small idx files written by the tests, and downloads."""

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from _idx_files import (
    emnist_names,
    emnist_zip,
    idx_bytes,
    labels_for,
    mnist_names,
    write_emnist,
    write_mapping,
    write_mnist,
)
from _loopback import STALL, Drop, Loopback, no_proxy, refused_url
from sklearn.datasets import load_digits as sklearn_load_digits
from sklearn.utils import Bunch

from emnist_estimators.datasets import (
    DATASET_NAMES,
    EMNIST_SPLITS,
    DatasetSpec,
    _download,
    _specs,
    char_to_label,
    get_data_home,
    get_dataset_spec,
    get_emnist_mapping,
    label_to_char,
    load_dataset,
    load_digits,
    load_emnist,
    load_fashion_mnist,
    load_mnist,
    write_idx,
)

ENV = "EMNIST_ESTIMATORS_DATA"


@pytest.fixture(autouse=True)
def _no_data_env(monkeypatch, tmp_path):
    # Keep the user's data folder and the network out of every test.
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    def no_network(*args, **kwargs):
        raise AssertionError("a test tried to download")

    monkeypatch.setattr(_download, "_download_url", no_network)


def files_under(folder):
    return sorted(
        str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file()
    )


# --------------------------------------------------------------------------
# get_data_home


def test_data_home_precedence(tmp_path, monkeypatch):
    assert get_data_home() == tmp_path / "home" / ".cache" / "emnist_estimators"
    monkeypatch.setenv(ENV, str(tmp_path / "from-env"))
    assert get_data_home() == tmp_path / "from-env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert get_data_home("~/x") == tmp_path / "home" / "x"
    monkeypatch.setenv(ENV, "")
    assert get_data_home() == tmp_path / "home" / ".cache" / "emnist_estimators"


def test_data_home_is_not_created(tmp_path):
    get_data_home(tmp_path / "new")
    with pytest.raises(FileNotFoundError):
        load_emnist("digits", data_dir=tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_env_var_is_used_by_loaders(tmp_path, monkeypatch):
    stored, _ = write_emnist(tmp_path / "env", "digits", "test")
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    X, _ = load_emnist("digits", "test")
    np.testing.assert_array_equal(X, stored.transpose(0, 2, 1))


@pytest.mark.parametrize("data_dir", [3, b"bytes", ""])
def test_bad_data_dir(data_dir):
    with pytest.raises((TypeError, ValueError), match="data_dir"):
        get_data_home(data_dir)


# --------------------------------------------------------------------------
# EMNIST


@pytest.mark.parametrize("split", EMNIST_SPLITS)
@pytest.mark.parametrize("gz", [True, False])
def test_load_emnist_every_split(tmp_path, split, gz):
    stored, labels = write_emnist(tmp_path, split, "train", gz=gz)
    X, y = load_emnist(split, data_dir=tmp_path)
    assert X.shape == (len(labels), 28, 28)
    assert X.dtype == np.uint8
    assert X.flags.c_contiguous
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, labels)  # letters keep labels 1-26
    # Upright: the official files store images transposed.
    np.testing.assert_array_equal(X, stored.transpose(0, 2, 1))
    assert (X[:, 1:, 0] == 255).all() and (X[:, 0, :] == 0).all()


def test_load_emnist_test_and_all(tmp_path):
    train, y_train = write_emnist(tmp_path, "balanced", "train", n=50, seed=1)
    test, y_test = write_emnist(tmp_path, "balanced", "test", n=20, seed=2)
    X, y = load_emnist("balanced", "test", data_dir=tmp_path)
    np.testing.assert_array_equal(X, test.transpose(0, 2, 1))
    X, y = load_emnist("balanced", "all", data_dir=tmp_path)
    np.testing.assert_array_equal(X, np.concatenate([train, test]).transpose(0, 2, 1))
    np.testing.assert_array_equal(y, np.concatenate([y_train, y_test]))


def test_load_emnist_all_needs_both_parts(tmp_path):
    write_emnist(tmp_path, "digits", "test")
    with pytest.raises(FileNotFoundError, match="EMNIST digits train files"):
        load_emnist("digits", "all", data_dir=tmp_path)


@pytest.mark.parametrize(
    "folder", ["EMNIST/raw", "gzip"], ids=["torchvision", "official-zip"]
)
def test_load_emnist_from_subfolders(tmp_path, folder):
    stored, _ = write_emnist(tmp_path / folder, "letters", "test", gz=False)
    X, _ = load_emnist("letters", "test", data_dir=tmp_path)
    np.testing.assert_array_equal(X, stored.transpose(0, 2, 1))


def test_data_dir_itself_comes_first(tmp_path):
    top, _ = write_emnist(tmp_path, "digits", "test", seed=1)
    write_emnist(tmp_path / "EMNIST" / "raw", "digits", "test", seed=2)
    bunch = load_emnist("digits", "test", data_dir=tmp_path, return_X_y=False)
    np.testing.assert_array_equal(bunch.images, top.transpose(0, 2, 1))
    images_name = emnist_names("digits", "test")[0]
    assert bunch.filenames[0] == str(tmp_path / f"{images_name}.gz")


def test_plain_file_preferred_over_gzip(tmp_path):
    plain, _ = write_emnist(tmp_path, "digits", "test", gz=False, seed=1)
    write_emnist(tmp_path, "digits", "test", gz=True, seed=2)
    X, _ = load_emnist("digits", "test", data_dir=tmp_path)
    np.testing.assert_array_equal(X, plain.transpose(0, 2, 1))


def test_images_and_labels_must_share_a_folder(tmp_path):
    write_emnist(tmp_path, "digits", "test")
    raw = tmp_path / "EMNIST" / "raw"
    raw.mkdir(parents=True)
    labels_name = emnist_names("digits", "test")[1] + ".gz"
    shutil.move(tmp_path / labels_name, raw / labels_name)
    with pytest.raises(FileNotFoundError):
        load_emnist("digits", "test", data_dir=tmp_path)


def test_emnist_bunch(tmp_path):
    stored, labels = write_emnist(tmp_path, "letters", "test")
    bunch = load_emnist("letters", "test", data_dir=tmp_path, return_X_y=False)
    assert isinstance(bunch, Bunch)
    assert bunch.data.shape == (len(labels), 784)
    assert bunch.data.dtype == np.uint8
    np.testing.assert_array_equal(bunch.images, stored.transpose(0, 2, 1))
    np.testing.assert_array_equal(bunch.data, bunch.images.reshape(len(labels), -1))
    np.testing.assert_array_equal(bunch.target, labels)
    assert bunch.target_names.tolist() == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert bunch.mapping == get_emnist_mapping("letters")
    # target_names is indexed like the sorted labels: label 1 is 'A'.
    sorted_labels = np.unique(bunch.target)
    assert [bunch.mapping[k] for k in sorted_labels] == bunch.target_names.tolist()
    assert len(bunch.feature_names) == 784
    assert bunch.feature_names[29] == "pixel_1_1"
    assert "letters" in bunch.DESCR and "transposed" in bunch.DESCR
    assert (bunch.name, bunch.split, bunch.subset) == (
        "emnist-letters",
        "letters",
        "test",
    )
    assert len(bunch.filenames) == 2 and all(os.path.isfile(f) for f in bunch.filenames)


def test_emnist_not_found_message(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_emnist("byclass", "test", data_dir=tmp_path)
    message = str(info.value)
    assert "emnist-byclass-test-images-idx3-ubyte[.gz]" in message
    for folder in (tmp_path, tmp_path / "gzip", tmp_path / "EMNIST" / "raw"):
        assert f"\n  {folder}" in message
    assert "download=True" in message
    assert list(tmp_path.iterdir()) == []


def test_emnist_mismatched_counts(tmp_path):
    write_emnist(tmp_path, "digits", "train", n=20)
    write_idx(
        tmp_path / (emnist_names("digits", "train")[1] + ".gz"),
        labels_for("digits", 19),
    )
    with pytest.raises(ValueError, match=r"20 images but .* 19 labels"):
        load_emnist("digits", data_dir=tmp_path)


def test_emnist_labels_outside_the_split(tmp_path):
    labels = labels_for("byclass", 70)  # up to 61: not digits
    write_emnist(tmp_path, "digits", "train", labels=labels)
    with pytest.raises(ValueError, match="not valid for this dataset") as info:
        load_emnist("digits", data_dir=tmp_path)
    assert emnist_names("digits", "train")[1] in str(info.value)


def test_emnist_letters_label_zero_is_invalid(tmp_path):
    labels = np.arange(27, dtype=np.uint8)
    write_emnist(tmp_path, "letters", "train", n=27, labels=labels)
    with pytest.raises(ValueError, match=r"labels \[0\]"):
        load_emnist("letters", data_dir=tmp_path)


def test_emnist_wrong_image_size(tmp_path):
    images = np.zeros((10, 28, 27), dtype=np.uint8)
    write_emnist(tmp_path, "digits", "train", images=images)
    with pytest.raises(ValueError, match=r"shape \(28, 27\), expected \(28, 28\)"):
        load_emnist("digits", data_dir=tmp_path)


def test_emnist_swapped_files(tmp_path):
    images_name, labels_name = emnist_names("digits", "train")
    write_idx(tmp_path / f"{images_name}.gz", np.zeros(10, dtype=np.uint8))
    write_idx(tmp_path / f"{labels_name}.gz", np.zeros(10, dtype=np.uint8))
    with pytest.raises(ValueError, match="not an idx file of images") as info:
        load_emnist("digits", data_dir=tmp_path)
    assert images_name in str(info.value)


def test_emnist_corrupt_file(tmp_path):
    write_emnist(tmp_path, "digits", "train")
    path = tmp_path / (emnist_names("digits", "train")[0] + ".gz")
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="gzip") as info:
        load_emnist("digits", data_dir=tmp_path)
    assert str(path) in str(info.value)


def test_emnist_mapping_file_is_checked(tmp_path):
    write_emnist(tmp_path, "letters", "train")
    write_mapping(tmp_path, "letters")  # official letters format: '1 65 97'
    load_emnist("letters", data_dir=tmp_path)

    write_emnist(tmp_path, "bymerge", "train")
    write_mapping(tmp_path, "byclass").rename(tmp_path / "emnist-bymerge-mapping.txt")
    with pytest.raises(ValueError, match=r"emnist-bymerge-mapping.txt does not match"):
        load_emnist("bymerge", data_dir=tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"split": "bycls"},
            ValueError,
            r"'split' .* a str among \{'byclass', 'bymerge', .*\}\. Got 'bycls'",
        ),
        ({"split": 62}, TypeError, r"'split' .* a str among \{'byclass'.* Got 62"),
        (
            {"subset": "valid"},
            ValueError,
            r"'subset' .* a str among \{'train', 'test', 'all'\}\. Got 'valid'",
        ),
        ({"subset": None}, TypeError, r"'subset' .* a str among .* Got None"),
        ({"download": "yes"}, TypeError, r"'download' .* instance of 'bool'"),
        ({"return_X_y": 1}, TypeError, r"'return_X_y' .* instance of 'bool'"),
        (
            {"data_dir": 5},
            TypeError,
            r"'data_dir' .* a non-empty str, an instance of 'os.PathLike' or None",
        ),
    ],
)
def test_emnist_bad_arguments(tmp_path, kwargs, error, message):
    kwargs = {"split": "digits", "data_dir": tmp_path, **kwargs}
    with pytest.raises(error, match=f"^The {message}") as info:
        load_emnist(**kwargs)
    assert "parameter of load_emnist must be" in str(info.value)


# --------------------------------------------------------------------------
# MNIST and Fashion-MNIST


@pytest.mark.parametrize(
    ("loader", "folder"),
    [(load_mnist, "MNIST"), (load_fashion_mnist, "FashionMNIST")],
)
@pytest.mark.parametrize("gz", [True, False])
def test_mnist_family_torchvision_layout(tmp_path, loader, folder, gz):
    train, y_train = write_mnist(tmp_path / folder / "raw", "train", gz=gz, seed=1)
    test, _ = write_mnist(tmp_path / folder / "raw", "test", gz=gz, seed=2)
    X, y = loader(data_dir=tmp_path)
    np.testing.assert_array_equal(X, train)  # not transposed
    np.testing.assert_array_equal(y, y_train)
    assert y.dtype == np.int64
    X, y = loader("test", data_dir=tmp_path)
    np.testing.assert_array_equal(X, test)
    X, y = loader("all", data_dir=tmp_path)
    np.testing.assert_array_equal(X, np.concatenate([train, test]))


def test_mnist_family_do_not_read_each_other(tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw", "train")
    with pytest.raises(FileNotFoundError):
        load_fashion_mnist(data_dir=tmp_path)
    write_mnist(tmp_path / "FashionMNIST" / "raw", "train")
    (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError):
        load_mnist(data_dir=tmp_path)


def test_data_dir_may_be_the_raw_folder(tmp_path):
    stored, _ = write_mnist(tmp_path / "FashionMNIST" / "raw", "test", gz=False)
    X, _ = load_fashion_mnist("test", data_dir=tmp_path / "FashionMNIST" / "raw")
    np.testing.assert_array_equal(X, stored)
    with pytest.raises(FileNotFoundError):
        load_mnist("test", data_dir=tmp_path / "FashionMNIST" / "raw")


def test_plain_files_in_a_flat_folder_are_ambiguous(tmp_path):
    write_mnist(tmp_path, "train", gz=False)
    for loader in (load_mnist, load_fashion_mnist):
        with pytest.raises(FileNotFoundError, match="use the same names") as info:
            loader(data_dir=tmp_path)
        assert "Move them there" in str(info.value)


def _md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def test_gzip_files_in_a_flat_folder_are_checked_by_md5(tmp_path, monkeypatch):
    # Fashion-MNIST's published files, laid flat in the data folder.
    stored, _ = write_mnist(tmp_path, "train", gz=True)
    names = [f"{name}.gz" for name in mnist_names("train")]
    checksums = {
        "fashion-mnist": {name: _md5(tmp_path / name) for name in names},
        "mnist": {name: "0" * 32 for name in names},
    }
    monkeypatch.setattr(_download, "known_md5", lambda spec: checksums[spec.name])
    monkeypatch.setattr(_download, "md5_matches", lambda path, md5: _md5(path) == md5)
    X, _ = load_fashion_mnist(data_dir=tmp_path)
    np.testing.assert_array_equal(X, stored)
    with pytest.raises(FileNotFoundError, match="md5 checksums are not those of MNIST"):
        load_mnist(data_dir=tmp_path)


def test_mnist_bunches(tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw", "test")
    write_mnist(tmp_path / "FashionMNIST" / "raw", "test")
    mnist = load_mnist("test", data_dir=tmp_path, return_X_y=False)
    assert mnist.target_names.tolist() == list("0123456789")
    assert (mnist.name, mnist.split, mnist.subset) == ("mnist", None, "test")
    assert mnist.data.shape == (30, 784)
    fashion = load_fashion_mnist("test", data_dir=tmp_path, return_X_y=False)
    assert fashion.target_names[0] == "T-shirt/top"
    assert fashion.target_names[9] == "Ankle boot"
    assert fashion.mapping[7] == "Sneaker"
    assert fashion.name == "fashion-mnist"
    assert "Fashion-MNIST" in fashion.DESCR


def test_mnist_not_found_message(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist("test", data_dir=tmp_path)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte[.gz]" in message
    assert f"\n  {tmp_path / 'MNIST' / 'raw'}" in message
    assert f"\n  {tmp_path} (only gzip files with published checksums)" in message
    assert "download=True" in message


def test_mnist_bad_subset(tmp_path):
    with pytest.raises(
        ValueError, match=r"'subset' parameter of load_mnist must be a str among"
    ):
        load_mnist("training", data_dir=tmp_path)


def test_fashion_class_names_are_torchvisions():
    from torchvision.datasets import FashionMNIST

    assert list(get_dataset_spec("fashion-mnist").classes) == FashionMNIST.classes


def test_resources_are_torchvisions():
    from torchvision.datasets import EMNIST, MNIST, FashionMNIST

    for split in EMNIST_SPLITS:
        ((urls, _, md5),) = _download.resources(get_dataset_spec(f"emnist-{split}"))
        assert (urls, md5) == ([EMNIST.url], EMNIST.md5)
    for dataset, cls in [("mnist", MNIST), ("fashion-mnist", FashionMNIST)]:
        spec = get_dataset_spec(dataset)
        resources = _download.resources(spec)
        assert [(n, m) for _, n, m in resources] == cls.resources
        assert all(url.endswith(n) for urls, n, _ in resources for url in urls)
        assert (
            _download.known_md5(spec)["train-images-idx3-ubyte.gz"]
            == dict(cls.resources)["train-images-idx3-ubyte.gz"]
        )


# --------------------------------------------------------------------------
# digits


def test_load_digits():
    sk = sklearn_load_digits()
    X_all, y_all = load_digits("all")
    assert X_all.shape == (1797, 8, 8) and X_all.dtype == np.uint8
    assert y_all.dtype == np.int64
    np.testing.assert_array_equal(X_all, np.rint(sk.images * 255 / 16))
    np.testing.assert_array_equal(y_all, sk.target)
    assert X_all.max() == 255 and X_all.min() == 0

    X_train, y_train = load_digits("train")
    X_test, y_test = load_digits("test")
    assert len(X_train) == 1437 and len(X_test) == 360

    def rows(X, y):
        return Counter((x.tobytes(), int(t)) for x, t in zip(X, y, strict=True))

    assert rows(X_train, y_train) + rows(X_test, y_test) == rows(X_all, y_all)
    # Stratified: each class keeps its share (within one sample).
    for c in range(10):
        share = (y_all == c).mean()
        assert abs((y_test == c).sum() - share * 360) <= 1
    # Deterministic.
    np.testing.assert_array_equal(load_digits("test")[0], X_test)


def test_load_digits_ignores_data_dir_and_download(tmp_path):
    X, _ = load_digits("test", data_dir=tmp_path / "none", download=True)
    assert X.shape == (360, 8, 8)
    assert not (tmp_path / "none").exists()


def test_load_digits_bunch():
    bunch = load_digits("test", return_X_y=False)
    assert bunch.data.shape == (360, 64)
    assert bunch.images.shape == (360, 8, 8)
    assert bunch.target_names.tolist() == list("0123456789")
    assert bunch.feature_names[-1] == "pixel_7_7"
    assert (bunch.name, bunch.subset) == ("digits", "test")


def test_load_digits_bad_arguments():
    with pytest.raises(ValueError, match="subset"):
        load_digits("val")
    with pytest.raises(TypeError, match="return_X_y"):
        load_digits(return_X_y="no")


# --------------------------------------------------------------------------
# load_dataset


def test_dataset_names():
    assert DATASET_NAMES == (
        "emnist-byclass",
        "emnist-bymerge",
        "emnist-balanced",
        "emnist-letters",
        "emnist-digits",
        "emnist-mnist",
        "mnist",
        "fashion-mnist",
        "digits",
    )


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_load_dataset_dispatches(tmp_path, name):
    if name.startswith("emnist-"):
        split = name[len("emnist-") :]
        stored, labels = write_emnist(tmp_path, split, "test")
        expected = stored.transpose(0, 2, 1)
    elif name == "digits":
        expected, labels = load_digits("test")
    else:
        folder = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}[name]
        expected, labels = write_mnist(tmp_path / folder / "raw", "test")
    bunch = load_dataset(name, "test", data_dir=tmp_path, return_X_y=False)
    assert bunch.name == name
    np.testing.assert_array_equal(bunch.images, expected)
    np.testing.assert_array_equal(bunch.target, labels)


def test_load_dataset_unknown_name():
    listed = r"a str among \{'emnist-byclass', .*, 'mnist', 'fashion-mnist', 'digits'\}"
    with pytest.raises(
        ValueError, match=rf"'name' .*load_dataset .*{listed}\. Got 'minst'"
    ):
        load_dataset("minst")
    with pytest.raises(TypeError, match=r"'name' .*load_dataset .*Got None instead"):
        load_dataset(None)


# --------------------------------------------------------------------------
# Dataset specs


def test_names_and_splits_come_from_the_specs():
    assert tuple(_specs.DATASETS) == DATASET_NAMES
    emnist = [get_dataset_spec(f"emnist-{split}") for split in EMNIST_SPLITS]
    assert [spec.split for spec in emnist] == list(EMNIST_SPLITS)
    for name in DATASET_NAMES:
        spec = get_dataset_spec(name)
        assert spec.name == name
        assert list(spec.mapping) == list(
            range(spec.first_label, spec.first_label + spec.n_classes)
        )
    assert get_dataset_spec("emnist-balanced").mapping == get_emnist_mapping("balanced")
    assert get_dataset_spec("digits").image_size == (8, 8)


def test_specs_are_read_only():
    spec = get_dataset_spec("mnist")
    with pytest.raises(AttributeError):
        spec.title = "changed"
    with pytest.raises(TypeError):
        spec.files["train"] = ("a", "b")


def test_a_spec_reads_files_or_a_reader():
    with pytest.raises(ValueError, match="either files"):
        DatasetSpec(name="x", title="X", classes="ab", description="")
    with pytest.raises(ValueError, match="either files"):
        DatasetSpec(
            name="x",
            title="X",
            classes="ab",
            description="",
            files={"test": ("a", "b")},
        )


def test_get_dataset_spec_checks_the_name():
    with pytest.raises(ValueError, match=r"'name' parameter of get_dataset_spec"):
        get_dataset_spec("emnist")


def test_one_more_spec_is_one_more_dataset(tmp_path, monkeypatch):
    # A split of EMNIST that does not exist, declared and registered here:
    # nothing else is needed to load it.
    spec = DatasetSpec(
        name="emnist-vowels",
        title="EMNIST vowels",
        classes=tuple("AEIOU"),
        description="The five vowels, upper and lower case merged.\n",
        first_label=1,
        merged_lowercase="aeiou",
        transposed=True,
        files={part: emnist_names("vowels", part) for part in ("train", "test")},
        folders=("", "gzip"),
        mapping_file="emnist-vowels-mapping.txt",
        torchvision="EMNIST",
        download_size="about 560 MB",
        split="vowels",
    )
    with monkeypatch.context() as patch:
        patch.setitem(_specs.DATASETS, spec.name, spec)
        stored, labels = write_emnist(tmp_path / "gzip", "vowels", "test", n=20)
        write_mapping(tmp_path / "gzip", "vowels")
        bunch = load_dataset("emnist-vowels", "test", tmp_path, return_X_y=False)
        np.testing.assert_array_equal(bunch.images, stored.transpose(0, 2, 1))
        np.testing.assert_array_equal(bunch.target, labels)
        assert sorted(set(labels.tolist())) == [1, 2, 3, 4, 5]
        assert bunch.target_names.tolist() == list("AEIOU")
        assert (bunch.name, bunch.split, bunch.subset) == (
            "emnist-vowels",
            "vowels",
            "test",
        )
        assert bunch.DESCR.startswith("EMNIST vowels (test)\n")
        assert "The five vowels" in bunch.DESCR
        X, _ = load_emnist("vowels", "test", data_dir=tmp_path)
        np.testing.assert_array_equal(X, bunch.images)
        assert char_to_label("e", "vowels") == 2
        assert label_to_char(5, "vowels") == "U"
        with pytest.raises(FileNotFoundError, match="EMNIST vowels train files"):
            load_dataset("emnist-vowels", "all", data_dir=tmp_path)
    # Gone with its entry.
    assert "emnist-vowels" not in _specs.DATASETS
    with pytest.raises(ValueError, match="Got 'emnist-vowels' instead"):
        load_dataset("emnist-vowels", "test", data_dir=tmp_path)


# --------------------------------------------------------------------------
# Downloads (the network is replaced by fakes)


class FakeServer:
    """Serves bytes by URL in place of ``_download_url`` (which writes a path)."""

    def __init__(self, files, fail=()):
        self.files = files
        self.fail = set(fail)
        self.calls = []

    def __call__(self, url, path):
        self.calls.append(url)
        data = self.files[url]
        with open(path, "wb") as f:
            if url in self.fail:
                f.write(data[: len(data) // 2])  # a half-written file, then:
                raise _download.DownloadError(
                    f"Could not download {url}: 3 attempts failed, the last with "
                    "ConnectionResetError: connection reset by peer."
                )
            f.write(data)


def serve(monkeypatch, torchvision, files, md5=None, fail=()):
    """Make the datasets of ``torchvision`` download ``files`` from a fake."""
    server = FakeServer({f"https://a/{n}": d for n, d in files.items()}, fail)
    resources = [
        (
            [f"https://a/{n}"],
            n,
            (md5 or {}).get(n, hashlib.md5(d).hexdigest()),
        )
        for n, d in files.items()
    ]
    real = _download.resources
    monkeypatch.setattr(
        _download,
        "resources",
        lambda spec: resources if spec.torchvision == torchvision else real(spec),
    )
    monkeypatch.setattr(_download, "_download_url", server)
    monkeypatch.setattr(_download, "md5_matches", lambda p, m: _md5(p) == m)
    return server


def test_download_emnist(tmp_path, monkeypatch):
    server = serve(monkeypatch, "EMNIST", {"gzip.zip": emnist_zip()})
    X, _ = load_emnist("letters", "test", data_dir=tmp_path, download=True)
    assert X.shape == (12, 28, 28)
    assert server.calls == ["https://a/gzip.zip"]
    raw = tmp_path / "EMNIST" / "raw"
    # torchvision's layout: decompressed idx files, plus the mapping files.
    assert files_under(tmp_path) == sorted(
        [
            f"EMNIST/raw/{name}"
            for split in EMNIST_SPLITS
            for part in ("train", "test")
            for name in emnist_names(split, part)
        ]
        + [f"EMNIST/raw/emnist-{split}-mapping.txt" for split in EMNIST_SPLITS]
    )
    assert (raw / "emnist-letters-test-labels-idx1-ubyte").read_bytes()[:4] == (
        b"\x00\x00\x08\x01"
    )
    # Every split is there now: no second download.
    load_emnist("byclass", "all", data_dir=tmp_path, download=True)
    assert len(server.calls) == 1


def test_no_download_when_files_exist(tmp_path, monkeypatch):
    write_emnist(tmp_path, "digits", "train")
    server = serve(monkeypatch, "EMNIST", {"gzip.zip": b"unused"})
    load_emnist("digits", data_dir=tmp_path, download=True)
    assert server.calls == []


def test_download_interrupted_leaves_nothing(tmp_path, monkeypatch):
    serve(
        monkeypatch, "EMNIST", {"gzip.zip": emnist_zip()}, fail=["https://a/gzip.zip"]
    )
    with pytest.raises(RuntimeError, match=r"Could not download gzip.zip") as info:
        load_emnist("digits", data_dir=tmp_path, download=True)
    assert "connection reset" in str(info.value)
    assert files_under(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary folder either


def test_download_keyboard_interrupt_leaves_nothing(tmp_path, monkeypatch):
    def interrupted(url, path):
        path.write_bytes(b"partial")
        raise KeyboardInterrupt

    serve(monkeypatch, "MNIST", {"train-images-idx3-ubyte.gz": b"x"})
    monkeypatch.setattr(_download, "_download_url", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_mnist(data_dir=tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, monkeypatch):
    serve(monkeypatch, "EMNIST", {"gzip.zip": emnist_zip()}, md5={"gzip.zip": "0" * 32})
    with pytest.raises(RuntimeError, match="md5 checksum is not 0000"):
        load_emnist("digits", data_dir=tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []


def test_download_with_corrupt_member_leaves_nothing(tmp_path, monkeypatch):
    archive = emnist_zip(corrupt="emnist-mnist-test-images-idx3-ubyte")
    serve(monkeypatch, "EMNIST", {"gzip.zip": archive})
    with pytest.raises(
        ValueError, match=r"gzip.zip holds a corrupt emnist-mnist-test-im"
    ):
        load_emnist("digits", data_dir=tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []


def test_download_of_an_incomplete_archive_leaves_nothing(tmp_path, monkeypatch):
    serve(monkeypatch, "EMNIST", {"gzip.zip": emnist_zip(splits=["digits"])})
    with pytest.raises(RuntimeError, match="lacks emnist-balanced-test"):
        load_emnist("digits", data_dir=tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []


def _mnist_files(seed=0):
    files = {}
    for part in ("train", "test"):
        rng = np.random.default_rng(seed)
        images = rng.integers(0, 256, (8, 28, 28), dtype=np.uint8)
        labels = np.arange(8, dtype=np.uint8)
        images_name, labels_name = mnist_names(part)
        files[f"{images_name}.gz"] = idx_bytes(images, gz=True)
        files[f"{labels_name}.gz"] = idx_bytes(labels, gz=True)
    return files


@pytest.mark.parametrize(
    ("loader", "folder"),
    [(load_mnist, "MNIST"), (load_fashion_mnist, "FashionMNIST")],
)
def test_download_mnist_family(tmp_path, monkeypatch, loader, folder):
    files = _mnist_files()
    serve(monkeypatch, folder, files)
    X, y = loader("test", data_dir=tmp_path, download=True)
    assert X.shape == (8, 28, 28)
    np.testing.assert_array_equal(y, np.arange(8))
    # As torchvision: the gzip files and their decompressed copies.
    assert files_under(tmp_path) == sorted(
        [f"{folder}/raw/{n}" for n in files]
        + [f"{folder}/raw/{n[: -len('.gz')]}" for n in files]
    )
    name = "t10k-images-idx3-ubyte"
    assert (tmp_path / folder / "raw" / name).read_bytes() == gzip.decompress(
        files[f"{name}.gz"]
    )


def test_download_mnist_failing_part_way_leaves_nothing(tmp_path, monkeypatch):
    files = _mnist_files()
    names = list(files)
    serve(monkeypatch, "MNIST", files, fail=[f"https://a/{names[2]}"])
    with pytest.raises(RuntimeError, match=f"Could not download {names[2]}"):
        load_mnist(data_dir=tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []


def test_download_tries_the_next_mirror(tmp_path, monkeypatch):
    files = _mnist_files()
    server = FakeServer(
        {f"https://{m}/{n}": d for n, d in files.items() for m in ("a", "b")},
        fail=[f"https://a/{n}" for n in files],
    )
    resources = [
        ([f"https://a/{n}", f"https://b/{n}"], n, hashlib.md5(d).hexdigest())
        for n, d in files.items()
    ]
    monkeypatch.setattr(_download, "resources", lambda d: resources)
    monkeypatch.setattr(_download, "_download_url", server)
    monkeypatch.setattr(_download, "md5_matches", lambda p, m: _md5(p) == m)
    X, _ = load_mnist(data_dir=tmp_path, download=True)
    assert len(X) == 8
    first = next(iter(files))
    assert server.calls[:2] == [f"https://a/{first}", f"https://b/{first}"]


# --------------------------------------------------------------------------
# The transfer itself, against a loopback HTTP server

#: The real transfer (the autouse fixture replaces it in every test).
REAL_DOWNLOAD_URL = _download._download_url


@pytest.fixture()
def loopback(monkeypatch):
    """A loopback server, with the real transfer, short timeouts and retries."""
    no_proxy(monkeypatch)
    monkeypatch.setattr(_download, "_download_url", REAL_DOWNLOAD_URL)
    monkeypatch.setattr(_download, "TIMEOUT", 0.3)
    monkeypatch.setattr(_download, "ATTEMPTS", 3)
    monkeypatch.setattr(_download, "BACKOFF", 0.01)
    with Loopback() as server:
        yield server


def test_a_stalled_server_times_out(tmp_path, loopback):
    url = loopback.serve("x.gz", STALL)
    with pytest.raises(_download.DownloadError) as info:
        _download.fetch([url], tmp_path, "x.gz", "0" * 32)
    assert loopback.hits["x.gz"] == 3  # 3 attempts of 0.3 s each, not forever
    message = str(info.value)
    assert url in message
    assert "3 attempts failed" in message
    assert "no answer within 0.3 s" in message
    assert isinstance(info.value, OSError)
    assert loopback.hits["x.gz"] == 3
    assert list(tmp_path.iterdir()) == []


def test_a_dropped_connection_is_retried_then_named(tmp_path, loopback):
    data = os.urandom(4000)
    url = loopback.serve("x.gz", Drop(data))
    with pytest.raises(OSError, match="3 attempts failed") as info:
        _download.fetch([url], tmp_path, "x.gz", hashlib.md5(data).hexdigest())
    assert "closed after 2000 of the 4000 bytes" in str(info.value)
    assert url in str(info.value)
    assert loopback.hits["x.gz"] == 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("first", [Drop(b"x" * 100), STALL, 503], ids=str)
def test_the_second_attempt_can_succeed(tmp_path, loopback, first):
    data = os.urandom(3000)
    url = loopback.serve("x.gz", first, data)
    path = _download.fetch([url], tmp_path, "x.gz", hashlib.md5(data).hexdigest())
    assert path.read_bytes() == data
    assert loopback.hits["x.gz"] == 2
    assert os.listdir(tmp_path) == ["x.gz"]


def test_wrong_bytes_fail_the_md5_check_and_leave_nothing(tmp_path, loopback):
    url = loopback.serve("x.gz", b"not the published file")
    with pytest.raises(OSError, match="md5 checksum is not 0{32}") as info:
        _download.fetch([url], tmp_path, "x.gz", "0" * 32)
    assert url in str(info.value)
    assert loopback.hits["x.gz"] == 1  # a complete transfer is not repeated
    assert list(tmp_path.iterdir()) == []


def test_a_missing_file_is_not_retried(tmp_path, loopback):
    url = loopback.serve("x.gz", 404)
    with pytest.raises(
        OSError, match=r"1 attempt failed, the last with HTTP error 404"
    ):
        _download.fetch([url], tmp_path, "x.gz", "0" * 32)
    assert loopback.hits["x.gz"] == 1


def test_a_refused_connection_is_retried_then_named(tmp_path, loopback):
    url = refused_url("x.gz")
    with pytest.raises(OSError, match="ConnectionRefusedError") as info:
        _download.fetch([url], tmp_path, "x.gz", "0" * 32)
    assert f"{url}: 3 attempts failed" in str(info.value)


def test_every_mirror_is_named(tmp_path, loopback):
    data = os.urandom(100)
    urls = [loopback.serve("a.gz", 404), loopback.serve("b.gz", Drop(data))]
    with pytest.raises(_download.DownloadError) as info:
        _download.fetch(urls, tmp_path, "x.gz", hashlib.md5(data).hexdigest())
    lines = str(info.value).splitlines()
    assert lines[0] == "Could not download x.gz; nothing was saved."
    assert urls[0] in lines[1] and "HTTP error 404" in lines[1]
    assert urls[1] in lines[2] and "closed after 50 of the 100 bytes" in lines[2]


def test_download_through_the_loopback_server(tmp_path, loopback, monkeypatch):
    files = _mnist_files()
    resources = [
        ([loopback.serve(name, Drop(data), data)], name, hashlib.md5(data).hexdigest())
        for name, data in files.items()
    ]
    monkeypatch.setattr(_download, "resources", lambda spec: resources)
    X, _ = load_mnist("test", data_dir=tmp_path, download=True)
    assert len(X) == 8
    assert sorted(loopback.hits.values()) == [2, 2, 2, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MNIST"]


def test_a_killed_download_is_cleaned_up_by_the_next(tmp_path, monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stale = tmp_path / f".download.{child.pid}.abcd1234"
    (stale / "files").mkdir(parents=True)
    (stale / "gzip.zip").write_bytes(b"half")
    serve(monkeypatch, "MNIST", _mnist_files())
    load_mnist(data_dir=tmp_path, download=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MNIST"]
