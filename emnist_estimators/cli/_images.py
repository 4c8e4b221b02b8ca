"""Reading images to predict: PNG files, folders of PNGs, and idx files."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..datasets import read_idx

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _read_picture(path: Path, shape: tuple[int, int], invert: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            size = (image.height, image.width)
            grey = image.convert("L").resize((shape[1], shape[0]), Image.BILINEAR)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"Cannot read {path} as an image: {exc}") from None
    if size != tuple(shape):
        warnings.warn(
            f"{path} is {size[0]}x{size[1]} pixels; it was resized to the model's "
            f"{shape[0]}x{shape[1]} (a character should fill the picture as in the "
            "training images).",
            UserWarning,
            stacklevel=3,
        )
    pixels = np.asarray(grey, dtype=np.uint8)
    if invert == "yes" or (invert == "auto" and _light_background(pixels)):
        pixels = 255 - pixels
    return pixels


def _light_background(pixels: np.ndarray) -> bool:
    """Whether the border of the picture is mostly light (dark ink on paper)."""
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return float(np.median(border)) > 127


def read_inputs(
    inputs: Iterable[Path],
    shape: tuple[int, int],
    *,
    invert: str = "auto",
    transposed: bool = False,
) -> tuple[list[str], np.ndarray]:
    """Read pictures, folders of pictures and idx files as uint8 images.

    Parameters
    ----------
    inputs : iterable of path
        PNG (or JPEG, BMP, GIF) files, folders of them (sorted by name), or
        idx image files (``*-idx3-ubyte``, gzip or not).
    shape : tuple of int
        ``(height, width)`` the model expects; pictures are resized to it.
    invert : {'auto', 'yes', 'no'}, default='auto'
        Invert pictures' grey levels: the models expect light characters on a
        dark background; 'auto' inverts pictures whose border is light.
    transposed : bool, default=False
        Whether idx images are stored transposed (official EMNIST files).

    Returns
    -------
    names : list of str
        One name per image: the file name, or ``<idx file>[i]``.
    images : ndarray of shape (n, height, width), uint8
        The images.
    """
    if invert not in ("auto", "yes", "no"):
        raise ValueError(f"invert must be 'auto', 'yes' or 'no', got {invert!r}.")
    names: list[str] = []
    images: list[np.ndarray] = []
    for path in map(Path, inputs):
        if path.is_dir():
            files = sorted(
                p for p in path.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES
            )
            if not files:
                raise ValueError(f"{path} holds no {'/'.join(_IMAGE_SUFFIXES)} files.")
        elif path.is_file():
            files = [path]
        else:
            raise FileNotFoundError(f"No such file or folder: {path}")
        for file in files:
            if file.suffix.lower() in _IMAGE_SUFFIXES:
                names.append(str(file))
                images.append(_read_picture(file, shape, invert)[None])
                continue
            stack = read_idx(file)
            if stack.ndim != 3:
                raise ValueError(
                    f"{file} holds an array of shape {stack.shape}, not a stack of "
                    "images (n, height, width)."
                )
            if transposed:
                stack = stack.transpose(0, 2, 1)
            if stack.shape[1:] != tuple(shape):
                raise ValueError(
                    f"{file} holds images of shape {stack.shape[1:]}, but the model "
                    f"expects {tuple(shape)}."
                )
            names += [f"{file}[{i}]" for i in range(len(stack))]
            images.append(stack.astype(np.uint8, copy=False))
    return names, np.concatenate(images)
