"""Layers, losses and models: f = Wx + b, activations, MLPs of any width and depth."""

from fcnn.nn import functional
from fcnn.nn.activations import ACTIVATIONS
from fcnn.nn.init import INITIALIZERS
from fcnn.nn.layers import (
    MLP,
    Activation,
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
    flat_layers,
    make_activation,
)
from fcnn.nn.losses import (
    LOSSES,
    CrossEntropyLoss,
    HingeLoss,
    Loss,
    SquaredErrorLoss,
    cross_entropy,
    get_loss,
    hinge_loss,
    l2_penalty,
    squared_error,
)
from fcnn.nn.module import Module, Parameter
from fcnn.nn.serialization import load_model, save_model

__all__ = [
    "ACTIVATIONS", "INITIALIZERS", "LOSSES", "MLP", "Activation", "BatchNorm1d",
    "CrossEntropyLoss", "Dropout", "HingeLoss", "Identity", "LeakyReLU", "Linear", "Loss",
    "Module", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "SquaredErrorLoss", "Tanh",
    "cross_entropy", "flat_layers", "functional", "get_loss", "hinge_loss", "l2_penalty",
    "load_model", "make_activation", "save_model", "squared_error",
]
