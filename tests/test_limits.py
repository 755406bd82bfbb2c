"""The memory budget: parsing sizes, where the budget comes from, and check_allocation."""

from __future__ import annotations

import threading

import pytest

from fcnn import limits
from fcnn.errors import BudgetError, ConfigError, InputError
from fcnn.limits import (
    ENV_VAR,
    check_allocation,
    format_size,
    memory_budget,
    parse_size,
    use_memory_budget,
)


@pytest.mark.parametrize(("text", "nbytes"), [
    ("4GiB", 4 * 2**30), ("4gib", 4 * 2**30), ("512MB", 512 * 10**6), (" 2 KiB ", 2048),
    ("1e9", 10**9), ("1.5k", 1500), ("100", 100), ("0", 0), (".5MiB", 2**19), (12345, 12345),
])
def test_parse_size(text, nbytes):
    assert parse_size(text) == nbytes


@pytest.mark.parametrize("text", ["", "-1", "abc", "4 GiBs", "4GB4", "1e99", "nan", "inf"])
def test_parse_size_rejects_what_is_not_a_size(text):
    with pytest.raises(ConfigError, match="must be a size such as '4GiB'|absurdly large") as info:
        parse_size(text, "FCNN_MEMORY_BUDGET")
    assert info.value.key == "FCNN_MEMORY_BUDGET"


@pytest.mark.parametrize("value", [True, 1.5, None, [1], -5])
def test_parse_size_rejects_other_types_and_negatives(value):
    with pytest.raises(ConfigError):
        parse_size(value)


def test_format_size():
    assert [format_size(n) for n in (0, 1023, 1024, 1.95 * 2**30)] == [
        "0 B", "1023 B", "1.00 KiB", "1.95 GiB"]


def test_default_budget_is_half_the_available_memory(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(limits, "available_memory", lambda: 10 * 2**30)
    assert memory_budget() == 5 * 2**30
    monkeypatch.setattr(limits, "available_memory", lambda: None)
    assert memory_budget() == limits.FALLBACK_BUDGET


def test_available_memory_reads_the_machine():
    available = limits.available_memory()
    assert available is None or 2**20 < available < 2**50


def test_environment_variable_sets_the_budget(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "3GiB")
    assert memory_budget() == 3 * 2**30
    monkeypatch.setenv(ENV_VAR, "three gigs")
    with pytest.raises(ConfigError, match=f"{ENV_VAR} must be a size") as info:
        memory_budget()
    assert info.value.key == ENV_VAR


def test_context_manager_wins_over_the_environment_and_nests(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "3GiB")
    with use_memory_budget("1MiB") as outer:
        assert outer == memory_budget() == 2**20
        with use_memory_budget(100):
            assert memory_budget() == 100
        assert memory_budget() == 2**20
    assert memory_budget() == 3 * 2**30


def test_context_manager_is_per_thread(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "3GiB")
    seen = []
    with use_memory_budget("1MiB"):
        thread = threading.Thread(target=lambda: seen.append(memory_budget()))
        thread.start()
        thread.join()
    assert seen == [3 * 2**30]


def test_check_allocation_passes_within_the_budget():
    with use_memory_budget(1000):
        check_allocation(1000, "exactly the budget")
        check_allocation(0, "nothing")


def test_check_allocation_says_how_to_raise_the_budget(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    with use_memory_budget("1MiB"), pytest.raises(BudgetError) as info:
        check_allocation(1.95 * 2**30, "the images announced by the header", "train.gz")
    message = str(info.value)
    assert isinstance(info.value, InputError) and isinstance(info.value, ValueError)
    assert message.startswith("train.gz: the images announced by the header would need 1.95 GiB")
    assert "over the memory budget of 1.00 MiB (set with fcnn.limits.use_memory_budget)" in message
    assert f"{ENV_VAR}=3GiB" in message and "use_memory_budget" in message
    assert str(info.value.path) == "train.gz"


def test_check_allocation_names_the_environment_variable_as_the_source(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1kB")
    with pytest.raises(BudgetError, match=rf"budget of 1000 B \({ENV_VAR}=1kB\)"):
        check_allocation(10**12, "a terabyte")


def test_check_allocation_handles_infinite_and_huge_requests():
    with use_memory_budget("1GiB"):
        with pytest.raises(BudgetError, match="unbounded"):
            check_allocation(float("inf"), "an endless list")
        with pytest.raises(BudgetError, match="64GiB"):
            check_allocation(2**80, "a lot")
