"""Reading files from outside: every failure becomes an fcnn error naming the file.

The readers of `fcnn.data` open files through `open_input` and wrap their parsing in
`reading`, so that whatever a truncated, damaged or hostile file makes Python's ``gzip``,
``zlib`` or ``tarfile`` raise (``EOFError``, ``zlib.error``, ``tarfile.ReadError``,
``OverflowError``, ``RecursionError``...), and whatever the disk does (permission denied, a
folder where a file should be, an I/O error), reaches the user as one of
`fcnn.errors.InputError`, `fcnn.errors.MissingFileError`, `fcnn.errors.BudgetError` or
`fcnn.errors.DiskError`, with the file, what was expected and how to fix it.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with reading(folder, "a gzip file", "give the path of the file, not its folder"):
    ...     open(folder, "rb")
    Traceback (most recent call last):
    ...
    fcnn.errors.InputError: ... is a folder; expected a gzip file. To fix: give the path of ...
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import struct
import tarfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from fcnn.errors import BudgetError, DiskError, FcnnError, InputError, MissingFileError

#: the largest ratio of uncompressed to compressed size deflate (gzip, zlib, PNG) can reach
MAX_DEFLATE_RATIO = 1032
GZIP_MAGIC = b"\x1f\x8b"

#: what Python's gzip, zlib, tarfile and struct raise on truncated or damaged bytes (gzip's
#: BadGzipFile and Pillow's own errors are OSErrors without an errno, handled as damage too)
DAMAGED: tuple[type[BaseException], ...] = (
    EOFError, zlib.error, tarfile.TarError, struct.error, UnicodeDecodeError, OverflowError,
    RecursionError,
)


def shorten(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters, so no message embeds unbounded data.

    Example:
        >>> shorten("x" * 300, 10)
        'xxxxxxxxxx... (290 more characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def preview(items: Iterable[object], limit: int = 10) -> str:
    """At most ``limit`` items as ``'a', 'b', ... (N more)``, each cut to 40 characters.

    Example:
        >>> preview(["cat", "dog"]), preview(range(100), limit=3)
        ("'cat', 'dog'", '0, 1, 2, ... (97 more)')
    """
    items = list(items)
    shown = ", ".join(shorten(repr(item), 40) for item in items[:limit])
    if len(items) > limit:
        shown += f", ... ({len(items) - limit} more)"
    return shown


def describe(error: BaseException) -> str:
    """``"TypeName: message"`` of an exception, the message cut to 200 characters."""
    text = shorten(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def os_error(path: Path, error: OSError, expected: str, fix: str) -> FcnnError:
    """The fcnn error for an ``OSError`` raised while reading ``path``.

    A missing file is a `MissingFileError`, a folder where a file should be and a file whose
    bytes a decoder rejected (an ``OSError`` without an errno, such as gzip's
    ``BadGzipFile``) are `InputError` s, and the rest (permission denied, an I/O error) are
    `DiskError` s.
    """
    if isinstance(error, FileNotFoundError):
        return MissingFileError(f"{path} does not exist. Expected {expected}. To fix: {fix}",
                                path)
    if isinstance(error, (IsADirectoryError, NotADirectoryError)):
        return InputError(f"{path} is a folder; expected {expected}. To fix: {fix}", path)
    if isinstance(error, PermissionError):
        return DiskError(f"{path}: permission denied; fcnn may not read it ({describe(error)}). "
                         f"To fix: make it readable (chmod a+r {path}) or copy it somewhere "
                         f"readable.", path)
    if error.errno is None:
        return InputError(f"{path}: could not read it ({describe(error)}). Expected {expected}; "
                          f"the file is truncated or damaged. To fix: {fix}", path)
    name = errno.errorcode.get(error.errno, str(error.errno))
    return DiskError(f"{path}: the disk refused the read ({name}: {shorten(error.strerror or '')})."
                     f" To fix: check the disk and the file system, then try again.", path)


@contextlib.contextmanager
def reading(path: Path, expected: str, fix: str, action: str = "read it",
            damaged: tuple[type[BaseException], ...] = DAMAGED) -> Iterator[None]:
    """Turn every exception raised while reading ``path`` into an fcnn error naming it.

    fcnn errors pass through unchanged; ``MemoryError`` becomes a `BudgetError`, an
    ``OSError`` the error `os_error` chooses, and the ``damaged`` exception types an
    `InputError` that says the file is truncated or damaged.

    Args:
        path: the file being read.
        expected: what the file should be (``"an IDX images file"``).
        fix: how to fix it (``"delete it and download it again."``).
        action: what could not be done, in the message (``"could not decompress it"``).
        damaged: exception types that mean the bytes are bad.

    Raises:
        FcnnError: in place of whatever the block raised.
    """
    try:
        yield
    except FcnnError:
        raise
    except MemoryError as error:
        raise BudgetError(
            f"{path}: ran out of memory while reading it. Expected {expected}. To fix: lower "
            f"the memory budget (FCNN_MEMORY_BUDGET, see fcnn.limits) so that fcnn refuses "
            f"such inputs before allocating, or free memory.", path) from error
    except OSError as error:
        raise os_error(path, error, expected, fix) from error
    except damaged as error:
        raise InputError(f"{path}: could not {action} ({describe(error)}). Expected "
                         f"{expected}; the file is truncated or damaged. To fix: {fix}",
                         path) from error


def open_input(path: Path, expected: str, fix: str) -> IO[bytes]:
    """Open a regular file for binary reading, or raise the fcnn error that says why not.

    A FIFO, a device or a socket is refused before it is opened (opening a FIFO would wait
    forever for a writer).

    Args:
        path: the file.
        expected: what the file should be, for messages.
        fix: how to fix it, for messages.

    Returns:
        The open binary file.

    Raises:
        InputError: ``path`` is a folder or not a regular file.
        MissingFileError: ``path`` does not exist.
        DiskError: the disk or the permissions refused the read.

    Example:
        >>> open_input(Path("/no/such/file"), "a gzip file", "download it.")
        Traceback (most recent call last):
        ...
        fcnn.errors.MissingFileError: /no/such/file does not exist. Expected a gzip file. ...
    """
    with reading(path, expected, fix):
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if not stat.S_ISREG(mode):
            raise InputError(f"{path} is not a regular file (a FIFO, device or socket); "
                             f"expected {expected}. To fix: {fix}", path)
        return open(path, "rb")  # the caller closes it


def is_gzip(stream: IO[bytes]) -> bool:
    """Whether a seekable binary stream starts with the gzip magic bytes (position kept)."""
    start = stream.tell()
    magic = stream.read(2)
    stream.seek(start)
    return magic == GZIP_MAGIC


def max_decompressed_size(compressed_size: int, gzipped: bool) -> int:
    """The most bytes a file of ``compressed_size`` bytes can hold once decompressed.

    Example:
        >>> max_decompressed_size(1000, gzipped=True), max_decompressed_size(1000, False)
        (1032000, 1000)
    """
    return compressed_size * MAX_DEFLATE_RATIO if gzipped else compressed_size
