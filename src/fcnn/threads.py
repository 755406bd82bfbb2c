"""How many threads fcnn's work uses: the BLAS's matrix products and the compiled kernels.

One number governs both, as ``torch.set_num_threads`` does for PyTorch: the matrix products
run on NumPy's BLAS (OpenBLAS or MKL, limited through ``threadpoolctl``), and the fused
elementwise and reduction kernels of ``fcnn.engine.kernels`` (numba, when installed) split
their work over the same number of threads.

The default is the number of CPUs this process may actually use: the CPUs of its affinity
mask (``os.sched_getaffinity``; ``taskset`` and container runtimes narrow it), fewer when a
cgroup CPU quota (``docker --cpus``) allows less. An oversubscribed BLAS (more threads than
free cores) runs several times slower, so the environment variables that schedulers such as
joblib set for their workers are respected: ``FCNN_NUM_THREADS``, else ``OMP_NUM_THREADS``.

Example:
    >>> import fcnn
    >>> fcnn.set_num_threads(1)
    >>> fcnn.get_num_threads()
    1
    >>> fcnn.set_num_threads(None)  # back to the default
    >>> fcnn.get_num_threads() == default_num_threads()
    True
"""

from __future__ import annotations

import math
import os
from pathlib import Path

_requested: int | None = None
_blas_limits = None  # the threadpoolctl limiter holding the BLAS at the requested count


def available_cpus() -> int:
    """The CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        count = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        count = min(count, quota)
    return max(1, count)


def _cgroup_cpu_quota(path: Path = Path("/sys/fs/cgroup/cpu.max")) -> int | None:
    """``ceil(quota / period)`` of cgroup v2's ``cpu.max``, or None when there is no quota."""
    try:
        fields = path.read_text().split()
    except OSError:
        return None
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        return max(1, math.ceil(int(fields[0]) / int(fields[1])))
    except (ValueError, ZeroDivisionError):
        return None


def _from_environment() -> int | None:
    for name in ("FCNN_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) >= 1:
            return int(value)
    return None


def default_num_threads() -> int:
    """``FCNN_NUM_THREADS``, else ``OMP_NUM_THREADS``, else :func:`available_cpus`."""
    return _from_environment() or available_cpus()


def get_num_threads() -> int:
    """The threads fcnn's matrix products and kernels use (set, or the default)."""
    return _requested if _requested is not None else default_num_threads()


def set_num_threads(n: int | None) -> None:
    """Use ``n`` threads for the matrix products (the BLAS) and the compiled kernels.

    Args:
        n: a number >= 1, or None for the default (:func:`default_num_threads`).

    Raises:
        TypeError: ``n`` is not an integer.
        ValueError: ``n`` is below 1.
    """
    global _requested, _blas_limits
    if n is not None and (isinstance(n, bool) or not isinstance(n, int)):
        raise TypeError(f"set_num_threads: n must be an integer >= 1 (or None for the default "
                        f"of {default_num_threads()}), got {type(n).__name__} {n!r}.")
    if n is not None and n < 1:
        raise ValueError(f"set_num_threads: n must be >= 1, got {n}. Use 1 for a single "
                         f"thread, or None for the default ({default_num_threads()}).")
    _requested = n
    try:
        import threadpoolctl
    except ImportError:  # the BLAS keeps its own count; the kernels follow n all the same
        return
    if _blas_limits is not None:
        _blas_limits.restore_original_limits()
    _blas_limits = threadpoolctl.threadpool_limits(get_num_threads(), user_api="blas")
