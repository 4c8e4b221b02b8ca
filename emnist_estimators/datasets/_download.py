"""Downloading the datasets, safely.

The URLs and md5 checksums are those of the torchvision class that a dataset's
spec names (:attr:`DatasetSpec.torchvision`: :class:`torchvision.datasets.EMNIST`,
:class:`~torchvision.datasets.MNIST`, :class:`~torchvision.datasets.FashionMNIST`).
torchvision is imported only here, when a download or a checksum is needed,
so that loading data that is already there does not import torch.

The transfer is :mod:`urllib.request`'s, with a timeout on connecting and on
every read (:data:`TIMEOUT`), so that a server that stalls cannot hang the
download: a stalled, dropped or refused transfer is tried again
(:data:`ATTEMPTS` times per URL, waiting :data:`BACKOFF` seconds, then twice
as long, ...), then the next mirror; when none works, a
:class:`DownloadError` (an ``OSError``) names each URL, the attempts and the
last cause.

Everything is prepared in a hidden temporary folder inside the data folder:
the published files are downloaded there and their md5 checksums verified, the
idx files are decompressed there and checked. Only then are they moved, one by
one with the atomic :func:`os.replace`, into torchvision's layout
(``<data folder>/EMNIST/raw``, ``MNIST/raw``, ``FashionMNIST/raw``). The
temporary folder is removed whatever happens, so a failed or interrupted
download leaves no file under a name that a later call would read. (A process
killed outright leaves its ``.download.<pid>.*`` folder behind; the loaders
never read from it, and the next download removes it.)
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import shutil
import socket
import ssl
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from pathlib import Path

from .._atomic import remove_stale_temporaries, staging_dir
from .._version import __version__
from ._idx import IMAGES_MAGIC, LABELS_MAGIC, check_idx_file
from ._mapping import read_mapping_file
from ._specs import DATASETS, DatasetSpec

_CORRUPT = (gzip.BadGzipFile, EOFError, zlib.error)

#: Seconds to wait for a server: to connect, and then for each read.
TIMEOUT = 30.0
#: Attempts per URL: a stalled, dropped or refused transfer is tried again.
ATTEMPTS = 3
#: Seconds to wait before the second attempt; doubled before each further one.
BACKOFF = 1.0

#: HTTP statuses that may go away when asked again.
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: What a failing network raises (a full disk or a bad folder raises others).
_NETWORK_ERRORS = (
    urllib.error.URLError,  # HTTPError too
    http.client.HTTPException,  # IncompleteRead, BadStatusLine, ...
    ConnectionError,
    TimeoutError,
    socket.timeout,
    ssl.SSLError,
)
_CHUNK = 1 << 20
_USER_AGENT = f"emnist-estimators/{__version__} (Python urllib)"


class DownloadError(OSError, RuntimeError):
    """A download failed: every attempt on every mirror, or a bad archive.

    An ``OSError`` (what a failing network raises) and, as this module
    raised before, a ``RuntimeError``.
    """


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
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(_CHUNK), b""):
                digest.update(block)
    except FileNotFoundError:
        return False
    return digest.hexdigest() == md5


def _describe(exc: BaseException) -> str:
    """The cause of a failed attempt, in words."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP error {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        return _describe(exc.reason)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"no answer within {TIMEOUT:g} s ({type(exc).__name__}: {exc})"
    return f"{type(exc).__name__}: {exc}"


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in _RETRY_STATUSES
    return True


def _transfer(url: str, path: Path) -> None:
    """One attempt: write what ``url`` serves to ``path``."""
    from tqdm.auto import tqdm

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        received = 0
        with (
            open(path, "wb") as f,
            tqdm(
                total=expected,
                unit="B",
                unit_scale=True,
                desc=path.name,
                disable=None,  # a progress bar on terminals only
                leave=False,
            ) as progress,
        ):
            while chunk := response.read(_CHUNK):
                f.write(chunk)
                received += len(chunk)
                progress.update(len(chunk))
    if expected is not None and received != expected:
        raise ConnectionError(
            f"the connection closed after {received} of the {expected} bytes announced"
        )


def _download_url(url: str, path: Path) -> None:
    """Download ``url`` to ``path``, retrying (the one place that goes online).

    Raises
    ------
    DownloadError
        When every attempt failed (or one that is not worth repeating, such
        as HTTP 404); names the URL, the attempts and the last cause. The
        partial file is removed.
    OSError
        When ``path`` cannot be written (not retried).
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            _transfer(url, path)
            return
        except _NETWORK_ERRORS as exc:
            path.unlink(missing_ok=True)
            if attempt >= ATTEMPTS or not _retryable(exc):
                tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                raise DownloadError(
                    f"Could not download {url}: {tries} failed, the last with "
                    f"{_describe(exc)}."
                ) from exc
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        time.sleep(BACKOFF * 2 ** (attempt - 1))


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
    DownloadError
        If no mirror gave a file with the right checksum; the message lists
        what went wrong with each (the attempts and the last cause). Nothing
        is left in ``folder``.
    """
    path = Path(folder) / filename
    errors = []
    for url in urls:
        try:
            _download_url(url, path)
        except DownloadError as exc:
            errors.append(str(exc))
        else:
            if md5_matches(path, md5):
                return path
            errors.append(
                f"{url} served a file whose md5 checksum is not {md5} (a "
                "damaged or changed file)."
            )
        path.unlink(missing_ok=True)
    raise DownloadError(
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
        raise DownloadError(
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
    DownloadError
        If a download fails or the archive lacks a file (an ``OSError`` and
        a ``RuntimeError``).
    OSError
        If the data folder cannot be written.
    ValueError
        If a downloaded file is corrupt.
    """
    home = Path(home)
    target = raw_folder(home, spec)
    remove_stale_temporaries(home)  # what killed downloads left
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
