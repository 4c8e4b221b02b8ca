"""Reading and writing idx files."""

import gzip
import os
import struct

import numpy as np
import pytest
from _idx_files import idx_bytes

from emnist_estimators.datasets import _idx, read_idx, write_idx
from emnist_estimators.datasets._idx import IMAGES_MAGIC, LABELS_MAGIC, check_idx_file

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gz", [False, True])
def test_round_trip(tmp_path, dtype, gz):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(4, 3, 5)) * 50).astype(dtype)
    path = tmp_path / ("data.gz" if gz else "data")
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype)
    assert back.dtype.isnative
    assert back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_read_matches_independent_writer(tmp_path):
    # Files built byte by byte in the test, not by write_idx.
    labels = np.array([7, 0, 255], dtype=np.uint8)
    (tmp_path / "labels").write_bytes(
        b"\x00\x00\x08\x01" + struct.pack(">I", 3) + bytes([7, 0, 255])
    )
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), labels)

    values = np.array([[1, -2], [70000, -70000]], dtype=np.int32)
    (tmp_path / "ints.gz").write_bytes(idx_bytes(values, gz=True))
    np.testing.assert_array_equal(read_idx(tmp_path / "ints.gz"), values)


def test_written_bytes_follow_the_format(tmp_path):
    write_idx(tmp_path / "labels", np.array([3, 1, 4], dtype=np.uint8))
    assert (tmp_path / "labels").read_bytes() == (
        b"\x00\x00\x08\x01" + b"\x00\x00\x00\x03" + b"\x03\x01\x04"
    )
    write_idx(tmp_path / "images", np.zeros((2, 3, 4), dtype=np.uint8))
    raw = (tmp_path / "images").read_bytes()
    assert struct.unpack(">IIII", raw[:16]) == (IMAGES_MAGIC, 2, 3, 4)
    assert len(raw) == 16 + 24
    write_idx(tmp_path / "floats", np.array([1.5], dtype=np.float32))
    assert (tmp_path / "floats").read_bytes()[8:] == struct.pack(">f", 1.5)


def test_gzip_detected_from_content_not_name(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    (tmp_path / "compressed-without-suffix").write_bytes(idx_bytes(array, gz=True))
    (tmp_path / "plain.gz").write_bytes(idx_bytes(array))
    np.testing.assert_array_equal(
        read_idx(tmp_path / "compressed-without-suffix"), array
    )
    np.testing.assert_array_equal(read_idx(tmp_path / "plain.gz"), array)


def test_gz_suffix_compresses(tmp_path):
    array = np.zeros((50, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "a", array)
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert (
        gzip.decompress((tmp_path / "a.gz").read_bytes())
        == (tmp_path / "a").read_bytes()
    )


def test_empty_array_round_trip(tmp_path):
    array = np.zeros((0, 28, 28), dtype=np.uint8)
    for name in ("empty", "empty.gz"):
        write_idx(tmp_path / name, array)
        assert read_idx(tmp_path / name).shape == (0, 28, 28)


def test_accepts_str_paths(tmp_path):
    path = os.path.join(tmp_path, "labels")
    write_idx(path, np.array([1, 2], dtype=np.uint8))
    assert read_idx(path).tolist() == [1, 2]


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path, gz):
    data = idx_bytes(np.zeros((3, 4, 4), dtype=np.uint8))[:-7]
    path = tmp_path / "images"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ValueError, match="truncated") as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("gz", [False, True])
def test_extra_data(tmp_path, gz):
    data = idx_bytes(np.zeros(5, dtype=np.uint8)) + b"\x00\x00"
    path = tmp_path / "labels"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ValueError, match="corrupt") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_header(tmp_path):
    path = tmp_path / "images"
    path.write_bytes(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x02")  # 2 of 3 dims missing
    with pytest.raises(ValueError, match=r"truncated.*3 dimensions"):
        read_idx(path)


@pytest.mark.parametrize("content", [b"", b"\x00\x00"])
def test_too_short_for_magic(tmp_path, content):
    path = tmp_path / "empty"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="magic number") as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "magic",
    [b"PK\x03\x04", b"\x00\x01\x08\x01", b"\x00\x00\x07\x01", b"\x00\x00\x08\x00"],
)
def test_bad_magic(tmp_path, magic):
    path = tmp_path / "bad"
    path.write_bytes(magic + b"\x00\x00\x00\x01\x05")
    with pytest.raises(ValueError, match="bad magic number") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip_stream(tmp_path):
    compressed = idx_bytes(np.arange(1000, dtype=np.int32), gz=True)
    path = tmp_path / "labels.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_gzip_stream(tmp_path):
    rng = np.random.default_rng(0)
    compressed = bytearray(
        idx_bytes(rng.integers(0, 255, (20, 28, 28), dtype=np.uint8), gz=True)
    )
    compressed[len(compressed) // 2 : len(compressed) // 2 + 16] = b"\xff" * 16
    path = tmp_path / "images.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(ValueError) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_gzip_with_bad_crc(tmp_path):
    compressed = bytearray(idx_bytes(np.arange(20, dtype=np.uint8), gz=True))
    compressed[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    path = tmp_path / "labels.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(ValueError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_absurd_header_in_gzip(tmp_path):
    data = b"\x00\x00\x0e\x03" + struct.pack(">III", 2**32 - 1, 2**32 - 1, 2**20)
    path = tmp_path / "huge.gz"
    path.write_bytes(gzip.compress(data))
    with pytest.raises(ValueError, match=str(path)):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


def test_expected_magic(tmp_path):
    write_idx(tmp_path / "labels", np.arange(4, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"not an idx file of images.*0x00000801"):
        _idx._read_idx(tmp_path / "labels", IMAGES_MAGIC)
    assert _idx._read_idx(tmp_path / "labels", LABELS_MAGIC).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("gz", [False, True])
def test_check_idx_file(tmp_path, gz):
    path = tmp_path / ("images.gz" if gz else "images")
    write_idx(path, np.zeros((3, 5, 6), dtype=np.uint8))
    assert check_idx_file(path, IMAGES_MAGIC) == (3, 5, 6)
    with pytest.raises(ValueError, match="labels"):
        check_idx_file(path, LABELS_MAGIC)
    if not gz:
        with open(path, "ab") as f:
            f.write(b"\x00")
        with pytest.raises(ValueError, match="too long"):
            check_idx_file(path)


@pytest.mark.parametrize(
    "array", [np.arange(3, dtype=np.int64), np.array([True]), np.zeros(2, np.uint16)]
)
def test_write_rejects_unsupported_dtypes(tmp_path, array):
    with pytest.raises(TypeError, match=f"dtype {array.dtype}"):
        write_idx(tmp_path / "x", array)
    assert not (tmp_path / "x").exists()


def test_write_rejects_scalars(tmp_path):
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "images.gz"
    write_idx(path, np.ones((2, 2, 2), dtype=np.uint8))
    before = path.read_bytes()

    def fail_half_way(f, header, data):
        f.write(header)
        raise OSError("disk full")

    monkeypatch.setattr(_idx, "_write_payload", fail_half_way)
    with pytest.raises(OSError, match="disk full"):
        write_idx(path, np.zeros((5, 2, 2), dtype=np.uint8))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["images.gz"]
