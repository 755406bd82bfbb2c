"""Learning-rate schedules: values of step decay, cosine with warm-up, the Warmup wrapper."""

from __future__ import annotations

import math

import pytest

from fcnn.optim import Constant, Cosine, StepDecay, Warmup, as_schedule, make_schedule


def test_constant() -> None:
    assert [Constant(0.3)(t) for t in (0, 10, 1000)] == [0.3, 0.3, 0.3]
    assert isinstance(as_schedule(0.5), Constant) and as_schedule(1)(7) == 1.0


def test_step_decay_values() -> None:
    schedule = StepDecay(0.1, step_size=3, gamma=0.5)
    assert [schedule(t) for t in range(7)] == pytest.approx(
        [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])
    with pytest.raises(ValueError, match="step_size must be >= 1, got 0"):
        StepDecay(0.1, step_size=0)


def test_cosine_values() -> None:
    schedule = Cosine(1.0, total_steps=10, final_lr=0.1)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.55)
    assert schedule(10) == pytest.approx(0.1)
    assert schedule(50) == pytest.approx(0.1)  # stays at the final value
    values = [schedule(t) for t in range(11)]
    assert all(a > b for a, b in zip(values, values[1:]))
    assert schedule(3) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.3)))


def test_cosine_with_warmup() -> None:
    schedule = make_schedule("cosine", 0.4, total_steps=12, warmup_steps=4)
    assert [schedule(t) for t in range(4)] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert schedule(4) == pytest.approx(0.4)
    assert schedule(8) == pytest.approx(0.2)  # halfway through the 8 cosine steps
    assert schedule(12) == pytest.approx(0.0, abs=1e-12)
    # bit for bit the formula of a cosine with warm-up written out, so recipes keep their rates
    for total, warmup in ((12, 4), (1000, 37), (391 * 15, 0)):
        schedule = make_schedule("cosine", 0.05, total_steps=total, warmup_steps=warmup)
        for t in range(total + 3):
            progress = min(1.0, (t - warmup) / max(1, total - warmup))
            expected = 0.05 * (t + 1) / warmup if t < warmup else \
                0.0 + (0.05 - 0.0) * 0.5 * (1 + math.cos(math.pi * progress))
            assert schedule(t) == expected
    with pytest.raises(ValueError, match=r"warmup_steps must be in \[0, total_steps\)"):
        make_schedule("cosine", 0.1, total_steps=5, warmup_steps=5)
    with pytest.raises(ValueError, match="total_steps must be >= 1"):
        Cosine(0.1, total_steps=0)


def test_warmup_wrapper() -> None:
    schedule = Warmup(StepDecay(1.0, step_size=2, gamma=0.1), steps=4)
    assert [schedule(t) for t in range(8)] == pytest.approx(
        [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 0.1, 0.1])
    constant = Warmup(0.2, steps=2)
    assert [constant(t) for t in range(4)] == pytest.approx([0.1, 0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        Warmup(0.1, steps=0)


def test_make_schedule_by_name() -> None:
    assert isinstance(make_schedule("constant", 0.1, 100), Constant)
    step = make_schedule("step", 0.3, total_steps=30, gamma=0.5)
    assert step(9) == pytest.approx(0.3) and step(10) == pytest.approx(0.15)
    cosine = make_schedule("cosine", 0.1, total_steps=20, warmup_steps=5)
    assert cosine(0) == pytest.approx(0.02) and cosine(20) == pytest.approx(0.0, abs=1e-12)
    assert make_schedule("cosine", 0.1, 10, final_lr=0.01)(10) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="gamma: cosine does not take this option"):
        make_schedule("cosine", 0.1, 10, gamma=0.5)
    warm = make_schedule("constant", 0.1, 100, warmup_steps=2)
    assert isinstance(warm, Warmup) and warm(0) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="unknown schedule 'linear'; valid names: constant, "
                                         "step, cosine"):
        make_schedule("linear", 0.1, 10)


def test_as_schedule_rejects_bad_rates() -> None:
    for bad in (0, -1.0, math.inf, "0.1", True):
        with pytest.raises(ValueError, match="positive number or a schedule"):
            as_schedule(bad)


def test_reprs() -> None:
    assert repr(Warmup(StepDecay(0.1, 5), 3)) == \
        "Warmup(StepDecay(0.1, step_size=5, gamma=0.1), steps=3)"
    assert repr(Cosine(0.1, 10)) == "Cosine(0.1, total_steps=10, final_lr=0.0)"
