"""Downloading the datasets, safely.

The URLs and md5 checksums are torchvision's (:class:`torchvision.datasets.EMNIST`,
:class:`~torchvision.datasets.MNIST`, :class:`~torchvision.datasets.FashionMNIST`)
and the transfer is :func:`torchvision.datasets.utils.download_url`. torchvision is
imported only here, when a download or a checksum is needed, so that loading
data that is already there does not import torch.

Everything is prepared in a hidden temporary folder inside the data folder:
the archives are downloaded there and their md5 checksums verified, the idx
files are decompressed there and checked. Only then are they moved, one by
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
import re
import shutil
import zipfile
import zlib
from pathlib import Path

from .._atomic import staging_dir
from ._idx import IMAGES_MAGIC, LABELS_MAGIC, check_idx_file
from ._mapping import EMNIST_SPLITS, read_mapping_file

#: torchvision's folder name for each downloadable dataset.
TORCHVISION_FOLDERS = {
    "emnist": "EMNIST",
    "mnist": "MNIST",
    "fashion-mnist": "FashionMNIST",
}
#: Approximate download sizes, for messages.
DOWNLOAD_SIZES = {
    "emnist": "about 560 MB",
    "mnist": "about 12 MB",
    "fashion-mnist": "about 31 MB",
}

_EMNIST_MEMBER = re.compile(
    r"^emnist-[a-z]+-(?:mapping\.txt|[a-z]+-[a-z]+-idx\d-ubyte\.gz)$"
)


def _torchvision_class(dataset: str):
    from torchvision import datasets

    return {
        "emnist": datasets.EMNIST,
        "mnist": datasets.MNIST,
        "fashion-mnist": datasets.FashionMNIST,
    }[dataset]


def raw_folder(home: Path, dataset: str) -> Path:
    """Return torchvision's raw folder of ``dataset`` below ``home``."""
    return Path(home) / TORCHVISION_FOLDERS[dataset] / "raw"


def resources(dataset: str) -> list[tuple[list[str], str, str]]:
    """Return the files that make up ``dataset``, from torchvision.

    Parameters
    ----------
    dataset : {'emnist', 'mnist', 'fashion-mnist'}
        The dataset.

    Returns
    -------
    list of (urls, filename, md5)
        For each file: its mirror URLs in order of preference, its name and
        its md5 checksum.
    """
    cls = _torchvision_class(dataset)
    if dataset == "emnist":
        return [([cls.url], os.path.basename(cls.url), cls.md5)]
    return [([m + name for m in cls.mirrors], name, md5) for name, md5 in cls.resources]


def known_md5(dataset: str) -> dict[str, str]:
    """Return ``{filename: md5}`` of the published files of ``dataset``.

    Parameters
    ----------
    dataset : {'emnist', 'mnist', 'fashion-mnist'}
        The dataset.

    Returns
    -------
    dict of str to str
        The md5 checksum of each published (gzip or zip) file.
    """
    return {name: md5 for _, name, md5 in resources(dataset)}


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


def _extract_member(src, name: str, dst: Path) -> None:
    """Write an archive member to ``dst`` (decompressed) and check it."""
    if name.endswith(".gz"):
        _decompress(src, dst)
        _check_idx(dst)
    else:
        with open(dst, "wb") as f_out:
            shutil.copyfileobj(src, f_out)
        read_mapping_file(dst)


def _move_into(files: list[Path], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        os.replace(path, target / path.name)


def download_emnist(home: Path) -> Path:
    """Download all six EMNIST splits into ``home/EMNIST/raw``.

    The official archive (``gzip.zip``, about 560 MB) is downloaded and
    checked; its idx files are decompressed (as torchvision does, so that
    :class:`torchvision.datasets.EMNIST` can use the same folder) and its
    mapping files kept.

    Parameters
    ----------
    home : pathlib.Path
        The data folder.

    Returns
    -------
    pathlib.Path
        The folder that now holds the files.

    Raises
    ------
    RuntimeError
        If the download fails or the archive does not hold the expected files.
    ValueError
        If a file in the archive is corrupt.
    """
    home = Path(home)
    target = raw_folder(home, "emnist")
    with staging_dir(home) as tmp:
        ((urls, filename, md5),) = resources("emnist")
        archive = fetch(urls, tmp, filename, md5)
        out = tmp / "files"
        out.mkdir()
        files = []
        try:
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    name = member.rsplit("/", 1)[-1]
                    if not _EMNIST_MEMBER.match(name):
                        continue
                    with zf.open(member) as src:
                        dst = out / name.removesuffix(".gz")
                        try:
                            _extract_member(src, name, dst)
                        except ValueError as exc:
                            raise ValueError(
                                f"The downloaded {filename} holds a corrupt "
                                f"{name}; nothing was saved. {exc}"
                            ) from exc
                    files.append(dst)
        except (zipfile.BadZipFile, gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise ValueError(
                f"The downloaded {filename} is corrupt; nothing was saved. {exc}"
            ) from exc
        expected = {
            f"emnist-{split}-{part}-{kind}"
            for split in EMNIST_SPLITS
            for part in ("train", "test")
            for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")
        }
        missing = sorted(expected - {f.name for f in files})
        if missing:
            raise RuntimeError(
                f"The downloaded {filename} lacks {', '.join(missing)}; nothing "
                "was saved."
            )
        _move_into(files, target)
    return target


def download_mnist_family(home: Path, dataset: str) -> Path:
    """Download MNIST or Fashion-MNIST into torchvision's layout.

    The four gzip files are downloaded and checked, then kept together with
    their decompressed copies in ``home/MNIST/raw`` or
    ``home/FashionMNIST/raw``, exactly as torchvision does.

    Parameters
    ----------
    home : pathlib.Path
        The data folder.
    dataset : {'mnist', 'fashion-mnist'}
        The dataset.

    Returns
    -------
    pathlib.Path
        The folder that now holds the files.

    Raises
    ------
    RuntimeError
        If a download fails.
    ValueError
        If a downloaded file is corrupt.
    """
    home = Path(home)
    target = raw_folder(home, dataset)
    with staging_dir(home) as tmp:
        files = []
        for urls, filename, md5 in resources(dataset):
            archive = fetch(urls, tmp, filename, md5)
            plain = tmp / filename[: -len(".gz")]
            try:
                _decompress(archive, plain)
                _check_idx(plain)
            except (ValueError, gzip.BadGzipFile, EOFError, zlib.error) as exc:
                raise ValueError(
                    f"The downloaded {filename} is corrupt; nothing was saved. {exc}"
                ) from exc
            files += [archive, plain]
        _move_into(files, target)
    return target
