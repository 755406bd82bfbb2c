"""fcnn: fully connected neural networks you can read, see and trust.

The package follows the data flow of the lecture:
data -> model (a graph of ops) -> loss -> backward -> optimizer -> metrics.

``import fcnn`` gives the engine (``fcnn.tensor``, ``fcnn.Tensor``, ``fcnn.no_grad``,
``fcnn.gradcheck``), ``fcnn.manual_seed`` and the light sub-packages ``fcnn.nn``,
``fcnn.optim``, ``fcnn.info`` and ``fcnn.metrics``; ``fcnn.data``, ``fcnn.train``,
``fcnn.run`` and ``fcnn.viz`` are imported explicitly.

Example (the same seed, the same weights):
    >>> import fcnn
    >>> fcnn.manual_seed(0); a = fcnn.nn.Linear(3, 2).weight.data
    >>> fcnn.manual_seed(0); b = fcnn.nn.Linear(3, 2).weight.data
    >>> bool((a == b).all())
    True
"""

from fcnn import info, metrics, nn, optim
from fcnn.engine import Tensor, gradcheck, no_grad, tensor
from fcnn.random import manual_seed

__version__ = "0.1.0"

__all__ = ["Tensor", "__version__", "gradcheck", "info", "manual_seed", "metrics", "nn",
           "no_grad", "optim", "tensor"]
