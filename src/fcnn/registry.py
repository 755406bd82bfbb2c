"""One table per concept, one lookup rule, one way to check an option.

Every concept a user names (an activation, a loss, an optimizer, a schedule, an
initialiser, a data set, a preprocessing step, an augmentation) has one
:class:`Registry`. Each :class:`Entry` declares its name and aliases, the function
or class it stands for, the :class:`Option` s it accepts (type, range, default,
help) and, where relevant, more facts in ``meta`` (its ONNX and PyTorch names, a
title and formula for drawings). The command line, configuration files, sweeps,
the scikit-learn wrapper, the ONNX and PyTorch bridges, the expression parser and
the playground all read these tables, so a new entry reaches all of them.

Names are compared after one normalisation (:func:`normalize_name`): case, spaces,
``-`` and ``_`` do not matter, so ``"Leaky-ReLU"`` finds ``leaky_relu``.

Options are checked strictly (:meth:`Option.check`): a string is never a list or a
bool, a bool is never a number, and every error names the option, the expected type
or range, the value received and a fix.

Example:
    >>> ACTIVATIONS = Registry("activation")
    >>> entry = ACTIVATIONS.add("leaky_relu", max, aliases=("lrelu",), options=(
    ...     Option("negative_slope", float, 0.01, low=0, high=1, high_open=True),))
    >>> ACTIVATIONS.get("Leaky-ReLU").name, ACTIVATIONS.get("lrelu").name
    ('leaky_relu', 'leaky_relu')
    >>> entry.resolve({"negative_slope": 0.1})
    {'negative_slope': 0.1}
"""

from __future__ import annotations

import contextlib
import difflib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fcnn.errors import ConfigError


def normalize_name(name: Any) -> str:
    """The form in which names are compared: lower case, ``-`` and spaces as ``_``.

    Example:
        >>> normalize_name(" Fashion-MNIST ")
        'fashion_mnist'
    """
    return str(name).strip().lower().replace("-", "_").replace(" ", "_")


def _show(value: Any) -> str:
    """A value as a configuration file would show it (strings quoted, no numpy reprs)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _kind_of(value: Any) -> str:
    """A short, user-facing name for the type of ``value``."""
    if value is None:
        return "nothing"
    if isinstance(value, (bool, np.bool_)):
        return "a boolean"
    if isinstance(value, (int, np.integer)):
        return "an integer"
    if isinstance(value, (float, np.floating)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class Option:
    """One option: its name, type, default, range and help, checked the same way everywhere.

    Args:
        name: the key (``"lr"``); written ``--lr`` on the command line.
        type: ``float``, ``int``, ``bool``, ``str`` or ``dict``.
        default: the value used when the option is not given.
        help: one line for ``--help`` and the playground.
        low, high: the allowed range of a number (or of each item of a list).
        low_open, high_open: exclude the bound itself (``lr`` > 0: ``low=0, low_open=True``).
        choices: the valid strings, a sequence or a :class:`Registry` (names are
            normalised and aliases resolved to the canonical name).
        nullable: ``None`` is a valid value (in TOML: leave the key out).
        is_list: the value is a list of ``type``; ``length`` fixes its length.
        list_ok: the value is one ``type`` or a list of them (e.g. one activation or one
            per layer).
        example: a valid value shown in error messages (defaults to ``default``).
    """

    name: str
    type: type
    default: Any = None
    help: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: Sequence[str] | Registry | None = None
    nullable: bool = False
    is_list: bool = False
    list_ok: bool = False
    length: int | None = None
    example: Any = None

    # ----- description --------------------------------------------------------
    def range_text(self) -> str:
        """The allowed range in words: ``"> 0"``, ``"in [0, 1)"``, ``">= 1"`` or ``""``."""
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if self.high is not None:
            return f"{'<' if self.high_open else '<='} {self.high:g}"
        return ""

    def valid_names(self) -> list[str]:
        if isinstance(self.choices, Registry):
            return self.choices.names()
        return list(self.choices or [])

    def expected(self) -> str:
        """What a valid value looks like, in words (used by every error message)."""
        if self.choices is not None:
            one = f"one of {', '.join(self.valid_names())}"
        else:
            words = {float: "a number", int: "an integer", bool: "true or false",
                     str: "a string", dict: "a table of options"}[self.type]
            one = f"{words} {self.range_text()}".strip()
        if self.is_list:
            count = f"{self.length} " if self.length else ""
            one = f"a list of {count}values, each {one}"
        elif self.list_ok:
            one = f"{one}, or a list of them"
        return one + (" (or left out)" if self.nullable else "")

    def _fix(self) -> str:
        example = self.example if self.example is not None else self.default
        if example is None:
            example = self.valid_names()[0] if self.choices is not None else None
        if example is None:
            return ""
        return f" For example: {self.name} = {_show(example)}."

    def _error(self, value: Any, where: str, why: str = "") -> ConfigError:
        why = why or f"expected {self.expected()}"
        return ConfigError(self.name, f"{where}{self.name}: {why}; got {_show(value)} "
                                      f"({_kind_of(value)}).{self._fix()}")

    # ----- checking -----------------------------------------------------------
    def check(self, value: Any, where: str = "") -> Any:
        """Return ``value`` converted to the option's type, or raise a ConfigError.

        Args:
            value: what the user gave.
            where: a prefix for messages naming the source, e.g. ``"config.toml: "``.

        Example:
            >>> Option("hidden", int, [64], low=1, is_list=True).check([128, 64])
            [128, 64]
            >>> Option("hidden", int, [64], low=1, is_list=True).check("64")
            Traceback (most recent call last):
            ...
            fcnn.errors.ConfigError: hidden: expected a list of values, each an integer >= 1; \
got '64' (a string). For example: hidden = [64].
        """
        if value is None:
            if self.nullable:
                return None
            raise self._error(value, where)
        if self.is_list or (self.list_ok and isinstance(value, (list, tuple))):
            if not isinstance(value, (list, tuple)):
                raise self._error(value, where)
            if self.length is not None and len(value) != self.length:
                raise self._error(value, where, f"expected {self.expected()}, "
                                                f"not {len(value)} values")
            return [self._check_one(item, value, where) for item in value]
        return self._check_one(value, value, where)

    def _check_one(self, item: Any, whole: Any, where: str) -> Any:
        if self.type is bool:
            if not isinstance(item, (bool, np.bool_)):
                raise self._error(whole, where)
            return bool(item)
        if self.type is str:
            if not isinstance(item, str):
                raise self._error(whole, where)
            return self._check_choice(item, whole, where)
        if self.type is dict:
            if not isinstance(item, Mapping):
                raise self._error(whole, where)
            return dict(item)
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, float, np.number)):
            raise self._error(whole, where)
        if self.type is int:
            if not isinstance(item, (int, np.integer)):
                raise self._error(whole, where)
            item = int(item)
        else:
            item = float(item)
            if not math.isfinite(item):
                raise self._error(whole, where)
        if not self._in_range(item):
            raise self._error(whole, where)
        return item

    def _in_range(self, x: float) -> bool:
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        return not (self.high is not None and
                    (x > self.high or (self.high_open and x == self.high)))

    def _check_choice(self, text: str, whole: Any, where: str) -> str:
        if self.choices is None:
            return text
        if isinstance(self.choices, Registry):
            if text in self.choices:
                return self.choices.get(text).name
        else:
            for choice in self.choices:
                if normalize_name(choice) == normalize_name(text):
                    return choice
        close = difflib.get_close_matches(normalize_name(text),
                                          [normalize_name(n) for n in self.valid_names()], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise self._error(whole, where, f"expected {self.expected()}{hint}")


@dataclass(frozen=True)
class Entry:
    """One named thing of a registry: what it is, what options it takes, what else is known.

    Args:
        name: the canonical name (``"leaky_relu"``).
        target: the function or class the name stands for.
        aliases: other names that find it (``"lrelu"``).
        options: the options it accepts, with their types, ranges and defaults.
        help: one line for listings.
        meta: other facts, e.g. ``{"onnx": ("LeakyRelu", {"alpha": "negative_slope"})}``.
    """

    name: str
    target: Any
    aliases: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    help: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def option(self, name: str) -> Option | None:
        """The option called ``name``, or None if this entry has none by that name."""
        return next((o for o in self.options if o.name == name), None)

    def defaults(self) -> dict[str, Any]:
        """Every option at its default value."""
        return {o.name: o.default for o in self.options}

    def resolve(self, given: Mapping[str, Any] | None = None, where: str = "") -> dict[str, Any]:
        """Check ``given`` against the declared options and fill in the defaults.

        An option this entry does not take is an error naming the options it does take.
        """
        given = dict(given or {})
        unknown = [key for key in given if self.option(key) is None]
        if unknown:
            takes = ", ".join(o.name for o in self.options) or "no options"
            raise ConfigError(unknown[0], f"{where}{unknown[0]}: {self.name} does not take this "
                                          f"option (it takes {takes}); remove it.")
        values = self.defaults()
        values.update({key: self.option(key).check(value, where) for key, value in given.items()})
        return values

    def create(self, *args: Any, options: Mapping[str, Any] | None = None,
               **context: Any) -> Any:
        """Call ``target(*args, **context, **options)`` with the options checked and completed.

        ``context`` holds arguments that are not user options (``granularity``, ``params``).
        """
        return self.target(*args, **context, **self.resolve(options))


class Registry:
    """The named entries of one concept, looked up with one normalisation rule.

    Args:
        kind: what the entries are, for messages (``"activation"``).

    Example:
        >>> r = Registry("schedule")
        >>> _ = r.add("constant", None)
        >>> r.get("cosine")
        Traceback (most recent call last):
        ...
        fcnn.errors.ConfigError: unknown schedule 'cosine'; valid names: constant.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}
        self._keys: dict[str, str] = {}  # normalised name or alias -> canonical name

    def register(self, entry: Entry) -> Entry:
        """Add ``entry``; a name or alias already taken is an error."""
        for key in (entry.name, *entry.aliases):
            taken = self._keys.get(normalize_name(key))
            if taken is not None:
                raise ValueError(f"{self.kind} name {key!r} is already taken by {taken!r}.")
        self._entries[entry.name] = entry
        for key in (entry.name, *entry.aliases):
            self._keys[normalize_name(key)] = entry.name
        return entry

    def add(self, name: str, target: Any, *, aliases: Sequence[str] = (),
            options: Sequence[Option] = (), help: str = "", **meta: Any) -> Entry:
        """Build an :class:`Entry` from the arguments and register it."""
        return self.register(Entry(name, target, tuple(aliases), tuple(options), help, meta))

    def unregister(self, name: str) -> None:
        """Remove an entry and its aliases (for tests and plug-ins)."""
        entry = self.get(name)
        del self._entries[entry.name]
        self._keys = {k: v for k, v in self._keys.items() if v != entry.name}

    @contextlib.contextmanager
    def temporarily(self, entry: Entry) -> Iterator[Entry]:
        """Register ``entry`` for the duration of a ``with`` block."""
        self.register(entry)
        try:
            yield entry
        finally:
            self.unregister(entry.name)

    def get(self, name: Any) -> Entry:
        """The entry called ``name`` (or one of its aliases); the error lists the valid names."""
        canonical = self._keys.get(normalize_name(name)) if isinstance(name, str) else None
        if canonical is None:
            shown = repr(name) if isinstance(name, str) else f"{_show(name)} ({_kind_of(name)})"
            close = difflib.get_close_matches(normalize_name(name), list(self._keys), n=1) \
                if isinstance(name, str) else []
            hint = f" (did you mean {self._keys[close[0]]!r}?)" if close else ""
            raise ConfigError(self.kind, f"unknown {self.kind} {shown}; valid names: "
                                         f"{', '.join(self.names())}{hint}.")
        return self._entries[canonical]

    def create(self, name: str, *args: Any, options: Mapping[str, Any] | None = None,
               **context: Any) -> Any:
        """``get(name).create(...)``: the object the name stands for, options checked."""
        return self.get(name).create(*args, options=options, **context)

    def names(self) -> list[str]:
        """Canonical names, in the order they were registered."""
        return list(self._entries)

    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def find(self, predicate: Callable[[Entry], bool]) -> Entry | None:
        """The first entry for which ``predicate(entry)`` is true, or None."""
        return next((e for e in self._entries.values() if predicate(e)), None)

    def options(self) -> dict[str, Option]:
        """Every option any entry declares, by name (the first declaration of each name)."""
        found: dict[str, Option] = {}
        for entry in self._entries.values():
            for option in entry.options:
                found.setdefault(option.name, option)
        return found

    def owners(self, option: str) -> list[str]:
        """The names of the entries that take ``option``."""
        return [e.name for e in self._entries.values() if e.option(option) is not None]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_name(name) in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"
