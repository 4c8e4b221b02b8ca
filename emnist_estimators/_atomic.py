"""Atomic file writing: a reader never sees a half-written file.

A file is written to a hidden temporary file in its own folder and moved
onto its name with :func:`os.replace` (atomic on one file system) only once
it is complete. The temporary names carry the writer's process id,
``.<name>.<pid>.<random>.tmp`` for files and ``.download.<pid>.<random>``
for staging folders, so that :func:`remove_stale_temporaries` can delete
those of a process that was killed before it could clean up, and only
those.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "atomic_open",
    "remove_stale_temporaries",
    "staging_dir",
    "write_files",
    "write_json",
    "write_text",
]

#: Prefix of the staging folders of :func:`staging_dir`.
STAGING_PREFIX = ".download."

# ".<name>.<pid>.<random>.tmp" and ".download.<pid>.<random>" (the random
# part is tempfile's: 8 characters among a-z, 0-9 and _).
_TEMPORARY_FILE = re.compile(r"^\..+\.(?P<pid>[0-9]+)\.[a-z0-9_]{8}\.tmp$")
_STAGING_FOLDER = re.compile(
    "^" + re.escape(STAGING_PREFIX) + r"(?P<pid>[0-9]+)\.[a-z0-9_]{8}$"
)

# How a temporary file is opened (a seam for the tests' full-disk cases).
_fdopen = os.fdopen


def _naming(exc: OSError, path: Path) -> OSError:
    """``exc``, or an OSError of the same errno naming ``path`` when it names none."""
    if exc.errno is None or exc.filename is not None:
        return exc
    return OSError(exc.errno, exc.strerror or os.strerror(exc.errno), os.fspath(path))


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(tmp)


def _temporary_file(path: Path) -> tuple[int, str]:
    """Create the hidden temporary file of ``path`` beside it."""
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:  # name the file asked for, not the temporary one
        raise OSError(
            exc.errno, exc.strerror or "cannot create a file", os.fspath(path)
        ) from exc
    # mkstemp makes the file private (0600); the file it becomes gets the
    # permissions of any new file, as open() would give it (0666 less umask).
    with contextlib.suppress(OSError, AttributeError):  # no fchmod on Windows
        os.fchmod(fd, 0o666 & ~_UMASK)
    return fd, name


def _read_umask() -> int:
    # Reading the umask means setting it: done once, when the module loads.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The process's umask when this module was loaded.
_UMASK = _read_umask()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike) -> Iterator:
    """Open a temporary file for binary writing that replaces ``path`` on success.

    The temporary file lives in the folder of ``path`` (so that
    :func:`os.replace` is atomic) under a hidden name that carries this
    process's id. It is moved onto ``path`` only when the ``with`` block
    ends without an exception, and removed otherwise: ``path`` keeps its
    previous content. A process killed in the block leaves the temporary
    file, which :func:`remove_stale_temporaries` deletes later.

    Parameters
    ----------
    path : str or path-like
        The file to write. Its folder must exist.

    Yields
    ------
    file object
        The temporary file, opened in ``"wb"`` mode.

    Raises
    ------
    OSError
        If the file cannot be created or written (a full disk, a folder
        without write permission); an error that names no file is given
        ``path`` as its file name.
    """
    path = Path(path)
    fd, tmp = _temporary_file(path)
    try:
        with _fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        named = _naming(exc, path)
        if named is exc:
            raise
        raise named from exc
    except BaseException:
        _remove(tmp)
        raise


def write_files(contents: Mapping[str | os.PathLike, bytes]) -> list[Path]:
    """Write several files, replacing each only once all of them are written.

    Every file is first written and synced to its temporary file; only then
    are they moved onto their names, in order. A failure while writing (a
    full disk) leaves every file as it was, so that files that belong
    together (a model's weights and its description) are never left from
    two different saves.

    Parameters
    ----------
    contents : mapping of path to bytes
        The files and their content. Their folders must exist.

    Returns
    -------
    list of pathlib.Path
        The paths written.

    Raises
    ------
    OSError
        As for :func:`atomic_open`, naming the file that could not be written.
    """
    pending: list[tuple[str, Path]] = []
    try:
        for path, data in contents.items():
            path = Path(path)
            fd, tmp = _temporary_file(path)
            pending.append((tmp, path))
            try:
                with _fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                named = _naming(exc, path)
                if named is exc:
                    raise
                raise named from exc
        for tmp, path in pending:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in pending:
            _remove(tmp)
        raise
    return [path for _, path in pending]


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running (True when unsure)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill would terminate it: never guess there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):  # not ours to signal, or absurd
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporaries that killed processes left in ``folder``.

    :func:`atomic_open` and :func:`write_files` clean up after themselves,
    unless the process is killed outright (``SIGKILL``, a power cut) while
    a file is being written: its hidden temporary file
    (``.<name>.<pid>.<random>.tmp``) or staging folder
    (``.download.<pid>.<random>``) stays. This removes those whose process
    is no longer running; the temporaries of running processes, this one
    included, are kept. Call it before writing into a folder.

    A process id means something on this machine only: in a folder shared
    between machines, a temporary of a process running elsewhere is taken
    for a stale one. On Windows, where no process can be checked without
    the risk of stopping it, nothing is removed.

    Parameters
    ----------
    folder : str or path-like
        The folder (not searched recursively). A folder that does not exist
        or cannot be read has nothing to remove.

    Returns
    -------
    list of pathlib.Path
        What was removed.
    """
    folder = Path(folder)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    removed = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                match, remove = _STAGING_FOLDER.match(entry.name), shutil.rmtree
            else:
                match, remove = _TEMPORARY_FILE.match(entry.name), os.remove
            if match is None or _process_alive(int(match["pid"])):
                continue
            remove(entry.path)
        except OSError:  # gone already, or not ours to remove: leave it
            continue
        removed.append(folder / entry.name)
    return removed


@contextlib.contextmanager
def staging_dir(parent: str | os.PathLike) -> Iterator[Path]:
    """Create a hidden temporary folder in ``parent`` and remove it afterwards.

    Files are prepared in this folder and moved into their final place with
    :func:`os.replace` (atomic, because the folder is on the same file
    system). Whatever is left in it is removed when the block ends, whether
    it succeeded or not. Its name (``.download.<pid>.<random>``) carries
    this process's id, so that :func:`remove_stale_temporaries` removes it
    if the process is killed outright.

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
    tmp = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}.", dir=parent))
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

    return write_text(path, json.dumps(data, indent=2, default=json_default) + "\n")


def json_default(value):
    """``json.dumps``'s ``default``: numpy arrays and scalars, and paths.

    Parameters
    ----------
    value : object
        A value the json module cannot write.

    Returns
    -------
    object
        Its JSON form.

    Raises
    ------
    TypeError
        For anything else.
    """
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
