"""Recurrent language models in PyTorch: from scratch (d2l 8.5) and concise (d2l 8.6).

``get_params``, ``init_rnn_state`` and ``rnn`` (the per-step loop; ``rnn_relu`` with
ReLU) are d2l 8.5's pieces; ``RNNModelScratch`` wires them (the shared half:
``d2lcore.reference.ScratchPieces``), by default through ``d2lcore.torch.fast``.
``RNNModel`` wraps ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (any number of layers) with
one-hot inputs and a dense output layer, ``linear`` as in d2l.  The canonical weight
layout (``d2lcore.reference_layers``) *is* PyTorch's, so ``get_numpy_params`` maps by
identity; ``linear`` becomes ``dense.weight`` (V, H) and ``dense.bias`` (V,).
"""

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .. import reference, reference_layers
from ..validate import check_sizes, check_state, check_token_ids
from . import fast
from .utils import check_positive_int, try_gpu

__all__ = ["get_params", "init_rnn_state", "rnn", "rnn_relu", "RNNModelScratch", "RNNModel",
           "make_rnn_layer", "RNN_KINDS"]

RNN_KINDS = reference_layers.KINDS
_LAYER_CLASSES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
# make_rnn_layer builds layers before the vocabulary size is known; RNNModel fixes them up.
_DEFERRED_INPUT = "_d2lcore_deferred_input_size"


# ----------------------------------------------------------------------------- checks


def _check_tokens(X, vocab_size, name="X"):
    """``X`` as an int64 tensor after the core's check: 2-D, integer, inside the vocabulary."""
    if not isinstance(X, torch.Tensor):
        X = torch.as_tensor(np.asarray(X))
    if X.dtype.is_floating_point or X.dtype.is_complex:  # e.g. bfloat16, which numpy lacks
        raise ValueError(f"{name} must hold integer token ids, got dtype {X.dtype}")
    # The core's check on a numpy view of the ids (a copy only from a GPU).
    check_token_ids(X.cpu().numpy(), vocab_size, name)
    return X.long()


# --------------------------------------------------------------- from scratch (d2l 8.5)


def get_params(vocab_size, num_hiddens, device, *, embed_size=None, seed=None):
    """Parameters ``[W_emb,] W_xh, W_hh, b_h, W_hq, b_q`` (d2l init), ready for autograd.

    d2l's initialisation (``d2lcore.reference.param_specs``); with ``seed`` the values
    are ``reference.init_params``' (the same in every framework), else PyTorch draws them.
    """
    vocab_size, num_hiddens, embed_size = check_sizes(vocab_size, num_hiddens, embed_size)
    if seed is not None:
        arrays = reference.init_params(vocab_size, num_hiddens, seed=seed, embed_size=embed_size)
        params = [torch.tensor(arrays[name], device=device)
                  for name in reference.param_names(embed_size)]
    else:
        specs = reference.param_specs(vocab_size, num_hiddens, embed_size).values()
        params = [torch.randn(shape, device=device) * std if std
                  else torch.zeros(shape, device=device) for shape, std in specs]
    for param in params:
        param.requires_grad_(True)
    return params


def init_rnn_state(batch_size, num_hiddens, device):
    """The initial hidden state as a one-element tuple ``(H,)``, H zeros (batch, hidden)."""
    check_positive_int(batch_size, "batch_size")
    check_positive_int(num_hiddens, "num_hiddens")
    return (torch.zeros((batch_size, num_hiddens), device=device),)


def rnn(inputs, state, params):
    """d2l 8.5's RNN: inputs (num_steps, batch, num_inputs) -> outputs and the state ``(H,)``."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:  # X: one time step, (batch_size, num_inputs)
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


def rnn_relu(inputs, state, params):
    """The same loop as ``rnn`` with ReLU in place of tanh."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.relu(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


_LIBRARY_FORWARDS = {rnn: "tanh", rnn_relu: "relu"}
_library_get_params = get_params  # RNNModelScratch's argument of the same name hides it
_LIBRARY = (get_params, init_rnn_state, _LIBRARY_FORWARDS)  # for ScratchPieces._wire


def _assign(target, array):
    """Copy a numpy array into a parameter in place (``set_numpy_params``)."""
    with torch.no_grad():
        target.copy_(torch.as_tensor(array, dtype=target.dtype))


class RNNModelScratch(reference.ScratchPieces):
    """An RNN language model from scratch (d2l-zh 8.5's class, same positional signature).

    ``get_params``, ``init_state`` and ``forward_fn`` default to this module's
    ``get_params``, ``init_rnn_state`` and ``rnn`` (or ``rnn_relu``); pass your
    own to use them exactly as d2l does.  The keyword-only ``activation``,
    ``embed_size``, ``seed`` and ``fast`` (here ``fast.scratch_forward``) apply to the
    library pieces only: see ``d2lcore.reference.ScratchPieces``.
    """

    def __init__(self, vocab_size, num_hiddens, device=None, get_params=None, init_state=None,
                 forward_fn=None, *, activation=None, embed_size=None, seed=None, fast=True):
        own_params = self._wire(_LIBRARY, vocab_size, num_hiddens, get_params, init_state,
                                forward_fn, activation=activation, embed_size=embed_size,
                                seed=seed, fast=fast)
        self.device = try_gpu() if device is None else device
        if own_params:
            self.params = get_params(vocab_size, num_hiddens, self.device)
        else:
            self.params = _library_get_params(vocab_size, num_hiddens, self.device,
                                              embed_size=embed_size, seed=seed)

    def __call__(self, X, state):
        X = _check_tokens(X, self.vocab_size)
        if self.library_pieces:
            check_state(state, (X.shape[0], self.num_hiddens), array_type=torch.Tensor)
        if self.fast:
            return fast.scratch_forward(X, state, self.params, self.activation)
        if self.embed_size:  # rows of W_emb replace the one-hot vectors
            return self.forward_fn(F.embedding(X.T, self.params[0]), state, self.params[1:])
        return self.forward_fn(F.one_hot(X.T, self.vocab_size).float(), state, self.params)

    def begin_state(self, batch_size, device=None):
        """``init_state(batch_size, num_hiddens, device)``: ``(H,)`` with zeros by default."""
        check_positive_int(batch_size, "batch_size")
        return self.init_state(batch_size, self.num_hiddens,
                               self.device if device is None else device)

    _assign = staticmethod(_assign)  # set_numpy_params' copy into one parameter


# ------------------------------------------------------------------- concise (d2l 8.6)


def make_rnn_layer(kind, num_hiddens, num_layers=1, bidirectional=False, *, input_size=None):
    """``nn.RNN``/``nn.GRU``/``nn.LSTM`` (kind 'rnn'/'gru'/'lstm'), time-major, maybe bidirectional.

    PyTorch layers need their input size up front; without ``input_size`` the
    layer is built for a placeholder size and ``RNNModel`` resizes its first
    input weight to the vocabulary size (re-drawn with PyTorch's own init).
    """
    reference_layers.check_kind(kind)
    check_positive_int(num_hiddens, "num_hiddens")
    check_positive_int(num_layers, "num_layers")
    if input_size is not None:
        check_positive_int(input_size, "input_size")
    reference_layers.directions(bidirectional)  # a TypeError unless a bool
    layer = _LAYER_CLASSES[kind](input_size or 1, num_hiddens, num_layers,
                                 bidirectional=bidirectional)
    if input_size is None:
        setattr(layer, _DEFERRED_INPUT, True)
    return layer


def _set_input_size(layer, input_size):
    """Give a deferred layer first-layer input weights for ``input_size`` inputs."""
    bound = 1.0 / math.sqrt(layer.hidden_size)
    suffixes = ("", "_reverse") if layer.bidirectional else ("",)
    for suffix in suffixes:
        old = getattr(layer, f"weight_ih_l0{suffix}")
        new = torch.empty((old.shape[0], input_size), dtype=old.dtype, device=old.device)
        # RNNBase.__setattr__ keeps the layer's flat weight list in step with the new tensor.
        setattr(layer, f"weight_ih_l0{suffix}", nn.Parameter(new.uniform_(-bound, bound)))
    layer.input_size = input_size
    delattr(layer, _DEFERRED_INPUT)


def _layer_kind(layer):
    return {"RNN_TANH": "rnn", "RNN_RELU": "rnn", "GRU": "gru", "LSTM": "lstm"}[layer.mode]


class RNNModel(nn.Module):
    """d2l's concise language model: one-hot inputs -> ``rnn_layer`` -> dense layer."""

    def __init__(self, rnn_layer, vocab_size, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rnn_layer, nn.RNNBase):
            raise TypeError(f"rnn_layer must be an nn.RNN, nn.GRU or nn.LSTM, "
                            f"got {type(rnn_layer).__name__}")
        check_positive_int(vocab_size, "vocab_size")
        if rnn_layer.batch_first or rnn_layer.proj_size:
            raise ValueError("rnn_layer must be time-major without projection "
                             "(batch_first=False, proj_size=0)")
        if getattr(rnn_layer, _DEFERRED_INPUT, False):
            _set_input_size(rnn_layer, vocab_size)
        elif rnn_layer.input_size != vocab_size:
            raise ValueError(f"rnn_layer.input_size ({rnn_layer.input_size}) must equal "
                             f"vocab_size ({vocab_size}): the inputs are one-hot vectors")
        self.rnn = rnn_layer
        self.kind = _layer_kind(rnn_layer)
        self.vocab_size = vocab_size
        self.num_hiddens = rnn_layer.hidden_size
        self.num_directions = 2 if rnn_layer.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, vocab_size)

    def _state_shape(self, batch_size):
        return (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)

    def forward(self, inputs, state):
        X = _check_tokens(inputs, self.vocab_size, "inputs")
        state = self._check_state(state, X.shape[0])
        X = F.one_hot(X.T, self.vocab_size).to(self.linear.weight.dtype)
        Y, state = self.rnn(X, state)
        # (num_steps, batch, hidden) -> (num_steps * batch, hidden): time-major rows, as in d2l.
        return self.linear(Y.reshape(-1, Y.shape[-1])), state

    def _check_state(self, state, batch_size):
        if state is None:  # PyTorch's layers start from zeros then
            return None
        parts = check_state(state, self._state_shape(batch_size), 2 if self.kind == "lstm" else 1,
                            bare=self.kind != "lstm", array_type=torch.Tensor)
        return tuple(parts) if self.kind == "lstm" else parts[0]

    def begin_state(self, batch_size=1, device=None):
        """Zero state: H of shape (layers * directions, batch, hidden), or (H, C) for an LSTM.

        ``begin_state(batch_size, device)`` or d2l-zh's ``(device, batch_size)`` (by type).
        """
        if isinstance(batch_size, (torch.device, str)):
            batch_size, device = (1 if device is None else device), batch_size
        check_positive_int(batch_size, "batch_size")
        if device is None:
            device = self.linear.weight.device
        H = torch.zeros(self._state_shape(batch_size), device=device)
        return (H, torch.zeros_like(H)) if self.kind == "lstm" else H

    def _canonical_tensors(self):
        named = dict(self.rnn.named_parameters())
        named["dense.weight"] = self.linear.weight
        named["dense.bias"] = self.linear.bias
        return named

    def get_numpy_params(self):
        """Parameters in the canonical (PyTorch) layout, name -> float32 numpy array."""
        return reference.numpy_params(self._canonical_tensors())

    def set_numpy_params(self, arrays):
        """Load parameters given in the canonical layout (see the module docstring)."""
        reference.load_params(self._canonical_tensors(), arrays, _assign)
        return self
