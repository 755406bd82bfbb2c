"""Files written whole or not at all, verified when read back, and folders one process owns.

* :func:`atomic_path` / :func:`write_atomic`: write to a temporary name in the same
  folder, flush it to the disk, then rename it into place. A reader sees the old file or
  the new one, never half of either, whatever happens in between (kill -9, a full disk).
* :func:`sha256_file` and the manifest (:func:`write_manifest`, :func:`verify_manifest`):
  the SHA-256 of every file of a folder, so a damaged or edited file is named on load.
* :class:`FolderLock`: an exclusive lock on a folder, so two processes cannot write one
  run; the lock goes with the process that holds it, even after kill -9.
* :func:`disk_error`: an ``OSError`` from the disk turned into a :class:`~fcnn.errors.DiskError`
  that names the file and says what to do.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a.txt", "hello\\n")
    >>> manifest = write_manifest(folder)
    >>> sorted(manifest["files"]), verify_manifest(folder) == ["a.txt"]
    (['a.txt'], True)
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fcnn.errors import DiskError, InputError

MANIFEST = "manifest.json"
#: The largest manifest read back (a real one lists a dozen files in ~2 KB).
MAX_MANIFEST_BYTES = 1 << 20

_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space or write elsewhere (--out)",
    errno.EDQUOT: "the disk quota is exhausted: free some space or write elsewhere (--out)",
    errno.EROFS: "the file system is read-only: write elsewhere (--out)",
    errno.EACCES: "permission denied: choose a folder you may write to (--out)",
    errno.EPERM: "permission denied: choose a folder you may write to (--out)",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose another path (--out)",
    errno.EISDIR: "the path is a folder where a file was expected: choose another path",
    errno.ENAMETOOLONG: "the path is too long: choose a shorter one",
}


def disk_error(error: OSError, path: str | Path, doing: str = "write") -> DiskError:
    """A DiskError naming ``path``, what failed and what to do about it."""
    advice = _ADVICE.get(error.errno or -1, error.strerror or str(error))
    return DiskError(f"could not {doing} {path}: {advice} ({error.strerror or error}).", path)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends, rename it onto ``path``.

    Write the file at the yielded path (with any library that takes a path). If the block
    raises, the temporary file is removed and ``path`` is left as it was.

    Example:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
        >>> with atomic_path(target) as temporary:
        ...     _ = temporary.write_bytes(b"data")
        >>> target.read_bytes()
        b'data'
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise disk_error(error, path) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def write_json(path: str | Path, document: Any) -> None:
    """Write ``document`` as indented JSON, atomically (keys in the order given)."""
    write_atomic(path, json.dumps(document, indent=2) + "\n")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _listed_files(folder: Path) -> list[str]:
    names = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != MANIFEST and not path.name.startswith(".") \
                and not relative.startswith("checkpoints/"):
            names.append(relative)
    return names


def write_manifest(folder: str | Path) -> dict[str, Any]:
    """Write ``manifest.json``: the size and SHA-256 of every file of ``folder``.

    Hidden files (temporaries, the lock) and the ``checkpoints/`` folder (verified by its
    own checksums) are not listed.
    """
    folder = Path(folder)
    files = {name: {"bytes": (folder / name).stat().st_size, "sha256": sha256_file(folder / name)}
             for name in _listed_files(folder)}
    manifest = {"format": "fcnn-manifest", "version": 1, "files": files}
    write_json(folder / MANIFEST, manifest)
    return manifest


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The parsed manifest of ``folder``, None if it has none; a damaged one is an InputError."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise InputError(f"{path} is {path.stat().st_size:,} bytes, far more than a run's "
                         f"manifest; the run folder is damaged.", path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        assert isinstance(files, dict) and all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) and
            isinstance(v.get("bytes"), int) for v in files.values())
    except (ValueError, KeyError, TypeError, AssertionError, RecursionError):
        raise InputError(f"{path} is not a valid manifest (a table of file -> bytes and "
                         f"sha256); the run folder is damaged or was edited.", path) from None
    return manifest


def verify_manifest(folder: str | Path) -> list[str]:
    """Check every file the manifest lists; return their names, or raise naming the first bad one.

    Raises:
        InputError: no manifest, a listed file missing, or one whose size or SHA-256 differs.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise InputError(f"{folder} has no {MANIFEST}: it is not a complete run folder (a run "
                         f"that is still training, or was interrupted, lives in FOLDER.partial "
                         f"until it finishes).", folder)
    for name, entry in manifest["files"].items():
        path = folder / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise InputError(f"{folder / MANIFEST} lists {name!r}, outside the run folder; "
                             f"the manifest was edited.", folder / MANIFEST)
        if not path.is_file():
            raise InputError(f"{path} is missing (the manifest lists it); the run folder is "
                             f"incomplete. Restore the file or train the run again.", path)
        if path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
            raise InputError(f"{path} has been modified or damaged: its SHA-256 differs from "
                             f"the one in {MANIFEST}. Restore the original file or train the run "
                             f"again.", path)
    return list(manifest["files"])


class FolderLock:
    """An exclusive lock on ``folder`` (a ``.lock`` file held with ``flock``).

    The operating system releases it when the process ends, however it ends, so a
    killed run never leaves a stale lock behind.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> with FolderLock(folder):
        ...     FolderLock(folder).acquire()
        Traceback (most recent call last):
        ...
        fcnn.errors.InputError: another fcnn process (pid ...) is writing ...
    """

    NAME = ".lock"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.handle: Any = None

    def acquire(self) -> FolderLock:
        path = self.folder / self.NAME
        try:
            handle = open(path, "a+")
        except OSError as error:
            raise disk_error(error, path) from None
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # no flock (Windows): the lock file's pid is only advisory
            pass
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "?"
            handle.close()
            raise InputError(f"another fcnn process (pid {owner}) is writing {self.folder}; "
                             f"wait for it to finish, or write this run elsewhere (--out).",
                             self.folder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self.handle = handle
        return self

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
