"""Modules, layers, models and optimizers on top of `autograd`, with PyTorch's names and
parameter layouts so state dicts map 1:1 onto PyTorch modules of the same name."""

from nn.charlm import CharLSTM
from nn.containers import ModuleDict, ModuleList, Sequential
from nn.init import manual_seed
from nn.layers import (
    GELU,
    AvgPool2d,
    Conv2d,
    Dropout,
    Dropout2d,
    Embedding,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from nn.models import MLP, Autoencoder, LeNet5
from nn.module import IncompatibleKeys, Module, Parameter
from nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell
from nn.seq2seq import BahdanauAttention, Seq2Seq
from nn.word2vec import Word2Vec

__all__ = [
    "GELU",
    "GRU",
    "LSTM",
    "MLP",
    "RNN",
    "Autoencoder",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BahdanauAttention",
    "BatchNorm1d",
    "BatchNorm2d",
    "CharLSTM",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout2d",
    "Embedding",
    "Flatten",
    "GRUCell",
    "Identity",
    "IncompatibleKeys",
    "L1Loss",
    "LSTMCell",
    "LayerNorm",
    "LeNet5",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Seq2Seq",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Tanh",
    "Word2Vec",
    "manual_seed",
]
