"""Finding a dataset's idx files in the data folder, and saying where we looked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from . import _download
from ._specs import DATASETS, DatasetSpec


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


def search_folders(spec: DatasetSpec, home: Path) -> list[Path]:
    """The folders that may hold ``spec``'s files, in order of preference.

    ``spec.folders`` below the data folder ``home``, then torchvision's
    folder; ``home`` comes first when it *is* torchvision's folder
    (``.../MNIST/raw``).
    """
    raw = _download.raw_folder(home, spec)
    folders = [home / folder for folder in spec.folders] + [raw]
    if home.parts[-2:] == raw.parts[-2:] and home not in folders:
        folders.insert(0, home)
    return folders


def locate(
    spec: DatasetSpec, home: Path, parts: Sequence[str]
) -> tuple[dict[str, tuple[Path, Path] | None], list[str]]:
    """Find the images and labels files of ``parts`` below the data folder.

    Returns each part's ``(images_file, labels_file)`` (None when not found)
    and notes on files that were seen but not used, and why (for the error
    message).
    """
    notes: list[str] = []
    found = {part: _locate_part(spec, home, part, notes) for part in parts}
    return found, list(dict.fromkeys(notes))


def _same_names(spec: DatasetSpec) -> str:
    """The titles of the datasets published under ``spec``'s file names."""
    return " and ".join(s.title for s in DATASETS.values() if s.files == spec.files)


def _locate_part(spec: DatasetSpec, home: Path, part: str, notes: list[str]):
    stems = spec.files[part]
    folders = search_folders(spec, home)
    pair = find_pair(folders, *stems)
    if pair is not None or not spec.verify_data_folder or home in folders:
        return pair
    gz_files = [home / f"{stem}.gz" for stem in stems]
    if all(f.is_file() for f in gz_files):
        md5 = _download.known_md5(spec)
        if all(_download.md5_matches(f, md5[f.name]) for f in gz_files):
            return tuple(gz_files)
        notes.append(
            f"{home} holds {gz_files[0].name} and {gz_files[1].name}, but their "
            f"md5 checksums are not those of {spec.title} ({_same_names(spec)} "
            "use the same file names), so they were not used."
        )
    elif any(find_idx(home, stem) for stem in stems):
        notes.append(
            f"{home} holds files named {stems[0]} or {stems[1]}; "
            f"{_same_names(spec)} use the same names, so such files are read "
            "only as gzip files with the published checksums, or from "
            f"{_download.raw_folder(home, spec)}. Move them there."
        )
    return None


def not_found_error(
    spec: DatasetSpec, home: Path, part: str, notes: Sequence[str] = ()
) -> FileNotFoundError:
    """The error raised when ``part`` of a dataset is not found.

    Its message lists the folders looked in and the ``notes`` (files seen but
    not used), and suggests ``download=True``.
    """
    looked_in: list = search_folders(spec, home)
    if spec.verify_data_folder and home not in looked_in:
        looked_in.append(f"{home} (only gzip files with published checksums)")
    files = " and ".join(f"{stem}[.gz]" for stem in spec.files[part])
    folders = "".join(f"\n  {folder}" for folder in looked_in)
    extra = "".join(f"\n{note}" for note in notes)
    return FileNotFoundError(
        f"Could not find the {spec.title} {part} files ({files}). Looked in:"
        f"{folders}{extra}\nPass download=True to download them "
        f"({spec.download_size}) into {_download.raw_folder(home, spec)}, or "
        "point data_dir (or the environment variable EMNIST_ESTIMATORS_DATA) at "
        "a folder that holds them."
    )
