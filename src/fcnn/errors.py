"""The one family of errors fcnn raises for problems with what it was given.

Every error a user can cause by a value, a configuration or a file, and every disk
fault, is an :class:`FcnnError`. Each message says what was wrong, what was expected,
what was received and how to fix it; the command line prints it without a traceback.

* :class:`InputError` (a ``ValueError``): a bad value, option, configuration or file.
  ``fcnn`` exits with status 2.
* :class:`ConfigError` (an ``InputError``): a configuration key with a value of the
  wrong type or range, or an option that does not apply; ``key`` names it.
* :class:`BudgetError` (an ``InputError``): an input declares more data than the memory
  budget allows; the message says how to raise the budget when the input is genuine
  (see ``fcnn.limits``).
* :class:`MissingFileError` (an ``InputError`` and a ``FileNotFoundError``): a file that
  should be there is not; the message says where it was looked for and where to put it.
* :class:`DiskError` (an ``OSError``): the disk refused a read or a write (full,
  read-only, missing permission). ``fcnn`` exits with status 1.
* :class:`DivergenceError` (a ``FloatingPointError``): training produced a NaN or
  infinite loss; the run keeps its last good state. ``fcnn`` exits with status 1.

Example:
    >>> try:
    ...     raise ConfigError("lr", "lr must be a number > 0, got 0. Give e.g. lr = 0.01.")
    ... except ValueError as error:
    ...     print(type(error).__name__, error.key)
    ConfigError lr
"""

from __future__ import annotations

from pathlib import Path


class FcnnError(Exception):
    """Base of every error fcnn raises for a user's input or a disk fault."""

    exit_status = 2


class InputError(FcnnError, ValueError):
    """A value, option, configuration or file that fcnn cannot use (exit status 2).

    Args:
        message: what was wrong, what was expected, what was received, how to fix it.
        path: the file the problem is in, if any (kept as ``error.path``).
    """

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else Path(path)


class ConfigError(InputError):
    """A configuration value of the wrong type or range, or an option that does not apply.

    Args:
        key: the configuration key (``"lr"``, ``"hidden"``...), kept as ``error.key``.
        message: the whole message (it names the key itself).
    """

    def __init__(self, key: str, message: str, path: str | Path | None = None) -> None:
        super().__init__(message, path)
        self.key = key


class BudgetError(InputError):
    """An input declares more data than the memory budget allows (exit status 2)."""


class DivergenceError(FcnnError, FloatingPointError):
    """The training loss became NaN or infinite (exit status 1); the message says what to try."""

    exit_status = 1


class MissingFileError(InputError, FileNotFoundError):
    """A file fcnn needs is missing (exit status 2); also a ``FileNotFoundError``.

    Args:
        message: which file, where it was looked for, and where to put it.
        path: the file (or the folder it should be in), kept as ``error.path``.

    Example:
        >>> error = MissingFileError("mnist: file 'x.gz' not found. To fix: put it in data/.")
        >>> isinstance(error, FileNotFoundError), isinstance(error, ValueError)
        (True, True)
    """

    def __str__(self) -> str:  # OSError's own __str__ would show "[Errno ...]" of nothing
        return str(self.args[0]) if self.args else ""


class DiskError(FcnnError, OSError):
    """The disk refused a read or a write: full, read-only, no permission (exit status 1)."""

    exit_status = 1

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else Path(path)

    def __str__(self) -> str:  # OSError's own __str__ would show "[Errno ...]" of nothing
        return str(self.args[0]) if self.args else ""
