"""Input preprocessing fitted on training data: scaling, standardization, PCA/ZCA whitening.

Every preprocessor has ``fit(X_train)``, ``transform(X)`` and ``fit_transform(X_train)``, works on
2-D ``(N, D)`` arrays, returns ``float32``, and keeps its fitted state as plain arrays
(``state_dict()`` / ``load_state_dict()``), so a run folder can store it without pickle.
Fit on the training part only; the test part is transformed with the training statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fcnn.data.dataset import check_image_shape, check_names
from fcnn.errors import ConfigError, InputError
from fcnn.registry import Registry

_CHUNK_ROWS = 2048  # rows converted to float at a time, to keep memory flat on big sets


#: The elementary steps a fitted preprocessor is made of, and the NumPy function of each.
OPERATIONS = {"div": np.divide, "sub": np.subtract, "mul": np.multiply}


class Preprocessor:
    """Base class: subclasses set ``state_names`` and implement ``fit`` and ``operations``.

    A fitted preprocessor is a short list of elementary steps on float32 rows (divide,
    subtract, multiply by a constant vector; multiply by a matrix). ``transform`` runs
    them with NumPy; the ONNX export writes the same steps as nodes, so a model file can
    take raw inputs.
    """

    state_names: tuple[str, ...] = ()

    def fit(self, X: np.ndarray) -> Preprocessor:
        raise NotImplementedError

    def operations(self, n_features: int) -> list[tuple[str, np.ndarray]]:
        """The transform of rows of ``n_features`` as ``(op, constant)`` steps, in order.

        ``op`` is ``"div"``, ``"sub"`` or ``"mul"`` (by a scalar or a vector, elementwise)
        or ``"matmul"`` (by a matrix).
        """
        raise NotImplementedError

    def _apply(self, X: np.ndarray) -> np.ndarray:
        out = X.astype(np.float32)
        for op, value in self.operations(X.shape[1]):
            if op == "matmul":
                out = out @ value
            else:
                OPERATIONS[op](out, value, out=out)
        return out

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Apply the fitted transform to ``X`` ``(N, D)``; returns ``float32``."""
        missing = [name for name in self.state_names if getattr(self, name, None) is None]
        if missing:
            raise InputError(
                f"{type(self).__name__} is not fitted (no {', '.join(missing)}). Call "
                f"fit(X_train) or load_state_dict(...) before transform."
            )
        _check_2d(X, type(self).__name__)
        return self._apply(X)

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Fitted state as a dict of arrays (safe to save with safetensors or ``np.savez``)."""
        return {name: np.asarray(getattr(self, name)) for name in self.state_names}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore the state returned by `state_dict`."""
        missing = set(self.state_names) - set(state)
        if missing:
            raise InputError(
                f"{type(self).__name__}.load_state_dict: missing {sorted(missing)}; expected "
                f"keys {list(self.state_names)}, got {sorted(state)}."
            )
        for name in self.state_names:
            setattr(self, name, np.asarray(state[name]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Scale(Preprocessor):
    """``x / max_value``: map raw pixel values to ``[0, 1]`` as ``float32``.

    Args:
        max_value: divisor. ``None`` uses the largest value of the training data (255 for
            CIFAR-10 and MNIST, 16 for digits).

    Example:
        >>> import numpy as np
        >>> Scale().fit_transform(np.array([[0, 128, 255]], dtype=np.uint8)).round(3)
        array([[0.   , 0.502, 1.   ]], dtype=float32)
    """

    state_names = ("max_value",)

    def __init__(self, max_value: float | None = None) -> None:
        self.max_value = None if max_value is None else np.float32(max_value)

    def fit(self, X: np.ndarray) -> Scale:
        """Take ``max_value`` from ``X`` unless it was given; a zero maximum becomes 1."""
        _check_2d(X, "Scale")
        if self.max_value is None:
            largest = float(X.max()) if X.size else 1.0
            self.max_value = np.float32(largest if largest > 0 else 1.0)
        return self

    def operations(self, n_features: int) -> list[tuple[str, np.ndarray]]:
        return [("div", np.asarray(self.max_value, dtype=np.float32))]


class Standardize(Preprocessor):
    """``(x - mean) / (std + eps)`` with mean and std of the training data (std 0 counts as 1).

    Args:
        per: ``"feature"`` for one mean/std per input feature, or ``"channel"`` for one per
            image channel (over all pixels of it).
        channels: number of channels C when ``per="channel"``; rows are read as C equal CHW
            planes.
        eps: added to the std so constant features do not divide by zero.

    Shapes: ``mean`` and ``std`` are ``(D,)`` per feature, ``(C,)`` per channel.

    Example:
        >>> import numpy as np
        >>> X = np.array([[0.0, 10.0], [2.0, 30.0]], dtype=np.float32)
        >>> Standardize().fit_transform(X)
        array([[-1., -1.],
               [ 1.,  1.]], dtype=float32)
    """

    state_names = ("mean", "std")

    def __init__(self, per: str = "feature", channels: int | None = None, eps: float = 1e-8):
        if per not in ("feature", "channel"):
            raise ConfigError("per", f"Standardize: per must be 'feature' or 'channel', got "
                                     f"{per!r}.")
        if per == "channel" and (channels is None or channels < 1):
            raise ConfigError(
                "channels",
                f"Standardize(per='channel') needs channels=C (e.g. 3 for RGB), got {channels}."
            )
        self.per = per
        self.channels = channels
        self.eps = eps
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> Standardize:
        """Compute mean and std of ``X`` ``(N, D)`` (float64 accumulation, in row chunks)."""
        _check_2d(X, "Standardize")
        groups = X.shape[1] if self.per == "feature" else self._channels_of(X)
        mean, std = _grouped_moments(X, groups)
        self.mean = mean.astype(np.float32)
        # a feature constant in training (MNIST's always-black corners) is only centred, as in
        # scikit-learn's StandardScaler: dividing by eps would turn any test image that is not
        # black there into values of ~1e8
        self.std = np.where(std > 0, std, 1.0).astype(np.float32)
        return self

    def operations(self, n_features: int) -> list[tuple[str, np.ndarray]]:
        repeat = n_features // len(self.mean)
        if repeat * len(self.mean) != n_features:
            raise InputError(
                f"Standardize was fitted with {len(self.mean)} {self.per}s but X has "
                f"{n_features} features."
            )
        mean = np.repeat(self.mean, repeat)
        scale = np.repeat(1.0 / (self.std + np.float32(self.eps)), repeat).astype(np.float32)
        return [("sub", mean), ("mul", scale)]

    def _channels_of(self, X: np.ndarray) -> int:
        if X.shape[1] % self.channels:
            raise InputError(
                f"Standardize(per='channel', channels={self.channels}): {X.shape[1]} features "
                f"do not split into {self.channels} equal channel planes. Pass the C of "
                f"image_shape (C, H, W) and flattened CHW rows."
            )
        return self.channels

    def __repr__(self) -> str:
        return f"Standardize(per={self.per!r}, channels={self.channels})"


class _Whiten(Preprocessor):
    """Shared part of PCA and ZCA whitening: ``(x - mean) @ matrix``."""

    state_names = ("mean", "matrix")

    def __init__(self, eps: float) -> None:
        self.eps = eps
        self.mean: np.ndarray | None = None
        self.matrix: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> _Whiten:
        """Eigen-decompose the training covariance and build the whitening matrix."""
        _check_2d(X, type(self).__name__)
        if len(X) < 2:
            raise InputError(f"{type(self).__name__} needs at least 2 training rows, got {len(X)}.")
        mean, _ = _grouped_moments(X, X.shape[1])
        covariance = _covariance(X, mean)
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        order = np.argsort(eigenvalues)[::-1]
        eigenvalues = np.clip(eigenvalues[order], 0.0, None)
        eigenvectors = eigenvectors[:, order]
        self.mean = mean.astype(np.float32)
        self.matrix = self._matrix(eigenvalues, eigenvectors).astype(np.float32)
        return self

    def _matrix(self, eigenvalues: np.ndarray, eigenvectors: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def operations(self, n_features: int) -> list[tuple[str, np.ndarray]]:
        if n_features != len(self.mean):
            raise InputError(
                f"{type(self).__name__} was fitted on {len(self.mean)} features, X has "
                f"{n_features}."
            )
        return [("sub", self.mean), ("matmul", self.matrix)]


class PCAWhiten(_Whiten):
    """``(x - mean) @ U_k / sqrt(lambda_k + eps)``: project on the top principal components.

    ``U_k`` holds the ``k = n_components`` eigenvectors of the training covariance with the
    largest eigenvalues ``lambda_k``; the output ``(N, k)`` has (about) identity covariance.

    Args:
        n_components: number of components kept; ``None`` keeps all ``D``.
        eps: regulariser added to the eigenvalues.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(500, 3)) * [1.0, 5.0, 0.1]
        >>> Z = PCAWhiten(n_components=2).fit_transform(X)
        >>> Z.shape, bool(np.allclose(np.cov(Z.T), np.eye(2), atol=1e-3))
        ((500, 2), True)
    """

    def __init__(self, n_components: int | None = None, eps: float = 1e-5) -> None:
        super().__init__(eps)
        if n_components is not None and n_components < 1:
            raise ConfigError("n_components", f"PCAWhiten: n_components must be >= 1 or None, "
                                              f"got {n_components}.")
        self.n_components = n_components

    def _matrix(self, eigenvalues: np.ndarray, eigenvectors: np.ndarray) -> np.ndarray:
        k = len(eigenvalues) if self.n_components is None else self.n_components
        if k > len(eigenvalues):
            raise InputError(
                f"PCAWhiten: n_components={k} but the data has only {len(eigenvalues)} features."
            )
        return eigenvectors[:, :k] / np.sqrt(eigenvalues[:k] + self.eps)

    def __repr__(self) -> str:
        return f"PCAWhiten(n_components={self.n_components}, eps={self.eps})"


class ZCAWhiten(_Whiten):
    """``(x - mean) @ U diag(1 / sqrt(lambda + eps)) U^T``: whiten, staying close to the input.

    Unlike PCA whitening the output keeps all ``D`` features in the original (pixel) basis, so
    whitened images still look like images (edges enhanced).

    Args:
        eps: regulariser added to the eigenvalues; larger values whiten less (0.01-0.1 is
            usual for images scaled to ``[0, 1]``).

    Example:
        >>> import numpy as np
        >>> mixing = np.array([[2.0, 1.0], [0.0, 1.0]])
        >>> X = np.random.default_rng(0).normal(size=(500, 2)) @ mixing
        >>> Z = ZCAWhiten(eps=1e-6).fit_transform(X)
        >>> Z.shape, bool(np.allclose(np.cov(Z.T), np.eye(2), atol=1e-3))
        ((500, 2), True)
    """

    def __init__(self, eps: float = 1e-2) -> None:
        super().__init__(eps)

    def _matrix(self, eigenvalues: np.ndarray, eigenvectors: np.ndarray) -> np.ndarray:
        return (eigenvectors / np.sqrt(eigenvalues + self.eps)) @ eigenvectors.T

    def __repr__(self) -> str:
        return f"ZCAWhiten(eps={self.eps})"


class Pipeline(Preprocessor):
    """Apply preprocessors in order; each one is fitted on the output of the previous one.

    ``state_dict`` keys are ``"<step index>.<name>"`` (e.g. ``"1.mean"``).

    Example:
        >>> import numpy as np
        >>> pipe = Pipeline([Scale(255), Standardize()])
        >>> pipe.fit_transform(np.array([[0], [255]], dtype=np.uint8)).ravel().tolist()
        [-1.0, 1.0]
        >>> sorted(pipe.state_dict())
        ['0.max_value', '1.mean', '1.std']
    """

    def __init__(self, steps: Sequence[Preprocessor]) -> None:
        self.steps = list(steps)

    def fit(self, X: np.ndarray) -> Pipeline:
        """Fit every step on the training data as transformed by the steps before it."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        for step in self.steps:
            X = step.fit_transform(X)
        return X.astype(np.float32, copy=False)

    def transform(self, X: np.ndarray) -> np.ndarray:
        for step in self.steps:
            X = step.transform(X)
        return X.astype(np.float32, copy=False)

    def operations(self, n_features: int) -> list[tuple[str, np.ndarray]]:
        """Every step's operations in order (a matrix step changes the width for the next)."""
        steps: list[tuple[str, np.ndarray]] = []
        for step in self.steps:
            for op, value in step.operations(n_features):
                steps.append((op, value))
                if op == "matmul":
                    n_features = value.shape[1]
        return steps

    def state_dict(self) -> dict[str, np.ndarray]:
        state = {}
        for index, step in enumerate(self.steps):
            for key, value in step.state_dict().items():
                state[f"{index}.{key}"] = value
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        for index, step in enumerate(self.steps):
            prefix = f"{index}."
            step.load_state_dict(
                {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}
            )

    def __repr__(self) -> str:
        return f"Pipeline({self.steps!r})"


def _channel_count(image_shape: tuple[int, ...] | None) -> int:
    if image_shape is None:
        raise ConfigError(
            "preprocess",
            "'channel-standardize' needs image_shape=(C, H, W), got None (not an image data "
            "set). Use 'standardize' instead."
        )
    return int(image_shape[0])


#: The preprocessing steps by name; each target is a factory ``(image_shape) -> Preprocessor``.
PREPROCESSORS = Registry("preprocessing")
PREPROCESSORS.add("scale", lambda image_shape: Scale(), help="x / max: pixels into [0, 1]")
PREPROCESSORS.add("standardize", lambda image_shape: Standardize(per="feature"),
                  help="(x - mean) / std per feature, from the training data")
PREPROCESSORS.add("channel-standardize", lambda image_shape: Standardize(
    per="channel", channels=_channel_count(image_shape)),
    help="(x - mean) / std per image channel (images only)")
PREPROCESSORS.add("pca", lambda image_shape: PCAWhiten(), help="PCA whitening")
PREPROCESSORS.add("zca", lambda image_shape: ZCAWhiten(), help="ZCA whitening (images stay images)")


def make_preprocessing(
    names: Sequence[str], image_shape: tuple[int, ...] | None = None
) -> Pipeline:
    """Build an (unfitted) `Pipeline` from names in `PREPROCESSORS`.

    Args:
        names: steps in order, from ``"scale"``, ``"standardize"``, ``"channel-standardize"``,
            ``"pca"``, ``"zca"``.
        image_shape: ``(C, H, W)`` of the images, needed by ``"channel-standardize"``.

    Returns:
        The unfitted `Pipeline`.

    Raises:
        ConfigError: an unknown name, ``names`` not a list of names, or a bad ``image_shape``.

    Example:
        >>> make_preprocessing(["scale", "channel-standardize"], (3, 32, 32))
        Pipeline([Scale(), Standardize(per='channel', channels=3)])
    """
    names = check_names(names, PREPROCESSORS, "preprocessing")
    if image_shape is not None:
        image_shape = check_image_shape(image_shape)
    return Pipeline([PREPROCESSORS.get(name).target(image_shape) for name in names])


def _check_2d(X: np.ndarray, who: str) -> None:
    if not isinstance(X, np.ndarray) or X.ndim != 2:
        shape = getattr(X, "shape", type(X).__name__)
        raise InputError(
            f"{who} expects a 2-D array (N, D), got {shape}. Flatten images to rows first "
            f"(X.reshape(len(X), -1))."
        )


def _grouped_moments(X: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of each of ``groups`` equal column blocks of ``X``, in float64.

    ``groups == D`` gives per-feature statistics; ``groups == C`` per-channel ones for CHW rows.
    Two passes over row chunks, so no full float64 copy of ``X`` is made.
    """
    n = len(X)
    block = X.shape[1] // groups
    count = n * block
    total = np.zeros(groups)
    for start in range(0, n, _CHUNK_ROWS):
        chunk = X[start:start + _CHUNK_ROWS].reshape(-1, groups, block)
        total += chunk.sum(axis=(0, 2), dtype=np.float64)
    mean = total / count
    squares = np.zeros(groups)
    for start in range(0, n, _CHUNK_ROWS):
        chunk = X[start:start + _CHUNK_ROWS].reshape(-1, groups, block)
        deviation = chunk - mean[None, :, None]
        squares += np.einsum("ngb,ngb->g", deviation, deviation)
    return mean, np.sqrt(squares / count)


def _covariance(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Covariance ``(D, D)`` of the rows of ``X``: float32 products summed in float64."""
    covariance = np.zeros((X.shape[1], X.shape[1]))
    mean32 = mean.astype(np.float32)
    for start in range(0, len(X), _CHUNK_ROWS):
        centred = X[start:start + _CHUNK_ROWS].astype(np.float32) - mean32
        covariance += centred.T @ centred
    return covariance / (len(X) - 1)
