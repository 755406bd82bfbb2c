"""fcnn: fully connected neural networks you can read, see and trust.

The package follows the data flow of the lecture:
data -> model (a graph of ops) -> loss -> backward -> optimizer -> metrics.
"""

from fcnn.engine import Tensor, gradcheck, no_grad, tensor

__version__ = "0.1.0"

__all__ = ["Tensor", "gradcheck", "no_grad", "tensor", "__version__"]
