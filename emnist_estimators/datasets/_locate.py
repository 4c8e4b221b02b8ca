"""Finding idx files in the data folder, and saying where we looked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path


def find_idx(folder: Path, stem: str) -> Path | None:
    """Return ``folder/stem`` or ``folder/stem.gz``, whichever exists first.

    Parameters
    ----------
    folder : pathlib.Path
        The folder to look in.
    stem : str
        The file name without ``.gz``.

    Returns
    -------
    pathlib.Path or None
        The un-gzipped file when present (it reads faster), else the gzip
        file, else None.
    """
    for name in (stem, f"{stem}.gz"):
        path = folder / name
        if path.is_file():
            return path
    return None


def find_pair(
    folders: Iterable[Path], images_stem: str, labels_stem: str
) -> tuple[Path, Path] | None:
    """Return the first folder's images and labels files, when both exist.

    Parameters
    ----------
    folders : iterable of pathlib.Path
        The folders, in order of preference.
    images_stem, labels_stem : str
        The file names without ``.gz``.

    Returns
    -------
    tuple of pathlib.Path or None
        ``(images_file, labels_file)`` from the same folder, or None.
    """
    for folder in folders:
        images = find_idx(folder, images_stem)
        labels = find_idx(folder, labels_stem)
        if images is not None and labels is not None:
            return images, labels
    return None


def not_found_error(
    what: str,
    stems: Sequence[str],
    looked_in: Sequence[Path | str],
    download_to: Path,
    download_size: str,
    notes: Sequence[str] = (),
) -> FileNotFoundError:
    """Build the error raised when a dataset's files are not found.

    Parameters
    ----------
    what : str
        The dataset and subset, e.g. ``"EMNIST 'byclass' train"``.
    stems : sequence of str
        The file names looked for (without ``.gz``).
    looked_in : sequence of pathlib.Path or str
        The folders looked in (a str may add a remark after the folder).
    download_to : pathlib.Path
        Where ``download=True`` would put the files.
    download_size : str
        The download size, e.g. ``"about 560 MB"``.
    notes : sequence of str, default=()
        Extra remarks, e.g. files that were found but not used.

    Returns
    -------
    FileNotFoundError
        The error, with a message that lists the folders and suggests
        ``download=True``.
    """
    files = " and ".join(f"{s}[.gz]" for s in stems)
    folders = "".join(f"\n  {folder}" for folder in looked_in)
    extra = "".join(f"\n{note}" for note in notes)
    return FileNotFoundError(
        f"Could not find the {what} files ({files}). Looked in:{folders}{extra}\n"
        f"Pass download=True to download them ({download_size}) into "
        f"{download_to}, or point data_dir (or the environment variable "
        "EMNIST_ESTIMATORS_DATA) at a folder that holds them."
    )
