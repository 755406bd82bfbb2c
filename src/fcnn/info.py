"""Entropy, KL divergence and cross-entropy of discrete distributions (the lecture's formulas).

Each takes probability vectors (last axis) and a ``base`` for the logarithm:
``base=math.e`` (nats, the default), 2 (bits) or 10 (the lecture's own numbers).
Terms with p(x) = 0 contribute 0 (the limit of p log p).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _distribution(p: Any, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.size == 0 or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must be a non-empty vector of finite, non-negative "
                         f"probabilities, got {np.array2string(p, precision=3)}.")
    total = p.sum(axis=-1)
    if not np.allclose(total, 1.0, atol=1e-6):
        raise ValueError(f"{name} must sum to 1 along its last axis, got sums "
                         f"{np.round(total, 6)}. Normalise it first: p / p.sum().")
    return p


def _log(x: np.ndarray, base: float) -> np.ndarray:
    if not base > 0 or base == 1:
        raise ValueError(f"base must be positive and not 1 (e.g. math.e, 2, 10), got {base}.")
    with np.errstate(divide="ignore"):
        return np.log(x) / math.log(base)


def entropy(p: Any, base: float = math.e) -> np.ndarray | float:
    """H(p) = -sum_x p(x) log p(x): how uncertain a distribution is.

    Example (the lecture's even football match, base 10):
        >>> round(entropy([1/3, 1/3, 1/3], base=10), 3)
        0.477
    """
    p = _distribution(p, "p")
    terms = np.where(p > 0, p * _log(np.where(p > 0, p, 1.0), base), 0.0)
    return _scalar(-terms.sum(axis=-1))


def cross_entropy(p: Any, q: Any, base: float = math.e) -> np.ndarray | float:
    """H(p, q) = -sum_x p(x) log q(x) = H(p) + KL(p || q).

    Example (the lecture: true class starfish, q = [0.21, 0.01, 0.78], base 10):
        >>> round(cross_entropy([1, 0, 0], [0.21, 0.01, 0.78], base=10), 2)
        0.68
    """
    p, q = _distribution(p, "p"), _distribution(q, "q")
    _same_shape(p, q)
    # where p > 0 and q = 0 the term is p * log 0 = -inf, so that row's H(p, q) is inf
    terms = np.where(p > 0, p * _log(np.where(p > 0, q, 1.0), base), 0.0)
    return _scalar(-terms.sum(axis=-1))


def kl_divergence(p: Any, q: Any, base: float = math.e) -> np.ndarray | float:
    """KL(p || q) = -sum_x p(x) log(q(x) / p(x)) >= 0; usually KL(p||q) != KL(q||p).

    Example:
        >>> round(kl_divergence([0.5, 0.5], [0.9, 0.1], base=2), 4)
        0.737
    """
    return _scalar(np.asarray(cross_entropy(p, q, base)) - np.asarray(entropy(p, base)))


def _same_shape(p: np.ndarray, q: np.ndarray) -> None:
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}.")


def _scalar(x: np.ndarray) -> np.ndarray | float:
    return float(x) if np.ndim(x) == 0 else x
