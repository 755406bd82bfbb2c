"""Hooks for the whole test suite."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter) -> None:
    """After a run that fuzzed readers, print what each reader did with the inputs."""
    import sys

    fuzz = sys.modules.get("data.fuzz")
    if fuzz is not None and fuzz.OUTCOMES:
        terminalreporter.write_sep("-", "fuzzed readers (tests/data/test_fuzz.py, "
                                        "tests/run/test_fuzz_runs.py)")
        terminalreporter.write_line(fuzz.outcome_table())
