"""The fuzzing harness of the data readers: Hypothesis settings, byte mutations, outcome counts.

Every fuzz test calls a reader through its public API on a damaged variant of a tiny file in
the real format and hands the call to `expect_dataset_or_fcnn_error`, which records one of four
outcomes per input: a correct result, an fcnn error (clean), another exception, or a wrong
result. The last two fail the test. The counts are printed as a table at the end of the run
(``tests/data/conftest.py``).

How many inputs: ``FCNN_FUZZ_EXAMPLES`` per test (default `DEFAULT_EXAMPLES`, sized for CI);
e.g. ``FCNN_FUZZ_EXAMPLES=5000 pytest tests/data/test_fuzz.py`` for a long run by hand. CI runs
are derandomized (the same inputs every time); a long run draws new ones unless
``FCNN_FUZZ_SEED`` is set.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from fcnn.errors import FcnnError

DEFAULT_EXAMPLES = 120
EXAMPLES = int(os.environ.get("FCNN_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))

#: reader -> outcome -> count, filled by `expect_dataset_or_fcnn_error`
OUTCOMES: dict[str, Counter] = defaultdict(Counter)
OUTCOME_NAMES = ("correct result", "fcnn error", "other exception", "wrong result")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize="FCNN_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    print_blob=True,
)


def expect_dataset_or_fcnn_error(reader: str, call: Callable[[], object],
                                 check: Callable[[object], str | None]) -> object:
    """Run ``call``; it must return a result ``check`` accepts or raise an fcnn error.

    ``check(result)`` returns ``None`` when the result is right, else what is wrong with it.
    The outcome is counted under ``reader``; another exception or a wrong result fails.
    """
    try:
        result = call()
    except FcnnError as error:
        OUTCOMES[reader]["fcnn error"] += 1
        assert str(error), f"{reader}: an fcnn error without a message"
        return error
    except Exception as error:
        OUTCOMES[reader]["other exception"] += 1
        raise AssertionError(
            f"{reader}: {type(error).__name__} escaped the public API: {error}") from error
    problem = check(result)
    if problem is not None:
        OUTCOMES[reader]["wrong result"] += 1
        raise AssertionError(f"{reader}: silently wrong result: {problem}")
    OUTCOMES[reader]["correct result"] += 1
    return result


@st.composite
def mutated(draw: st.DrawFn, data: bytes, fields: tuple[int, ...] = ()) -> bytes:
    """``data`` with one to three damages: truncation, bit flips, byte overwrites, inserted or
    deleted spans, or an oversized big-endian uint32 written at one of ``fields`` (offsets of
    header fields such as IDX dimensions). Never returns ``data`` unchanged."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        # subtle damage (a flipped bit) is the kind most likely to load silently wrong: weight it
        kinds = ["flip", "flip", "flip", "overwrite", "overwrite", "truncate", "insert", "delete"]
        if fields:
            kinds += ["field", "field"]
        kind = draw(st.sampled_from(kinds))
        if kind == "truncate":
            del out[draw(st.integers(0, max(0, len(out) - 1))):]
        elif kind == "flip" and out:
            at = draw(st.integers(0, len(out) - 1))
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite" and out:
            at = draw(st.integers(0, len(out) - 1))
            value = draw(st.binary(min_size=1, max_size=16))
            out[at:at + len(value)] = value
        elif kind == "insert":
            at = draw(st.integers(0, len(out)))
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete" and out:
            at = draw(st.integers(0, len(out) - 1))
            del out[at:at + draw(st.integers(1, 64))]
        elif kind == "field":
            at = draw(st.sampled_from(fields))
            value = draw(st.sampled_from([0, 1, 2, 255, 2**16, 2**24, 2**31 - 1, 2**31,
                                          2**32 - 1]) | st.integers(0, 2**32 - 1))
            out[at:at + 4] = value.to_bytes(4, "big")
    if bytes(out) == data:  # a flip that landed twice on one bit: damage it for certain
        out.append(0)
    return bytes(out)


def mostly(valid: st.SearchStrategy) -> st.SearchStrategy:
    """``valid`` three times in four, else a hostile value of any type (`ANYTHING`)."""
    return st.integers(0, 3).flatmap(lambda k: ANYTHING if k == 0 else valid)


#: hostile values of many types for arguments
ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
    st.text(max_size=12), st.binary(max_size=8), st.lists(st.integers(-3, 40), max_size=4),
    st.tuples(st.integers(-2, 40), st.integers(-2, 40), st.integers(-2, 40)),
)


def outcome_table() -> str:
    """The counts of every reader fuzzed in this run, as a Markdown table."""
    header = ("| reader | inputs tried | " + " | ".join(OUTCOME_NAMES) + " |\n"
              "|---|---:|" + "---:|" * len(OUTCOME_NAMES))
    rows = []
    for reader, counts in sorted(OUTCOMES.items()):
        cells = " | ".join(str(counts[name]) for name in OUTCOME_NAMES)
        rows.append(f"| {reader} | {sum(counts.values())} | {cells} |")
    return "\n".join([header, *rows])
