"""Find data files on disk, or download them once into the cache, with checksums.

Lookup order for every file of a data set: ``data_dir``, ``data_dir/<name>``, the cache
folder `default_data_dir()`, ``cache/<name>``. A file found nowhere is downloaded with pooch
into ``cache/<name>`` (progress bar, MD5 check, written to a temporary file first and moved
into place only when the hash matches, so a failed download never leaves a partial file).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs


def default_data_dir() -> Path:
    """Folder where downloaded data sets are cached.

    ``$FCNN_DATA_DIR`` when set, else the per-user cache folder for ``"fcnn"`` given by
    platformdirs (``~/.cache/fcnn`` on Linux).

    Examples
    --------
    >>> isinstance(default_data_dir(), Path)
    True
    """
    override = os.environ.get("FCNN_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("fcnn"))


@dataclass(frozen=True)
class Source:
    """The downloadable files of one data set.

    Parameters
    ----------
    name : str
        Data set name; also the sub-folder used inside ``data_dir`` and the cache.
    files : tuple[str, ...]
        Official file names to fetch.
    base_urls : tuple[str, ...]
        Folders the files can be downloaded from, tried in order (official host first).
    """

    name: str
    files: tuple[str, ...]
    base_urls: tuple[str, ...]


def md5_of_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """Hex MD5 digest of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_error(path: Path | str, expected: str, found: str, fix: str) -> ValueError:
    """The error raised when a file's MD5 is not the expected one."""
    return ValueError(
        f"{path}: MD5 checksum mismatch, expected {expected}, found {found}. The file is "
        f"corrupted, truncated or not the official one. To fix: {fix}"
    )


def search_dirs(source: Source, data_dir: str | Path | None) -> list[Path]:
    """Folders searched for the files of ``source``, in order, without duplicates."""
    roots = [Path(data_dir).expanduser()] if data_dir is not None else []
    roots.append(default_data_dir())
    dirs: list[Path] = []
    for root in roots:
        for folder in (root, root / source.name):
            if folder not in dirs:
                dirs.append(folder)
    return dirs


def locate(names: Sequence[str], dirs: Sequence[Path]) -> Path | None:
    """First existing file among ``dir / name`` for each dir in order, then each accepted name."""
    for folder in dirs:
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def find_or_download(
    source: Source,
    data_dir: str | Path | None,
    download: bool,
    checksums: Mapping[str, str] | None,
    base_url: str | None = None,
    accepted_names: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Path]:
    """Paths of all ``source.files``, downloading the missing ones into the cache.

    Parameters
    ----------
    source : Source
        What to look for and where it can be downloaded from.
    data_dir : str | Path | None
        Folder searched first (directly and in its ``source.name`` sub-folder).
    download : bool
        Download missing files; when ``False`` a missing file raises `FileNotFoundError`.
    checksums : Mapping[str, str] | None
        MD5 of each downloaded file by name; ``None`` downloads without a check.
    base_url : str | None
        Download from this folder URL instead of ``source.base_urls`` (a mirror, or a local
        test server).
    accepted_names : Mapping[str, Sequence[str]] | None
        Other names a file may have on disk (e.g. the uncompressed form), official name first.

    Returns
    -------
    dict mapping each official file name to the path of the file found or downloaded.
    """
    if base_url is not None and not base_url.startswith(("http://", "https://", "ftp://")):
        raise ValueError(
            f"base_url must be an http://, https:// or ftp:// folder URL, got {base_url!r}. "
            f"For local files pass data_dir=<folder> instead."
        )
    dirs = search_dirs(source, data_dir)
    cache = default_data_dir() / source.name
    base_urls = (base_url,) if base_url else source.base_urls
    found: dict[str, Path] = {}
    for name in source.files:
        names = accepted_names.get(name, (name,)) if accepted_names else (name,)
        path = locate(names, dirs)
        if path is None and not download:
            raise missing_file_error(source, name, dirs, data_dir)
        if path is None:
            md5 = None if checksums is None else checksums.get(name)
            if checksums is not None and md5 is None:
                raise ValueError(
                    f"{source.name}: no MD5 known for {name!r}, so a download could not be "
                    f"verified. Pass checksums={{{name!r}: '<md5>', ...}}, or verify=False."
                )
            path = fetch(source, name, base_urls, md5, cache, dirs, data_dir)
        found[name] = path
    return found


def fetch(
    source: Source,
    name: str,
    base_urls: Sequence[str],
    md5: str | None,
    dest_dir: Path,
    dirs: Sequence[Path],
    data_dir: str | Path | None,
) -> Path:
    """Download ``name`` from the first base URL that answers, into ``dest_dir``."""
    import pooch
    import requests

    network_errors = []
    for base in base_urls:
        url = base.rstrip("/") + "/" + name
        try:
            path = pooch.retrieve(
                url,
                known_hash=None if md5 is None else f"md5:{md5}",
                fname=name,
                path=dest_dir,
                progressbar=True,
            )
            return Path(path)
        except ValueError as err:  # pooch's hash mismatch; its temporary file is already gone
            raise ValueError(
                f"{source.name}: the file downloaded from {url} failed its checksum: expected "
                f"MD5 {md5}. Nothing was saved in {dest_dir}. To fix: retry later, or download "
                f"the file by other means and put it at {dest_dir / name}.\n({err})"
            ) from err
        except (requests.exceptions.RequestException, OSError) as err:
            network_errors.append(f"{url}: {err}")
    raise missing_file_error(source, name, dirs, data_dir, network_errors)


def missing_file_error(
    source: Source,
    name: str,
    dirs: Sequence[Path],
    data_dir: str | Path | None,
    download_errors: Sequence[str] = (),
) -> FileNotFoundError:
    """The error raised when a file is on no searched folder and could not be downloaded."""
    target = Path(data_dir) if data_dir is not None else default_data_dir() / source.name
    looked = ", ".join(str(d) for d in dirs)
    url = source.base_urls[0].rstrip("/") + "/" + name
    message = (
        f"{source.name}: file {name!r} not found. Looked in: {looked}. To fix: download {url} "
        f"and put it in {target}/ (keep the name {name}), or call with download=True on a "
        f"machine with network access."
    )
    if download_errors:
        message += " The download failed: " + "; ".join(download_errors)
    return FileNotFoundError(message)
