"""Find data files on disk, or download them once into the cache, with checksums.

Lookup order for every file of a data set: ``data_dir``, ``data_dir/<name>``, the cache
folder `default_data_dir()`, ``cache/<name>``. A file found nowhere is downloaded with pooch
into ``cache/<name>`` (progress bar, MD5 check, written to a temporary file first and moved
into place only when the hash matches, so a failed download never leaves a partial file).
With ``download=False`` nothing touches the network and nothing is written.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.bin").write_bytes(b"data")
    >>> source = Source("demo", files=("a.bin",), base_urls=("https://example.org/",))
    >>> find_or_download(source, folder, download=False, checksums=None)["a.bin"].name
    'a.bin'
    >>> find_or_download(Source("demo", ("b.bin",), ("https://example.org/",)), folder,
    ...                  download=False, checksums=None)
    Traceback (most recent call last):
    ...
    fcnn.errors.MissingFileError: demo: file 'b.bin' not found. Looked in: ...
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from fcnn.data.files import describe, open_input, reading, shorten
from fcnn.errors import ConfigError, DiskError, InputError, MissingFileError


def default_data_dir() -> Path:
    """Folder where downloaded data sets are cached.

    ``$FCNN_DATA_DIR`` when set, else the per-user cache folder for ``"fcnn"`` given by
    platformdirs (``~/.cache/fcnn`` on Linux).

    Example:
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

    Args:
        name: data set name; also the sub-folder used inside ``data_dir`` and the cache.
        files: official file names to fetch.
        base_urls: folders the files can be downloaded from, tried in order (official host
            first).
    """

    name: str
    files: tuple[str, ...]
    base_urls: tuple[str, ...]


def md5_of_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """Hex MD5 digest of a file, read in chunks.

    Raises:
        InputError: ``path`` is a folder or not a regular file.
        MissingFileError: ``path`` does not exist.
        DiskError: the disk refused the read.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "a"
        >>> _ = path.write_bytes(b"abc")
        >>> md5_of_file(path)
        '900150983cd24fb0d6963f7d28e17f72'
    """
    fix = "replace it with the official file."
    digest = hashlib.md5()
    with open_input(path, "a data file", fix) as handle, reading(path, "a data file", fix):
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_error(path: Path | str, expected: str, found: str, fix: str) -> InputError:
    """The error raised when a file's MD5 is not the expected one.

    Example:
        >>> print(checksum_error("a.gz", "0" * 32, "f" * 32, "download it again."))
        a.gz: MD5 checksum mismatch, expected 000..., found fff.... The file is ...
    """
    where = str(path).split("::")[0]
    return InputError(
        f"{path}: MD5 checksum mismatch, expected {expected}, found {found}. The file is "
        f"corrupted, truncated or not the official one. To fix: {fix}", where
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
    """First existing file among ``dir / name`` for each dir in order, then each accepted name.

    Raises:
        InputError: something other than a file (a folder, a FIFO) has one of the names.
        DiskError: the disk refused to look (e.g. a folder fcnn may not enter).
    """
    for folder in dirs:
        for name in names:
            candidate = folder / name
            try:
                exists, is_file = candidate.exists(), candidate.is_file()
            except PermissionError as err:
                raise DiskError(
                    f"{candidate}: permission denied while looking for it ({describe(err)}). "
                    f"To fix: make {folder} readable, or pass another data_dir.", candidate
                ) from err
            except (OSError, ValueError) as err:  # a name too long, a NUL byte in data_dir
                raise InputError(
                    f"{candidate}: not a usable path ({describe(err)}). To fix: pass the "
                    f"folder that holds {name} as data_dir.", candidate
                ) from err
            if is_file:
                return candidate
            if exists:
                raise InputError(
                    f"{candidate} is a folder or another kind of non-file; expected the file "
                    f"{name}. To fix: put the file itself at that path, or remove what is there.",
                    candidate,
                )
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

    Args:
        source: what to look for and where it can be downloaded from.
        data_dir: folder searched first (directly and in its ``source.name`` sub-folder).
        download: download missing files; when ``False`` a missing file raises
            `MissingFileError`, and neither the network nor the cache is touched.
        checksums: MD5 of each downloaded file by name; ``None`` downloads without a check.
        base_url: download from this folder URL instead of ``source.base_urls`` (a mirror, or
            a local test server).
        accepted_names: other names a file may have on disk (e.g. the uncompressed form),
            official name first.

    Returns:
        A dict mapping each official file name to the path of the file found or downloaded.

    Raises:
        MissingFileError: a file is nowhere and ``download`` is off or every host failed.
        InputError: a downloaded file failed its checksum, no checksum is known for a file to
            download, or a non-file sits where a file is expected.
        ConfigError: ``base_url`` is not an http(s)/ftp URL.
        DiskError: the cache could not be written (full, read-only, no permission).

    Example:
        >>> find_or_download(Source("demo", ("a",), ("https://example.org/",)), None, False,
        ...                  None, base_url="/tmp")
        Traceback (most recent call last):
        ...
        fcnn.errors.ConfigError: base_url must be an http://, https:// or ftp:// folder URL, ...
    """
    if base_url is not None and (not isinstance(base_url, str)
                                 or not base_url.startswith(("http://", "https://", "ftp://"))):
        raise ConfigError(
            "base_url",
            f"base_url must be an http://, https:// or ftp:// folder URL, got "
            f"{shorten(repr(base_url), 100)}. For local files pass data_dir=<folder> instead."
        )
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise ConfigError("data_dir", f"data_dir must be a folder path, got {type(data_dir)}.")
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
                raise InputError(
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
    """Download ``name`` from the first base URL that answers, into ``dest_dir``.

    Raises:
        InputError: the downloaded file failed its checksum (nothing is kept).
        DiskError: ``dest_dir`` could not be written.
        MissingFileError: no host answered.
    """
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
        except requests.exceptions.RequestException as err:  # also an OSError or ValueError
            network_errors.append(f"{url}: {shorten(str(err))}")
        except ValueError as err:  # pooch's hash mismatch; its temporary file is already gone
            raise InputError(
                f"{source.name}: the file downloaded from {url} failed its checksum: expected "
                f"MD5 {md5}. Nothing was saved in {dest_dir}. To fix: retry later, or download "
                f"the file by other means and put it at {dest_dir / name}.\n({shorten(str(err))})",
                dest_dir / name,
            ) from err
        except OSError as err:  # the cache folder: read-only, full, no permission
            raise DiskError(
                f"{source.name}: could not save {name} in the cache folder {dest_dir} "
                f"({describe(err)}). Nothing was kept. To fix: free space or make {dest_dir} "
                f"writable, or set FCNN_DATA_DIR to a writable folder, or download {url} by "
                f"hand and pass data_dir=<its folder>.", dest_dir,
            ) from err
    raise missing_file_error(source, name, dirs, data_dir, network_errors)


def missing_file_error(
    source: Source,
    name: str,
    dirs: Sequence[Path],
    data_dir: str | Path | None,
    download_errors: Sequence[str] = (),
) -> MissingFileError:
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
    return MissingFileError(message, target / name)
