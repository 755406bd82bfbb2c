"""Optimizers: update formulas, trajectories equal to torch.optim, validation, clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fcnn import Tensor
from fcnn.optim import SGD, Adam, AdamW, StepDecay, clip_grad_norm, get_optimizer

START = np.random.default_rng(0).normal(size=(3, 4))
TARGET = np.random.default_rng(1).normal(size=(3, 4))


def loss_of(w: Tensor) -> Tensor:
    """A smooth non-quadratic loss, so each step sees a different gradient."""
    diff = w - Tensor(TARGET)
    return (diff * diff).sum() + (w * 0.5).sin().sum()


def our_trajectory(make, steps: int = 5) -> list[np.ndarray]:
    w = Tensor(START.copy(), requires_grad=True)
    opt = make([w])
    points = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(w).backward()
        opt.step()
        points.append(w.data.copy())
    return points


def torch_trajectory(torch, make, steps: int = 5) -> list[np.ndarray]:
    w = torch.tensor(START.copy(), requires_grad=True)
    opt = make([w])
    points = []
    for _ in range(steps):
        opt.zero_grad()
        diff = w - torch.tensor(TARGET)
        ((diff * diff).sum() + (w * 0.5).sin().sum()).backward()
        opt.step()
        points.append(w.detach().numpy().copy())
    return points


CONFIGS = {
    "sgd": (lambda p: SGD(p, lr=0.05), "SGD", {"lr": 0.05}),
    "sgd_momentum": (lambda p: SGD(p, lr=0.05, momentum=0.9), "SGD",
                     {"lr": 0.05, "momentum": 0.9}),
    "sgd_nesterov": (lambda p: SGD(p, lr=0.05, momentum=0.8, nesterov=True), "SGD",
                     {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    "sgd_weight_decay": (lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.1), "SGD",
                         {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1}),
    "adam": (lambda p: Adam(p, lr=0.1), "Adam", {"lr": 0.1}),
    "adam_betas_weight_decay": (lambda p: Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6,
                                               weight_decay=0.05), "Adam",
                                {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6,
                                 "weight_decay": 0.05}),
    "adamw": (lambda p: AdamW(p, lr=0.1, weight_decay=0.2), "AdamW",
              {"lr": 0.1, "weight_decay": 0.2}),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_trajectory_equals_torch_optim(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, torch_name, options = CONFIGS[name]
    expected = torch_trajectory(torch, lambda p: getattr(torch.optim, torch_name)(p, **options))
    for step, (mine, theirs) in enumerate(zip(our_trajectory(ours), expected)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12, err_msg=f"step {step}")


def test_sgd_formula_by_hand() -> None:
    w = Tensor(np.array([1.0]), requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.5)
    grads = [2.0, 4.0]
    velocity = 0.0
    expected = 1.0
    for g in grads:
        w.grad = np.array([g])
        opt.step()
        velocity = 0.5 * velocity + g if velocity else g
        expected -= 0.1 * velocity
        assert w.data[0] == pytest.approx(expected)


def test_adam_first_step_moves_by_lr() -> None:
    # bias correction makes the first step exactly lr * sign(g) (up to eps)
    w = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    w.grad = np.array([3.0, -0.001])
    Adam([w], lr=0.01).step()
    np.testing.assert_allclose(w.data, [0.99, -0.99], rtol=1e-6)


def test_float32_updates_stay_float32_and_in_place() -> None:
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    data = w.data
    for opt in (SGD([w], lr=0.1, momentum=0.9), Adam([w]), AdamW([w])):
        w.grad = np.full(3, 0.5, dtype=np.float32)
        opt.step()
        assert w.data is data and w.data.dtype == np.float32


def test_parameters_without_grad_are_skipped() -> None:
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    a.grad = np.ones(2)
    SGD([a, b], lr=0.5).step()
    np.testing.assert_array_equal(a.data, [0.5, 0.5])
    np.testing.assert_array_equal(b.data, [1.0, 1.0])


def test_zero_grad() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    w.grad = np.ones(2)
    opt = SGD([w], lr=0.1)
    opt.zero_grad()
    assert w.grad is None


def test_schedule_is_used_per_step() -> None:
    w = Tensor(np.array([0.0]), requires_grad=True)
    schedule = StepDecay(1.0, step_size=2, gamma=0.5)
    opt = SGD([w], lr=schedule)
    seen = []
    for _ in range(5):
        seen.append(opt.lr)
        w.grad = np.array([1.0])
        opt.step()
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert w.data[0] == pytest.approx(-(1 + 1 + 0.5 + 0.5 + 0.25))
    assert opt.steps == 5 and opt.lr == 0.25


def test_callable_schedule_and_state_dict() -> None:
    w = Tensor(np.array([0.0]), requires_grad=True)
    opt = SGD([w], lr=lambda step: 0.1 * (step + 1), momentum=0.5)
    w.grad = np.array([1.0])
    opt.step()
    assert opt.lr == pytest.approx(0.2)
    state = opt.state_dict()
    assert state["steps"] == 1 and "velocity" in state["state"][0]


def test_constructor_validation() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="learning rate must be a positive number.*-0.1"):
        SGD([w], lr=-0.1)
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        SGD([w], lr=math.nan)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.0"):
        SGD([w], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got -0.5"):
        SGD([w], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list; pass model.parameters()"):
        Adam([], lr=0.1)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1.0"):
        Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="weight_decay must be a number >= 0, got -1"):
        AdamW([w], weight_decay=-1)
    with pytest.raises(TypeError, match="requires_grad=True, got Tensor"):
        SGD([Tensor(np.ones(2))], lr=0.1)
    with pytest.raises(TypeError, match="got ndarray"):
        SGD([np.ones(2)], lr=0.1)


def test_optimizer_registry() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    assert isinstance(get_optimizer("Adam", [w], lr=0.1), Adam)
    assert isinstance(get_optimizer("adamw", [w]), AdamW)
    sgd = get_optimizer("sgd", [w], lr=0.1, momentum=0.9)
    assert isinstance(sgd, SGD) and sgd.momentum == 0.9
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; valid names: sgd, adam, "
                                         "adamw"):
        get_optimizer("rmsprop", [w])


def test_clip_grad_norm() -> None:
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros(1), requires_grad=True)
    c = Tensor(np.zeros(1), requires_grad=True)  # no gradient: ignored
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    norm = clip_grad_norm([a, b, c], max_norm=1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [0.6, 0.0])
    np.testing.assert_allclose(b.grad, [0.8])
    assert c.grad is None
    # below the limit: untouched
    assert clip_grad_norm([a, b], max_norm=10.0) == pytest.approx(1.0)
    np.testing.assert_allclose(b.grad, [0.8])


def test_clip_grad_norm_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    ours = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = g.copy(), torch.tensor(g)
    assert clip_grad_norm(ours, 0.5) == pytest.approx(
        float(torch.nn.utils.clip_grad_norm_(theirs, 0.5)))
    for o, t in zip(ours, theirs):  # torch divides by norm + 1e-6, fcnn by norm + 1e-12
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw"])
def test_load_state_dict_continues_exactly(name: str) -> None:
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 2)).astype(np.float32) for _ in range(6)]
    start = rng.normal(size=(3, 2)).astype(np.float32)

    def run(steps, optimizer_state=None, weights=start):
        w = Tensor(weights.copy(), requires_grad=True)
        options = {"momentum": 0.9} if name == "sgd" else {}
        opt = get_optimizer(name, [w], lr=0.1, **options)
        if optimizer_state is not None:
            opt.load_state_dict(optimizer_state)
        for g in steps:
            w.grad = g.copy()
            opt.step()
        return w.data, opt.state_dict()

    straight, _ = run(grads)
    half, state = run(grads[:3])
    resumed, _ = run(grads[3:], state, half)
    assert np.array_equal(straight, resumed)
    other = Tensor(np.zeros(4, np.float32), requires_grad=True)  # another model's parameter
    with pytest.raises(ValueError, match="of parameter 0 has shape \\(3, 2\\), the parameter "
                                         "\\(4,\\)"):
        get_optimizer(name, [other]).load_state_dict(state)
    with pytest.raises(ValueError, match="holds 1 parameter states, this optimizer has 2"):
        get_optimizer(name, [other, other]).load_state_dict(state)
