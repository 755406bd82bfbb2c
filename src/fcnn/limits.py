"""The memory budget: how much memory one input may make fcnn allocate.

Readers check what a file declares (IDX dimensions, CIFAR-10 records, image pixels, the number
of files in a folder) against the file's real size and against this budget *before* they
allocate, so a damaged or hostile file of a few kilobytes cannot make fcnn allocate gigabytes.
An input over the budget raises `fcnn.errors.BudgetError`, whose message says how to raise the
budget when the input is genuine.

The budget is, in order of precedence:

1. the size given to `use_memory_budget` (a context manager, for code and tests);
2. the environment variable ``FCNN_MEMORY_BUDGET`` (``4GiB``, ``512MB``, ``1000000``);
3. half of the memory the machine has available when the check runs (``MemAvailable`` of
   ``/proc/meminfo`` on Linux; half of the physical memory elsewhere).

Example:
    >>> parse_size("4GiB"), parse_size("1.5kB"), format_size(3 * 2**30)
    (4294967296, 1500, '3.00 GiB')
    >>> with use_memory_budget("1MiB"):
    ...     memory_budget()
    1048576
    >>> with use_memory_budget("1MiB"):
    ...     check_allocation(2**30, "the pixels", "images.gz")
    Traceback (most recent call last):
    ...
    fcnn.errors.BudgetError: images.gz: the pixels would need 1.00 GiB of memory, ...
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from fcnn.errors import BudgetError, ConfigError

#: environment variable that sets the budget (``4GiB``, ``512MB``, a number of bytes)
ENV_VAR = "FCNN_MEMORY_BUDGET"
#: share of the available memory used as the budget when nothing else sets it
DEFAULT_FRACTION = 0.5
#: budget when the available memory cannot be read at all
FALLBACK_BUDGET = 2 * 2**30

_UNITS = {
    "": 1, "b": 1,
    "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
    "t": 10**12, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*([a-zA-Z]*)\s*")

_override: ContextVar[int | None] = ContextVar("fcnn_memory_budget", default=None)


def parse_size(text: str | int, what: str = "memory budget") -> int:
    """Parse a size in bytes: an int, or text such as ``"4GiB"``, ``"512 MB"``, ``"1e9"``.

    Units: ``B``, ``kB``/``MB``/``GB``/``TB`` (powers of 1000) and ``KiB``/``MiB``/``GiB``/
    ``TiB`` (powers of 1024), in any letter case.

    Args:
        text: the size.
        what: what the size is, for the error message.

    Returns:
        The number of bytes (fractions are rounded down).

    Raises:
        ConfigError: ``text`` is not a size >= 0 (``error.key`` is ``what``).

    Example:
        >>> parse_size("512 MiB"), parse_size(1000)
        (536870912, 1000)
    """
    if isinstance(text, bool) or not isinstance(text, (int, str)):
        raise ConfigError(what, f"{what} must be a size such as '4GiB' or a number of bytes, got "
                                f"{text!r}.")
    if isinstance(text, int):
        if text < 0:
            raise ConfigError(what, f"{what} must be >= 0 bytes, got {text}.")
        return text
    match = _SIZE.fullmatch(text)
    unit = match.group(3).lower() if match else ""
    if match is None or unit not in _UNITS:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise ConfigError(
            what, f"{what} must be a size such as '4GiB', '512MB' or '1000000' (bytes), got "
                  f"{shown!r}. Units: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB.")
    exponent = int(match.group(2) or 0)
    if exponent > 30:
        raise ConfigError(what, f"{what} {text!r} is absurdly large; give e.g. '64GiB'.")
    value = float(match.group(1)) * 10.0**exponent * _UNITS[unit]
    return int(value)


def format_size(nbytes: float) -> str:
    """A byte count for people: ``'184 B'``, ``'1.50 KiB'``, ``'1.95 GiB'``.

    Example:
        >>> format_size(512), format_size(1536), format_size(2.5 * 2**40)
        ('512 B', '1.50 KiB', '2.50 TiB')
    """
    if nbytes < 1024:
        return f"{int(nbytes)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        nbytes /= 1024
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.2f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def available_memory() -> int | None:
    """Bytes of memory available to new allocations now, or ``None`` when unknown.

    Linux: ``MemAvailable`` of ``/proc/meminfo``; elsewhere the physical memory.

    Example:
        >>> available = available_memory()
        >>> available is None or available > 0
        True
    """
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # kB
    with contextlib.suppress(OSError, ValueError, AttributeError):
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return None


def _budget_and_source() -> tuple[int, str]:
    override = _override.get()
    if override is not None:
        return override, "set with fcnn.limits.use_memory_budget"
    text = os.environ.get(ENV_VAR, "").strip()
    if text:
        return parse_size(text, ENV_VAR), f"{ENV_VAR}={text}"
    available = available_memory()
    if available is None:
        return FALLBACK_BUDGET, "the default when the available memory is unknown"
    share = int(DEFAULT_FRACTION * available)
    return share, f"{DEFAULT_FRACTION:.0%} of the {format_size(available)} of memory available"


def memory_budget() -> int:
    """The memory budget in bytes now (see the module docstring for where it comes from).

    Raises:
        ConfigError: ``FCNN_MEMORY_BUDGET`` is set but is not a size.

    Example:
        >>> memory_budget() > 0
        True
    """
    return _budget_and_source()[0]


@contextlib.contextmanager
def use_memory_budget(size: str | int) -> Iterator[int]:
    """Use ``size`` (bytes, or text such as ``"4GiB"``) as the budget inside a ``with`` block.

    It takes precedence over ``FCNN_MEMORY_BUDGET``. Blocks nest; each thread and asyncio task
    sees its own setting (a ``contextvars.ContextVar``).

    Args:
        size: the budget, as accepted by `parse_size`.

    Yields:
        The budget in bytes.

    Example:
        >>> with use_memory_budget("64MiB") as budget:
        ...     budget == memory_budget() == 64 * 2**20
        True
    """
    nbytes = parse_size(size)
    token = _override.set(nbytes)
    try:
        yield nbytes
    finally:
        _override.reset(token)


def check_allocation(nbytes: int | float, what: str, path: str | Path | None = None) -> None:
    """Raise `BudgetError` unless allocating ``nbytes`` for ``what`` fits the memory budget.

    Call it with what a header declares *before* allocating, so that the error comes first.

    Args:
        nbytes: the bytes the allocation would take (a float is fine for huge products).
        what: what would be allocated, for the message (``"60000 images of 28x28"``).
        path: the file that declares it, named first in the message.

    Raises:
        BudgetError: ``nbytes`` is over the budget; the message says how to raise it.

    Example:
        >>> with use_memory_budget("1GiB"):
        ...     check_allocation(184_320_000, "CIFAR-10's 60000 images")  # fits: no error
    """
    budget, source = _budget_and_source()
    if nbytes <= budget:
        return
    where = f"{path}: " if path is not None else ""
    needed = format_size(nbytes) if math.isfinite(nbytes) else "unbounded"
    raise BudgetError(
        f"{where}{what} would need {needed} of memory, over the memory budget of "
        f"{format_size(budget)} ({source}). If the input is genuine, raise the budget: set the "
        f"environment variable {ENV_VAR} (e.g. {ENV_VAR}={_suggest(nbytes)}) or use "
        f"fcnn.limits.use_memory_budget(...) in Python; otherwise the file is damaged or not "
        f"what it claims to be.",
        path,
    )


def _suggest(nbytes: float) -> str:
    """A round budget in GiB above ``nbytes``."""
    if not math.isfinite(nbytes) or nbytes > 2**60:
        return "64GiB"
    return f"{max(1, math.ceil(nbytes * 1.25 / 2**30))}GiB"
