"""Reading and writing idx files, the format of the MNIST family of datasets.

An idx file is a big-endian header followed by the raw array data:

- a 4-byte magic number ``0x0000TTDD``: two zero bytes, a type code ``TT``
  (``0x08`` uint8, ``0x09`` int8, ``0x0B`` int16, ``0x0C`` int32, ``0x0D``
  float32, ``0x0E`` float64) and the number of dimensions ``DD``;
- one 4-byte unsigned integer per dimension;
- the values, C order, big-endian.

The MNIST family uses ``0x00000803`` for images (uint8, 3 dimensions) and
``0x00000801`` for labels (uint8, 1 dimension). Files may be gzip-compressed;
compression is detected from the file's first bytes, not from its name.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .._atomic import atomic_open

#: Magic number of an idx file of uint8 images ``(n, height, width)``.
IMAGES_MAGIC = 0x00000803
#: Magic number of an idx file of uint8 labels ``(n,)``.
LABELS_MAGIC = 0x00000801

_GZIP_MAGIC = b"\x1f\x8b"

# idx type code -> dtype of the stored (big-endian) values.
_CODE_TO_DTYPE = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# (kind, itemsize) of a numpy dtype -> idx type code.
_KIND_TO_CODE = {(dt.kind, dt.itemsize): code for code, dt in _CODE_TO_DTYPE.items()}
_SUPPORTED = "uint8, int8, int16, int32, float32 or float64"

_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def _describe_magic(magic: int) -> str:
    return f"0x{magic:08X}"


def _read_header(stream, path: Path) -> tuple[int, np.dtype, tuple[int, ...]]:
    """Read and check the magic number and the dimensions."""
    head = stream.read(4)
    if len(head) < 4:
        raise ValueError(
            f"{path} is not a valid idx file: it ends after {len(head)} bytes, "
            "before the 4-byte magic number."
        )
    (magic,) = struct.unpack(">I", head)
    zero, code, ndim = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zero != 0 or code not in _CODE_TO_DTYPE or ndim == 0:
        raise ValueError(
            f"{path} is not a valid idx file: bad magic number "
            f"{_describe_magic(magic)}; expected 0x00000803 for images, "
            "0x00000801 for labels, or in general 0x0000TTDD with a type code "
            "TT in {08, 09, 0B, 0C, 0D, 0E} and DD >= 1 dimensions."
        )
    raw_dims = stream.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise ValueError(
            f"{path} is truncated: its header announces {ndim} dimensions "
            f"({4 * ndim} bytes) but only {len(raw_dims)} bytes follow the magic "
            "number."
        )
    shape = struct.unpack(f">{ndim}I", raw_dims)
    return magic, _CODE_TO_DTYPE[code], shape


def _check_magic(magic: int, expected_magic: int | None, path: Path) -> None:
    if expected_magic is None or magic == expected_magic:
        return
    kinds = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
    what = kinds.get(expected_magic, "data")
    raise ValueError(
        f"{path} is not an idx file of {what}: its magic number is "
        f"{_describe_magic(magic)}, expected {_describe_magic(expected_magic)}."
    )


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def _read_into(stream, buffer: np.ndarray) -> int:
    """Fill the uint8 ``buffer`` from ``stream``; return the bytes read."""
    view = memoryview(buffer)
    filled = 0
    while filled < len(view):
        n = stream.readinto(view[filled:])
        if not n:
            break
        filled += n
    return filled


def _read_idx(path, expected_magic: int | None = None) -> np.ndarray:
    path = Path(path)
    compressed = _is_gzip(path)
    with open(path, "rb") as raw:
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            magic, dtype, shape = _read_header(stream, path)
            _check_magic(magic, expected_magic, path)
            header_size = 4 + 4 * len(shape)
            n_bytes = math.prod(shape) * dtype.itemsize
            if not compressed:
                size = os.fstat(raw.fileno()).st_size
                if size != header_size + n_bytes:
                    _raise_bad_length(path, shape, header_size, n_bytes, size)
            try:
                buffer = np.empty(n_bytes, dtype=np.uint8)
            except (MemoryError, ValueError) as exc:
                raise ValueError(
                    f"{path} is probably corrupt: its header announces an array "
                    f"of shape {shape} ({n_bytes} bytes), which cannot be "
                    "allocated."
                ) from exc
            got = _read_into(stream, buffer)
            if got < n_bytes:
                _raise_bad_length(path, shape, header_size, n_bytes, header_size + got)
            if stream.read(1):
                raise ValueError(
                    f"{path} is corrupt: it holds more data than the "
                    f"{n_bytes} bytes its header announces (shape {shape})."
                )
        except _GZIP_ERRORS as exc:
            raise ValueError(
                f"{path} is a truncated or corrupt gzip file: {exc}. Delete it "
                "and download it again."
            ) from exc
        finally:
            if compressed:
                stream.close()
    array = buffer.view(dtype).reshape(shape)
    if dtype.itemsize > 1:
        array = array.astype(dtype.newbyteorder("="))
    return array


def _raise_bad_length(path, shape, header_size, n_bytes, size) -> None:
    expected = header_size + n_bytes
    problem = "truncated" if size < expected else "corrupt (too long)"
    raise ValueError(
        f"{path} is {problem}: its header announces an array of shape {shape}, "
        f"which needs {expected} bytes ({header_size} header + {n_bytes} data), "
        f"but the file holds {size} bytes."
    )


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an idx file, plain or gzip-compressed.

    Parameters
    ----------
    path : str or path-like
        The file. gzip compression is detected from its first bytes.

    Returns
    -------
    ndarray
        The stored array, with the shape and dtype given by the file's
        header (in native byte order).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a valid idx file: a bad magic number, a header or
        data shorter or longer than the header announces, or a corrupt gzip
        stream. The message names the file.

    See Also
    --------
    write_idx : Write an array to an idx file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from emnist_estimators.datasets import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(path)
    array([3, 1, 4], dtype=uint8)
    """
    return _read_idx(path)


def check_idx_file(path, expected_magic: int | None = None) -> tuple[int, ...]:
    """Check an idx file and return its shape, reading as little as possible.

    A plain file is checked from its header and its size alone; a gzip file
    has to be decompressed in full.

    Parameters
    ----------
    path : str or path-like
        The file.
    expected_magic : int, default=None
        When given, the magic number the file must have.

    Returns
    -------
    tuple of int
        The shape of the stored array.

    Raises
    ------
    ValueError
        If the file is not a valid idx file.
    """
    path = Path(path)
    if _is_gzip(path):
        return _read_idx(path, expected_magic).shape
    with open(path, "rb") as f:
        magic, dtype, shape = _read_header(f, path)
        _check_magic(magic, expected_magic, path)
        header_size = 4 + 4 * len(shape)
        n_bytes = math.prod(shape) * dtype.itemsize
        size = os.fstat(f.fileno()).st_size
    if size != header_size + n_bytes:
        _raise_bad_length(path, shape, header_size, n_bytes, size)
    return tuple(shape)


def write_idx(path: str | os.PathLike, array) -> None:
    """Write an array to an idx file, atomically.

    The file is written to a temporary file in the same folder and renamed to
    ``path`` only once complete, so an interrupted call never leaves a
    partial file under ``path``.

    Parameters
    ----------
    path : str or path-like
        The file to write. It is gzip-compressed when the name ends in
        ``.gz``. Its folder must exist.
    array : array-like
        The data: at least one dimension, of dtype uint8, int8, int16, int32,
        float32 or float64 (the types idx files can hold). uint8 arrays of 1
        and 3 dimensions give the labels (``0x00000801``) and images
        (``0x00000803``) files of the MNIST family.

    Raises
    ------
    TypeError
        If the array's dtype cannot be stored in an idx file (e.g. int64:
        convert labels with ``y.astype(np.uint8)`` first).
    ValueError
        If the array has no dimension, more than 255, or a dimension of
        ``2**32`` or more.

    See Also
    --------
    read_idx : Read an idx file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from emnist_estimators.datasets import read_idx, write_idx
    >>> path = Path(tempfile.mkdtemp()) / "images-idx3-ubyte"
    >>> write_idx(path, np.zeros((2, 28, 28), dtype=np.uint8))
    >>> read_idx(path).shape
    (2, 28, 28)
    """
    array = np.asarray(array)
    code = _KIND_TO_CODE.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise TypeError(
            f"idx files hold {_SUPPORTED} values; got an array of dtype "
            f"{array.dtype}. Convert it first, e.g. labels with "
            "array.astype(np.uint8)."
        )
    if not 1 <= array.ndim <= 255:
        raise ValueError(
            f"idx files hold arrays of 1 to 255 dimensions; got {array.ndim}."
        )
    if any(d >= 2**32 for d in array.shape):
        raise ValueError(
            f"idx files hold dimensions below 2**32; got shape {array.shape}."
        )
    header = struct.pack(">I", (code << 8) | array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    data = np.ascontiguousarray(array, dtype=_CODE_TO_DTYPE[code])
    path = Path(path)
    with atomic_open(path) as f:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
                _write_payload(gz, header, data)
        else:
            _write_payload(f, header, data)


def _write_payload(f, header: bytes, data: np.ndarray) -> None:
    f.write(header)
    if data.size:
        f.write(data.reshape(-1).view(np.uint8))
