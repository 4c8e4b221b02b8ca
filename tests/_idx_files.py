"""Helpers that write small fake datasets in the official file layouts."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np

from emnist_estimators.datasets import get_emnist_mapping, write_idx

MNIST_PREFIX = {"train": "train", "test": "t10k"}


def asymmetric_images(n: int, seed: int = 0, size=(28, 28)) -> np.ndarray:
    """Random uint8 images that differ from their transposes."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, *size), dtype=np.uint8)
    images[:, 0, :] = 255  # a full top row and an empty left column:
    images[:, :, 0] = 0  # transposing swaps them
    return images


def labels_for(split: str, n: int, seed: int = 0) -> np.ndarray:
    """uint8 labels of ``split`` that cover its whole label set when possible."""
    labels = np.array(sorted(get_emnist_mapping(split)), dtype=np.uint8)
    rng = np.random.default_rng(seed)
    return rng.permutation(np.resize(labels, n)).astype(np.uint8)


def emnist_names(split: str, part: str) -> tuple[str, str]:
    prefix = f"emnist-{split}-{part}"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def write_emnist(
    folder: Path,
    split: str,
    part: str,
    n: int = 70,
    gz: bool = True,
    seed: int = 0,
    images: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Write an EMNIST images/labels pair; return the stored arrays.

    The images are stored as given (the loader must transpose them).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images = asymmetric_images(n, seed) if images is None else images
    labels = labels_for(split, len(images), seed) if labels is None else labels
    suffix = ".gz" if gz else ""
    images_name, labels_name = emnist_names(split, part)
    write_idx(folder / f"{images_name}{suffix}", images)
    write_idx(folder / f"{labels_name}{suffix}", labels)
    return images, labels


def write_mapping(folder: Path, split: str, letters_two_cases: bool = True) -> Path:
    """Write an official-format mapping file for ``split``."""
    lines = []
    for label, char in get_emnist_mapping(split).items():
        codes = [ord(char)]
        if split == "letters" and letters_two_cases:
            codes.append(ord(char.lower()))
        lines.append(" ".join(str(v) for v in [label, *codes]))
    path = Path(folder) / f"emnist-{split}-mapping.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def mnist_names(part: str) -> tuple[str, str]:
    prefix = MNIST_PREFIX[part]
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def write_mnist(
    folder: Path, part: str, n: int = 30, gz: bool = True, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Write an MNIST-style images/labels pair (labels 0-9)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images = asymmetric_images(n, seed)
    labels = (np.arange(n) % 10).astype(np.uint8)
    suffix = ".gz" if gz else ""
    images_name, labels_name = mnist_names(part)
    write_idx(folder / f"{images_name}{suffix}", images)
    write_idx(folder / f"{labels_name}{suffix}", labels)
    return images, labels


def idx_bytes(array: np.ndarray, gz: bool = False) -> bytes:
    """The bytes of an idx file holding ``array`` (via a temporary buffer)."""
    array = np.asarray(array)
    codes = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}
    code = codes[array.dtype.str[1:]]
    header = bytes([0, 0, code, array.ndim])
    for d in array.shape:
        header += int(d).to_bytes(4, "big")
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    return gzip.compress(data, mtime=0) if gz else data


def emnist_zip(splits=None, n: int = 12, corrupt: str | None = None) -> bytes:
    """The bytes of a small archive laid out as the official ``gzip.zip``."""
    from emnist_estimators.datasets import EMNIST_SPLITS

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i, split in enumerate(splits or EMNIST_SPLITS):
            for part in ("train", "test"):
                images = asymmetric_images(n, seed=i)
                labels = labels_for(split, n, seed=i)
                images_name, labels_name = emnist_names(split, part)
                data = idx_bytes(images)
                if corrupt == images_name:
                    data = data[:-5]
                zf.writestr(f"gzip/{images_name}.gz", gzip.compress(data))
                zf.writestr(f"gzip/{labels_name}.gz", idx_bytes(labels, gz=True))
            mapping = get_emnist_mapping(split)
            text = "".join(f"{k} {ord(c)}\n" for k, c in mapping.items())
            zf.writestr(f"gzip/emnist-{split}-mapping.txt", text)
    return buffer.getvalue()
