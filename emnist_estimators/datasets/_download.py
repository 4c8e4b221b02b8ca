"""Downloading the datasets, safely.

The URLs and md5 checksums are those of the torchvision class that a dataset's
spec names (:attr:`DatasetSpec.torchvision`: :class:`torchvision.datasets.EMNIST`,
:class:`~torchvision.datasets.MNIST`, :class:`~torchvision.datasets.FashionMNIST`)
and the transfer is :func:`torchvision.datasets.utils.download_url`. torchvision is
imported only here, when a download or a checksum is needed, so that loading
data that is already there does not import torch.

Everything is prepared in a hidden temporary folder inside the data folder:
the published files are downloaded there and their md5 checksums verified, the
idx files are decompressed there and checked. Only then are they moved, one by
one with the atomic :func:`os.replace`, into torchvision's layout
(``<data folder>/EMNIST/raw``, ``MNIST/raw``, ``FashionMNIST/raw``). The
temporary folder is removed whatever happens, so a failed or interrupted
download leaves no file under a name that a later call would read. (A process
killed outright may leave a ``.download-*`` folder behind; the loaders never
read from it and it can be deleted.)
"""

from __future__ import annotations

import gzip
import os
import shutil
import zipfile
import zlib
from pathlib import Path

from .._atomic import staging_dir
from ._idx import IMAGES_MAGIC, LABELS_MAGIC, check_idx_file
from ._mapping import read_mapping_file
from ._specs import DATASETS, DatasetSpec

_CORRUPT = (gzip.BadGzipFile, EOFError, zlib.error)


def raw_folder(home: Path, spec: DatasetSpec) -> Path:
    """Return torchvision's folder of ``spec``'s files below ``home``."""
    return Path(home) / spec.torchvision / "raw"


def resources(spec: DatasetSpec) -> list[tuple[list[str], str, str]]:
    """Return the published files that hold ``spec``'s, from torchvision.

    Parameters
    ----------
    spec : DatasetSpec
        The dataset.

    Returns
    -------
    list of (urls, filename, md5)
        For each file: its mirror URLs in order of preference, its name and
        its md5 checksum. One zip archive for EMNIST (all splits), four gzip
        files for MNIST and Fashion-MNIST.
    """
    from torchvision import datasets

    cls = getattr(datasets, spec.torchvision)
    url = getattr(cls, "url", None)
    if url is not None:  # EMNIST: one archive (MNIST's resources are inherited)
        return [([url], os.path.basename(url), cls.md5)]
    return [([m + name for m in cls.mirrors], name, md5) for name, md5 in cls.resources]


def known_md5(spec: DatasetSpec) -> dict[str, str]:
    """Return ``{filename: md5}`` of the files that :func:`resources` lists."""
    return {name: md5 for _, name, md5 in resources(spec)}


def md5_matches(path: Path, md5: str) -> bool:
    """Whether the md5 checksum of the file ``path`` is ``md5``."""
    from torchvision.datasets.utils import check_integrity

    return check_integrity(os.fspath(path), md5)


def _download_url(url: str, folder: Path, filename: str, md5: str) -> None:
    """Download ``url`` to ``folder/filename`` (the one place that goes online)."""
    from torchvision.datasets.utils import download_url

    download_url(url, os.fspath(folder), filename=filename, md5=md5)


def fetch(urls: list[str], folder: Path, filename: str, md5: str) -> Path:
    """Download a file from the first mirror that works, and check its md5.

    Parameters
    ----------
    urls : list of str
        The mirrors, in order of preference.
    folder : pathlib.Path
        The (temporary) folder to download to.
    filename : str
        The name to save the file under.
    md5 : str
        The file's md5 checksum.

    Returns
    -------
    pathlib.Path
        The downloaded, verified file.

    Raises
    ------
    RuntimeError
        If no mirror gave a file with the right checksum; the message lists
        what went wrong with each.
    """
    path = Path(folder) / filename
    errors = []
    for url in urls:
        try:
            _download_url(url, Path(folder), filename, md5)
        except (OSError, RuntimeError) as exc:  # URLError is an OSError
            errors.append(f"{url}: {exc}")
        else:
            if md5_matches(path, md5):
                return path
            errors.append(f"{url}: the file's md5 checksum is not {md5}")
        path.unlink(missing_ok=True)
    raise RuntimeError(
        f"Could not download {filename}; nothing was saved.\n  " + "\n  ".join(errors)
    )


def _decompress(src, dst: Path) -> None:
    with gzip.open(src, "rb") as f_in, open(dst, "wb") as f_out:
        shutil.copyfileobj(f_in, f_out, length=1 << 20)


def _check_idx(path: Path) -> None:
    magic = IMAGES_MAGIC if "-images-" in path.name else LABELS_MAGIC
    check_idx_file(path, magic)


def _archive_members(spec: DatasetSpec) -> tuple[dict[str, str], set[str]]:
    """The members to extract from ``spec``'s archive, and the idx files needed.

    The archive holds the files of every spec downloaded with ``spec`` (all
    the EMNIST splits): their gzip idx files (``name.gz`` -> ``name``, all
    needed) and their mapping files (kept when present).
    """
    family = [s for s in DATASETS.values() if s.torchvision == spec.torchvision]
    needed = {stem for s in family for pair in s.files.values() for stem in pair}
    members = {f"{stem}.gz": stem for stem in needed}
    members.update({s.mapping_file: s.mapping_file for s in family if s.mapping_file})
    return members, needed


def _unpack(archive: Path, spec: DatasetSpec, out: Path) -> list[Path]:
    """Extract, decompress and check the files of ``spec``'s family."""
    members, needed = _archive_members(spec)
    out.mkdir()
    files = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                name = member.rsplit("/", 1)[-1]
                if name not in members:
                    continue
                dst = out / members[name]
                with zf.open(member) as src:
                    try:
                        _extract_member(src, name, dst)
                    except ValueError as exc:
                        raise ValueError(
                            f"The downloaded {archive.name} holds a corrupt "
                            f"{name}; nothing was saved. {exc}"
                        ) from exc
                files.append(dst)
    except (zipfile.BadZipFile, *_CORRUPT) as exc:
        raise ValueError(
            f"The downloaded {archive.name} is corrupt; nothing was saved. {exc}"
        ) from exc
    missing = sorted(needed - {f.name for f in files})
    if missing:
        raise RuntimeError(
            f"The downloaded {archive.name} lacks {', '.join(missing)}; nothing "
            "was saved."
        )
    return files


def _extract_member(src, name: str, dst: Path) -> None:
    """Write an archive member to ``dst`` (decompressed) and check it."""
    if name.endswith(".gz"):
        _decompress(src, dst)
        _check_idx(dst)
    else:
        with open(dst, "wb") as f_out:
            shutil.copyfileobj(src, f_out)
        read_mapping_file(dst)


def _decompressed(archive: Path) -> Path:
    """Decompress a downloaded gzip idx file beside it, and check it."""
    plain = archive.with_name(archive.name[: -len(".gz")])
    try:
        _decompress(archive, plain)
        _check_idx(plain)
    except (ValueError, *_CORRUPT) as exc:
        raise ValueError(
            f"The downloaded {archive.name} is corrupt; nothing was saved. {exc}"
        ) from exc
    return plain


def download(home: Path, spec: DatasetSpec) -> Path:
    """Download the published files of ``spec`` into torchvision's layout.

    EMNIST's archive (``gzip.zip``, about 560 MB, all six splits) is
    downloaded and checked; its idx files are decompressed and its mapping
    files kept. MNIST's and Fashion-MNIST's four gzip files are downloaded,
    checked and kept together with their decompressed copies. Either way the
    folder ends up as torchvision leaves it, so that torchvision's classes
    can use it too.

    Parameters
    ----------
    home : pathlib.Path
        The data folder.
    spec : DatasetSpec
        The dataset; the files go to ``home/<spec.torchvision>/raw``.

    Returns
    -------
    pathlib.Path
        The folder that now holds the files.

    Raises
    ------
    RuntimeError
        If a download fails or the archive lacks a file.
    ValueError
        If a downloaded file is corrupt.
    """
    home = Path(home)
    target = raw_folder(home, spec)
    with staging_dir(home) as tmp:
        files = []
        for urls, filename, md5 in resources(spec):
            archive = fetch(urls, tmp, filename, md5)
            if filename.endswith(".zip"):
                files += _unpack(archive, spec, tmp / "files")
            else:
                files += [archive, _decompressed(archive)]
        _move_into(files, target)
    return target


def _move_into(files: list[Path], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        os.replace(path, target / path.name)
