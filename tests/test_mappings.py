"""Built-in EMNIST label sets, label <-> character helpers, mapping files."""

import string

import numpy as np
import pytest

from emnist_estimators.datasets import (
    EMNIST_SPLITS,
    char_to_label,
    get_emnist_mapping,
    label_to_char,
    read_mapping_file,
)
from emnist_estimators.datasets._mapping import check_mapping_file

MERGED = set("cijklmopsuvwxyz")
SIZES = {"byclass": 62, "bymerge": 47, "balanced": 47, "letters": 26, "digits": 10}


def test_splits():
    assert set(EMNIST_SPLITS) == {
        "byclass",
        "bymerge",
        "balanced",
        "letters",
        "digits",
        "mnist",
    }


@pytest.mark.parametrize("split", EMNIST_SPLITS)
def test_mapping_sizes_and_contiguous_labels(split):
    mapping = get_emnist_mapping(split)
    first = 1 if split == "letters" else 0
    assert list(mapping) == list(range(first, first + SIZES.get(split, 10)))
    assert len(set(mapping.values())) == len(mapping)
    assert all(len(c) == 1 for c in mapping.values())


def test_byclass_order():
    chars = "".join(get_emnist_mapping("byclass").values())
    assert chars == string.digits + string.ascii_uppercase + string.ascii_lowercase


@pytest.mark.parametrize("split", ["bymerge", "balanced"])
def test_merged_splits_drop_the_merged_lowercase_letters(split):
    chars = list(get_emnist_mapping(split).values())
    assert chars[:36] == list(string.digits + string.ascii_uppercase)
    assert set(chars[36:]) == set(string.ascii_lowercase) - MERGED
    assert chars[36:] == sorted(chars[36:])


def test_letters_and_digits():
    assert get_emnist_mapping("letters")[1] == "A"
    assert get_emnist_mapping("letters")[26] == "Z"
    assert get_emnist_mapping("digits") == get_emnist_mapping("mnist")
    assert "".join(get_emnist_mapping("digits").values()) == string.digits


def test_mapping_is_a_fresh_copy():
    get_emnist_mapping("digits")[0] = "x"
    assert get_emnist_mapping("digits")[0] == "0"


@pytest.mark.parametrize("split", EMNIST_SPLITS)
def test_label_char_round_trip(split):
    mapping = get_emnist_mapping(split)
    labels = np.array(list(mapping))
    chars = label_to_char(labels, split)
    assert chars.tolist() == list(mapping.values())
    np.testing.assert_array_equal(char_to_label(chars, split), labels)
    assert char_to_label(chars, split).dtype == np.int64


def test_scalars():
    assert label_to_char(36, "byclass") == "a"
    assert label_to_char(np.uint8(10), "balanced") == "A"
    assert isinstance(label_to_char(np.int64(3), "digits"), str)
    assert char_to_label("z", "byclass") == 61
    assert isinstance(char_to_label("z", "byclass"), int)


def test_shapes_are_kept():
    labels = np.array([[0, 1], [2, 61]])
    chars = label_to_char(labels, "byclass")
    assert chars.shape == (2, 2)
    assert chars[1, 1] == "z"
    np.testing.assert_array_equal(char_to_label(chars, "byclass"), labels)


@pytest.mark.parametrize("split", ["bymerge", "balanced"])
def test_merged_lowercase_gives_the_uppercase_label(split):
    for c in MERGED:
        assert char_to_label(c, split) == char_to_label(c.upper(), split)
    assert char_to_label("a", split) != char_to_label("A", split)


def test_letters_accept_both_cases():
    assert char_to_label(["a", "A", "z"], "letters").tolist() == [1, 1, 26]


def test_byclass_is_case_sensitive():
    assert char_to_label("c", "byclass") != char_to_label("C", "byclass")


@pytest.mark.parametrize(
    ("labels", "split"), [(62, "byclass"), ([0], "letters"), ([-1], "digits")]
)
def test_label_out_of_range(labels, split):
    with pytest.raises(ValueError, match=f"{split!r} split are"):
        label_to_char(labels, split)


def test_non_integer_labels():
    with pytest.raises(TypeError, match="integers"):
        label_to_char([1.0, 2.0], "digits")
    with pytest.raises(TypeError, match="integers"):
        label_to_char(True, "digits")


@pytest.mark.parametrize(("chars", "split"), [("a", "digits"), (["A", "?"], "byclass")])
def test_unknown_characters(chars, split):
    with pytest.raises(ValueError, match="has no class for"):
        char_to_label(chars, split)


def test_bad_chars():
    with pytest.raises(ValueError, match="single characters"):
        char_to_label("ab", "byclass")
    with pytest.raises(TypeError, match="strings"):
        char_to_label([1, 2], "byclass")


def test_unknown_split():
    splits = r"\{'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'\}"
    with pytest.raises(
        ValueError,
        match=rf"'split' parameter of get_emnist_mapping .*{splits}\. Got 'bycls'",
    ):
        get_emnist_mapping("bycls")
    with pytest.raises(ValueError, match="'split' parameter of label_to_char must be"):
        label_to_char(1, "letter")
    with pytest.raises(TypeError, match=r"'split' .*char_to_label .* Got None"):
        char_to_label("a", None)


def test_read_official_format(tmp_path):
    path = tmp_path / "emnist-balanced-mapping.txt"
    path.write_text("0 48\r\n10 65\r\n\r\n36 97\r\n")
    assert read_mapping_file(path) == {0: "0", 10: "A", 36: "a"}


def test_read_letters_format(tmp_path):
    path = tmp_path / "emnist-letters-mapping.txt"
    path.write_text("1 65 97\n2 66 98\n")
    assert read_mapping_file(path) == {1: "Aa", 2: "Bb"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 48\n1 x\n", "line 2: expected"),
        ("0 48\n1\n", "line 2: expected"),
        ("0 48\n0 49\n", "line 2: label 0 appears a second time"),
        ("0 10\n", "line 1: ASCII codes must be printable"),
        ("-1 48\n", "line 1: labels must be >= 0"),
        ("\n\n", "holds no mapping"),
    ],
)
def test_read_malformed(tmp_path, text, message):
    path = tmp_path / "mapping.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        read_mapping_file(path)
    assert str(path) in str(info.value)


def test_read_binary_file(tmp_path):
    path = tmp_path / "mapping.txt"
    path.write_bytes(b"\x1f\x8b\x08\x00\xff")
    with pytest.raises(ValueError, match="not ASCII"):
        read_mapping_file(path)


def _write(path, mapping):
    path.write_text("".join(f"{k} {' '.join(map(str, v))}\n" for k, v in mapping))
    return path


def test_check_mapping_file(tmp_path):
    letters = [(i, (64 + i, 96 + i)) for i in range(1, 27)]
    assert check_mapping_file(_write(tmp_path / "l.txt", letters), "letters")[1] == "Aa"

    digits = [(i, (48 + i,)) for i in range(10)]
    check_mapping_file(_write(tmp_path / "d.txt", digits), "digits")
    with pytest.raises(ValueError, match="labels 0-9"):
        check_mapping_file(tmp_path / "d.txt", "byclass")

    swapped = [(i, (48 + (9 - i),)) for i in range(10)]
    with pytest.raises(ValueError, match="labels that differ: 0: '9'"):
        check_mapping_file(_write(tmp_path / "s.txt", swapped), "digits")
