"""Pictures of the lecture, from the real engine: graphs, templates, boundaries, curves.

Imported inside IPython/Jupyter, it also registers rich displays for tensors (their
computation graph), models (a summary table) and training histories (their curves);
see :mod:`fcnn.viz.notebook`.
"""

import sys


def _register_in_ipython() -> None:
    """Register the notebook displays if this runs inside IPython (never imports IPython)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or getattr(ipython, "get_ipython", lambda: None)() is None:
        return
    from fcnn.viz.notebook import register

    register()


_register_in_ipython()
