"""Atomic file writing: a reader never sees a half-written file."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike) -> Iterator:
    """Open a temporary file for binary writing that replaces ``path`` on success.

    The temporary file lives in the folder of ``path`` (so that
    :func:`os.replace` is atomic) under a hidden name. It is moved onto
    ``path`` only when the ``with`` block ends without an exception, and
    removed otherwise.

    Parameters
    ----------
    path : str or path-like
        The file to write. Its folder must exist.

    Yields
    ------
    file object
        The temporary file, opened in ``"wb"`` mode.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def staging_dir(parent: str | os.PathLike) -> Iterator[Path]:
    """Create a hidden temporary folder in ``parent`` and remove it afterwards.

    Files are prepared in this folder and moved into their final place with
    :func:`os.replace` (atomic, because the folder is on the same file
    system). Whatever is left in it is removed when the block ends, whether
    it succeeded or not.

    Parameters
    ----------
    parent : str or path-like
        The folder that holds the temporary folder; created if needed.

    Yields
    ------
    pathlib.Path
        The temporary folder.
    """
    os.makedirs(parent, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically.

    Parameters
    ----------
    path : str or path-like
        Destination.
    text : str
        Content.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    with atomic_open(path) as f:
        f.write(text.encode("utf-8"))
    return Path(path)


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON atomically (numpy scalars and arrays are converted).

    Parameters
    ----------
    path : str or path-like
        Destination.
    data : object
        JSON-serialisable data; numpy values are turned into Python ones.

    Returns
    -------
    pathlib.Path
        The path written.
    """

    def default(value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, Path):
            return str(value)
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    return write_text(path, json.dumps(data, indent=2, default=default) + "\n")
