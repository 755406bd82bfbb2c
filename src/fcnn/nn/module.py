"""A small explicit Module base: parameters, state, train/eval, readable repr."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from fcnn.engine import Tensor
from fcnn.nn.functional import check_granularity


class Parameter(Tensor):
    """A tensor a module learns: ``requires_grad`` is on.

    Example:
        >>> import numpy as np
        >>> Parameter(np.zeros(3)).requires_grad
        True
    """

    __slots__ = ()

    def __init__(self, data: Any, label: str | None = None) -> None:
        super().__init__(data, requires_grad=True, label=label)


class Module:
    """Base class of layers and models.

    Parameters are attributes holding :class:`Parameter`; sub-modules are attributes
    holding a ``Module`` (or a list of them); buffers (state that is saved but not
    learned, e.g. batch-norm running statistics) are registered with
    :meth:`register_buffer`. Subclasses implement ``forward``.
    """

    training: bool = True

    def forward(self, *args: Any) -> Tensor:
        raise NotImplementedError

    def __call__(self, *args: Any) -> Tensor:
        return self.forward(*args)

    # ----- structure ------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def modules(self) -> Iterator[Module]:
        """This module and all modules inside it, depth first."""
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, e.g. ``("0.weight", ...)``, in a stable order."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_parameters(prefix + name + ".")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """Keep ``value`` as saved, non-learned state under ``name``."""
        if "_buffer_names" not in vars(self):
            self._buffer_names: list[str] = []
        self._buffer_names.append(name)
        setattr(self, name, value)

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for name in vars(self).get("_buffer_names", []):
            yield prefix + name, getattr(self, name)
        for name, child in self.named_children():
            yield from child.named_buffers(prefix + name + ".")

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    # ----- state ----------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters and buffers as plain arrays (copies), keyed by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update({name: np.array(b, copy=True) for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy arrays into parameters and buffers; names and shapes must match exactly."""
        targets: dict[str, np.ndarray] = {n: p.data for n, p in self.named_parameters()}
        targets.update(dict(self.named_buffers()))
        missing = sorted(set(targets) - set(state))
        unexpected = sorted(set(state) - set(targets))
        if missing or unexpected:
            raise ValueError(
                f"state_dict does not match {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected}. Was it saved from a model of another architecture?"
            )
        for name, target in targets.items():
            value = np.asarray(state[name])
            if value.shape != target.shape:
                raise ValueError(
                    f"state_dict entry {name!r} has shape {value.shape}, the model expects "
                    f"{target.shape}. Was it saved from a model of another architecture?"
                )
            target[...] = value

    # ----- modes ----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch norm uses batch statistics)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off, batch norm uses running statistics)."""
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def to(self, dtype: Any) -> Module:
        """Cast every parameter and buffer to ``dtype`` in place (e.g. ``numpy.float64``).

        Build the optimizer after the cast: it holds the arrays it updates.

        Example:
            >>> import numpy as np
            >>> from fcnn.nn import Linear
            >>> Linear(3, 2, seed=0).to(np.float64).weight.dtype
            dtype('float64')
        """
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"Module.to: parameters must stay floating point, got {dtype}.")
        for module in self.modules():
            for value in list(vars(module).values()):
                if isinstance(value, Parameter):
                    value.data = value.data.astype(dtype)
                    value.grad = None
            for name in vars(module).get("_buffer_names", []):
                setattr(module, name, getattr(module, name).astype(dtype))
        return self

    def set_granularity(self, granularity: str) -> Module:
        """Switch every layer to "coarse" (fused nodes) or "fine" (primitive ops)."""
        check_granularity(granularity)
        for module in self.modules():
            if hasattr(module, "granularity"):
                module.granularity = granularity
        return self

    # ----- display --------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        """PyTorch's layout: ``Name(extra)`` or ``Name(`` then one ``(child): ...`` per line."""
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)
