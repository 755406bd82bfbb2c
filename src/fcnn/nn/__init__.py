"""Layers, losses and models: f = Wx + b, activations, MLPs of any width and depth."""

from fcnn.nn import functional
from fcnn.nn.init import INITIALIZERS, get_initializer
from fcnn.nn.layers import (
    MLP,
    BatchNorm1d,
    Dropout,
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    make_activation,
)
from fcnn.nn.losses import (
    LOSSES,
    CrossEntropyLoss,
    HingeLoss,
    Loss,
    cross_entropy,
    get_loss,
    hinge_loss,
    l2_penalty,
)
from fcnn.nn.module import Module, Parameter
from fcnn.nn.serialization import load_model, save_model

__all__ = [
    "INITIALIZERS", "LOSSES", "MLP", "BatchNorm1d", "CrossEntropyLoss", "Dropout", "HingeLoss",
    "Identity", "LeakyReLU", "Linear", "Loss", "Module", "Parameter", "ReLU", "Sequential",
    "Sigmoid", "Softmax", "Tanh", "cross_entropy", "functional", "get_initializer", "get_loss",
    "hinge_loss", "l2_penalty", "load_model", "make_activation", "save_model",
]
