"""Recurrent language models in MXNet/Gluon: from scratch (d2l 8.5) and concise (d2l 8.6).

``get_params``, ``init_rnn_state`` and ``rnn`` (the per-step loop; ``rnn_relu`` with
ReLU) are d2l 8.5's pieces in ``mxnet.np`` (d2l-zh's ``from mxnet import np, npx``);
``RNNModelScratch`` wires them (the shared half: ``d2lcore.reference.ScratchPieces``),
by default through MXNet's fused RNN kernel (``d2lcore.mxnet.fast``).

``RNNModel`` wraps Gluon's ``rnn.RNN`` / ``GRU`` / ``LSTM``.  Their arrays
``l{k}_i2h_weight``, ``l{k}_h2h_weight``, ``l{k}_i2h_bias``, ``l{k}_h2h_bias`` are the
canonical (``d2lcore.reference_layers``) ``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}`` as they are: same shapes, gate order and GRU
variant; a bidirectional layer's ``r{k}_...`` are the canonical ``..._l{k}_reverse``.
The ``nn.Dense`` output layer's ``weight`` / ``bias`` are ``dense.*``.
"""

import mxnet as mx
import numpy as onp
from mxnet import gluon, np, npx
from mxnet.gluon import nn
from mxnet.gluon import rnn as grnn

from .. import reference, reference_layers
from ..validate import check_positive_int, check_sizes, check_state, check_token_ids
from . import fast as fast_paths
from .utils import try_gpu

__all__ = ["get_params", "init_rnn_state", "rnn", "rnn_relu", "RNNModelScratch", "RNNModel",
           "make_rnn_layer", "RNN_KINDS"]

RNN_KINDS = reference_layers.KINDS
# Fixed buffers and shapes: the graph is rebuilt only when the input shape changes.
_HYBRID_FLAGS = {"static_alloc": True, "static_shape": True}


# ----------------------------------------------------------------------------- checks


def _device(device):
    """``device=None`` means ``try_gpu()``, as in every framework."""
    return try_gpu() if device is None else device


def _check_tokens(X, vocab_size):
    """X as an mx.np integer-valued array (batch, steps), checked against the vocabulary."""
    if not isinstance(X, np.ndarray):
        try:
            X = np.array(onp.asarray(X))
        except (TypeError, ValueError) as err:
            raise ValueError(f"X must be a 2-D array of token ids, got {type(X).__name__}") from err
    # asnumpy: tiny and already computed, a cheap wait.  mx.np makes float32 by default.
    check_token_ids(X.asnumpy(), vocab_size, whole_floats=True)
    return X


def _as_array(H):
    return H if isinstance(H, np.ndarray) else np.array(onp.asarray(H, onp.float32))


# --------------------------------------------------------------- from scratch (d2l 8.5)


def get_params(vocab_size, num_hiddens, device=None, *, embed_size=None, seed=None):
    """The scratch parameters [W_xh, W_hh, b_h, W_hq, b_q] (W_emb first with an embedding).

    d2l's initialisation (``d2lcore.reference.param_specs``); with ``seed`` the values
    are ``reference.init_params``' (the same in every framework); each gets ``.grad``.
    """
    vocab_size, num_hiddens, embed_size = check_sizes(vocab_size, num_hiddens, embed_size)
    device = _device(device)
    names = reference.param_names(embed_size)
    if seed is not None:
        values = reference.init_params(vocab_size, num_hiddens, seed, embed_size)
        params = [np.array(values[name], ctx=device) for name in names]
    else:
        specs = reference.param_specs(vocab_size, num_hiddens, embed_size).values()
        params = [np.random.normal(0, std, size=shape, ctx=device) if std
                  else np.zeros(shape, ctx=device) for shape, std in specs]
    for param in params:
        param.attach_grad()
    return params


def init_rnn_state(batch_size, num_hiddens, device=None):
    """The initial hidden state: a one-element tuple (H,) of zeros (batch_size, num_hiddens)."""
    batch_size = check_positive_int(batch_size, "batch_size")
    num_hiddens = check_positive_int(num_hiddens, "num_hiddens")
    return (np.zeros((batch_size, num_hiddens), ctx=_device(device)),)


def rnn(inputs, state, params):
    """d2l 8.5's RNN: inputs (num_steps, batch, num_inputs) -> outputs and the state ``(H,)``."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:  # X: one time step, (batch_size, num_inputs)
        H = np.tanh(np.dot(X, W_xh) + np.dot(H, W_hh) + b_h)
        Y = np.dot(H, W_hq) + b_q
        outputs.append(Y)
    return np.concatenate(outputs, axis=0), (H,)


def rnn_relu(inputs, state, params):
    """The same loop as ``rnn`` with ReLU in place of tanh."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = npx.relu(np.dot(X, W_xh) + np.dot(H, W_hh) + b_h)
        Y = np.dot(H, W_hq) + b_q
        outputs.append(Y)
    return np.concatenate(outputs, axis=0), (H,)


_LIBRARY_FORWARDS = {rnn: "tanh", rnn_relu: "relu"}
_library_get_params = get_params  # RNNModelScratch's argument of the same name hides it
_LIBRARY = (get_params, init_rnn_state, _LIBRARY_FORWARDS)  # for ScratchPieces._wire


def _assign(target, array):
    """Copy a numpy array into a parameter in place (``set_numpy_params``)."""
    target[:] = np.array(array, ctx=target.ctx)


class RNNModelScratch(reference.ScratchPieces):
    """An RNN language model from scratch (d2l-zh 8.5's class, same positional signature).

    ``get_params``, ``init_state`` and ``forward_fn`` default to this module's
    ``get_params``, ``init_rnn_state`` and ``rnn`` (or ``rnn_relu``); pass your
    own to use them exactly as d2l does.  The keyword-only ``activation``,
    ``embed_size``, ``seed`` and ``fast`` (here ``fast.FusedScratch``, MXNet's fused
    kernel, hybridized) apply to the library pieces only: see
    ``d2lcore.reference.ScratchPieces``.
    """

    def __init__(self, vocab_size, num_hiddens, device=None, get_params=None, init_state=None,
                 forward_fn=None, *, activation=None, embed_size=None, seed=None, fast=True):
        own_params = self._wire(_LIBRARY, vocab_size, num_hiddens, get_params, init_state,
                                forward_fn, activation=activation, embed_size=embed_size,
                                seed=seed, fast=fast)
        self.device = _device(device)
        if own_params:
            self.params = get_params(self.vocab_size, self.num_hiddens, self.device)
        else:
            self.params = _library_get_params(self.vocab_size, self.num_hiddens, self.device,
                                              embed_size=self.embed_size, seed=seed)
        if self.fast:
            self._fused = fast_paths.FusedScratch(self.vocab_size, self.num_hiddens,
                                                  self.activation, self.embed_size)

    def __call__(self, X, state):
        X = _check_tokens(X, self.vocab_size)
        if self.library_pieces:
            state = tuple(_as_array(H) for H in check_state(state, (X.shape[0], self.num_hiddens)))
        if self.fast:
            outputs, H = self._fused(X, state[0], *self.params)
            return outputs, (H,)
        if self.embed_size:  # rows of W_emb replace the one-hot vectors
            inputs = np.take(self.params[0], X.T, axis=0)
            return self.forward_fn(inputs, state, self.params[1:])
        return self.forward_fn(npx.one_hot(X.T, self.vocab_size), state, self.params)

    def begin_state(self, batch_size, device=None, ctx=None):
        """Zero state for ``batch_size`` sequences (d2l-zh MXNet passes ``ctx=``)."""
        device = device if device is not None else ctx
        return self.init_state(batch_size, self.num_hiddens,
                               self.device if device is None else device)

    _assign = staticmethod(_assign)  # set_numpy_params' copy into one parameter


# ------------------------------------------------------------------- concise (d2l 8.6)


def make_rnn_layer(kind, num_hiddens, num_layers=1, bidirectional=False):
    """A Gluon ``rnn.RNN``, ``rnn.GRU`` or ``rnn.LSTM`` layer, time-major ('TNC').

    The RNN uses tanh like PyTorch, Keras and d2l's other frameworks; note that
    Gluon's own ``rnn.RNN`` defaults to ReLU.
    """
    reference_layers.check_kind(kind)
    num_hiddens = check_positive_int(num_hiddens, "num_hiddens")
    num_layers = check_positive_int(num_layers, "num_layers")
    reference_layers.directions(bidirectional)  # a TypeError unless a bool
    extra = {"activation": "tanh"} if kind == "rnn" else {}
    layer_cls = {"rnn": grnn.RNN, "gru": grnn.GRU, "lstm": grnn.LSTM}[kind]
    return layer_cls(num_hiddens, num_layers=num_layers, bidirectional=bidirectional, **extra)


def _layer_kind(layer):
    for kind, cls in (("lstm", grnn.LSTM), ("gru", grnn.GRU), ("rnn", grnn.RNN)):
        if isinstance(layer, cls):
            return kind
    raise TypeError("rnn_layer must be a gluon.rnn.RNN, GRU or LSTM layer, "
                    f"got {type(layer).__name__}")


@mx.util.use_np
class RNNModel(gluon.HybridBlock):
    """d2l 8.6's ``RNNModel(rnn_layer, vocab_size)``: one-hot inputs, a Gluon layer, a dense layer.

    Unlike d2l's ``nn.Block`` it is a ``HybridBlock``, hybridized unless ``hybridize=False``,
    and initialised on creation with d2l's ``init.Normal(0.01)`` (what d2l's ``train_ch8``
    uses); ``initialize()`` without an ``init`` re-draws with the same one.
    """

    def __init__(self, rnn_layer, vocab_size, *, hybridize=True, device=None, **kwargs):
        super().__init__(**kwargs)
        self.kind = _layer_kind(rnn_layer)
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.num_hiddens = rnn_layer._hidden_size
        self.num_layers = rnn_layer._num_layers
        self.num_directions = rnn_layer._dir
        self._suffixes = reference_layers.directions(self.num_directions == 2)
        with self.name_scope():
            self.rnn = rnn_layer
            self.dense = nn.Dense(self.vocab_size, in_units=self.num_hiddens * rnn_layer._dir)
        # The first layer's input size is the vocabulary: fix it so no shape is deferred.
        for name, param in self.rnn.collect_params().items():
            if name[len(self.rnn.prefix):] in ("l0_i2h_weight", "r0_i2h_weight") \
                    and param.shape[-1] in (0, -1):
                param.shape = (param.shape[0], self.vocab_size)
        self.initialize(ctx=_device(device))
        if hybridize:
            self.hybridize(**_HYBRID_FLAGS)

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):  # noqa: A002
        """Gluon's initialize with d2l's Normal(0.01) as the default; skips initialised arrays."""
        init = mx.init.Normal(0.01) if init is None else init
        for param in self.collect_params().values():
            if force_reinit or param._data is None:
                param.initialize(init=init, ctx=ctx, force_reinit=True)

    def hybrid_forward(self, F, inputs, state):
        X = F.npx.one_hot(F.np.transpose(inputs), self.vocab_size)
        Y, state = self.rnn(X, state)
        # (steps, batch, hidden) -> (steps * batch, hidden): time-major rows, as in d2l.
        output = self.dense(Y.reshape(-1, self.num_hiddens * self.num_directions))
        return output, state

    def forward(self, inputs, state):
        inputs = _check_tokens(inputs, self.vocab_size)
        state = self._check_state(state, inputs.shape[0])
        return super().forward(inputs, state)

    def _check_state(self, state, batch_size):
        shape = (self.num_layers * self.num_directions, batch_size, self.num_hiddens)
        return check_state(state, shape,
                           2 if self.kind == "lstm" else 1, bare=self.kind != "lstm")

    def begin_state(self, batch_size=1, device=None, ctx=None, **kwargs):
        """The layer's zero state: [H] or an LSTM's [H, C], each (layers * dirs, batch, hidden)."""
        batch_size = check_positive_int(batch_size, "batch_size")
        device = device if device is not None else ctx
        return self.rnn.begin_state(batch_size=batch_size, ctx=_device(device), **kwargs)

    def _canonical_targets(self):
        """dict canonical name -> the Gluon parameter's data array (no transposes needed)."""
        params = self.rnn.collect_params()
        by_suffix = {name[len(self.rnn.prefix):]: p for name, p in params.items()}
        targets = {}
        for k in range(self.num_layers):
            for suffix in self._suffixes:  # Gluon: l{k}_ forward, r{k}_ reverse
                gluon = ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")
                for canon, name in zip(reference_layers.layer_names(k, suffix), gluon, strict=True):
                    targets[canon] = by_suffix[f"{'r' if suffix else 'l'}{k}_{name}"].data()
        targets["dense.weight"] = self.dense.weight.data()
        targets["dense.bias"] = self.dense.bias.data()
        return targets

    def get_numpy_params(self):
        """dict in the canonical PyTorch layout -> float32 numpy arrays."""
        return reference.numpy_params(self._canonical_targets())

    def set_numpy_params(self, params):
        """Load a canonical-layout dict (see the module docstring) into the Gluon arrays."""
        reference.load_params(self._canonical_targets(), params, _assign)
        return self
