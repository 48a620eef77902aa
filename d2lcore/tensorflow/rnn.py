"""Recurrent language models in TensorFlow / Keras 3: from scratch (d2l 8.5) and concise (8.6).

``get_params``, ``init_rnn_state`` and ``rnn`` (the per-step loop; ``rnn_relu`` with
ReLU) are d2l 8.5's pieces; ``RNNModelScratch`` wires them with d2l-zh v2's TensorFlow
signature (the shared half: ``d2lcore.reference.ScratchPieces``), by default through
``d2lcore.tensorflow.fast``.

``RNNModel`` wraps Keras' own ``SimpleRNN`` / ``GRU`` / ``LSTM`` (Keras has no
``num_layers``: ``make_rnn_layer`` stacks several in a ``StackedRNN``) and a ``Dense``
output layer.  Its ``get_numpy_params`` / ``set_numpy_params`` translate the weights
to and from the canonical layout with ``d2lcore.reference_layers.to_keras`` /
``from_keras`` (transposes, the GRU's gate swap, the split bias: that module's table).
Bidirectional: Keras' ``Bidirectional`` (concat) around each layer, its ``forward_layer`` /
``backward_layer`` the canonical ``_l{k}`` / ``_l{k}_reverse`` arrays and state rows 2k / 2k+1.
"""

import numpy as np
import tensorflow as tf
from tensorflow import keras

from d2lcore import reference, reference_layers
from d2lcore.validate import check_bool, check_sizes, check_state, check_token_ids

from . import fast as fast_paths
from .utils import check_positive_int, device_scope, is_int

__all__ = ["get_params", "init_rnn_state", "rnn", "rnn_relu", "RNNModelScratch", "RNNModel",
           "StackedRNN", "make_rnn_layer", "RNN_KINDS"]

RNN_KINDS = reference_layers.KINDS


# ----------------------------------------------------------------------------- checks


def _check_tokens(X, vocab_size):
    """X as an int32 tensor (batch, num_steps) with ids in [0, vocab_size)."""
    if not tf.is_tensor(X) or tf.executing_eagerly():
        # A host copy of a small int matrix: cheaper than two reductions.
        check_token_ids(np.asarray(X), vocab_size)
    elif not X.dtype.is_integer or X.shape.rank != 2:  # traced: the values are not known yet
        raise ValueError(f"X must be a 2-D tensor of integer token ids (batch_size, num_steps), "
                         f"got {X.dtype.name} of shape {tuple(X.shape)}")
    return tf.cast(X, tf.int32)


# --------------------------------------------------------------- from scratch (d2l 8.5)


def get_params(vocab_size, num_hiddens, device=None, *, embed_size=None, seed=None):
    """The scratch model's parameters as ``tf.Variable`` s, in ``reference.param_names`` order.

    d2l's initialisation (``d2lcore.reference.param_specs``); with an int ``seed`` the
    values are ``reference.init_params``' (the same in every framework).  ``device`` is
    optional (d2l-zh's TensorFlow version has none).
    """
    vocab_size, num_hiddens, embed_size = check_sizes(vocab_size, num_hiddens, embed_size)
    if seed is not None and not is_int(seed):
        raise ValueError(f"seed must be None or an int, got {seed!r}")
    names = reference.param_names(embed_size)
    if seed is not None:
        values = reference.init_params(vocab_size, num_hiddens, int(seed), embed_size)
    else:
        specs = reference.param_specs(vocab_size, num_hiddens, embed_size)
        values = {name: tf.random.normal(shape, stddev=std, dtype=tf.float32) if std
                  else tf.zeros(shape) for name, (shape, std) in specs.items()}
    with device_scope(device):
        return [tf.Variable(values[name], name=name) for name in names]


def init_rnn_state(batch_size, num_hiddens, device=None):
    """The initial hidden state: a tuple ``(H,)`` with H zeros of shape (batch, hidden)."""
    check_positive_int(batch_size, "batch_size")
    check_positive_int(num_hiddens, "num_hiddens")
    with device_scope(device):
        return (tf.zeros((batch_size, num_hiddens)),)


def rnn(inputs, state, params):
    """d2l 8.5's RNN: inputs (num_steps, batch, num_inputs) -> outputs and the state ``(H,)``."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:  # X: one time step, (batch_size, num_inputs)
        H = tf.tanh(tf.matmul(X, W_xh) + tf.matmul(H, W_hh) + b_h)
        Y = tf.matmul(H, W_hq) + b_q
        outputs.append(Y)
    return tf.concat(outputs, axis=0), (H,)


def rnn_relu(inputs, state, params):
    """The same loop as ``rnn`` with ReLU in place of tanh."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = tf.nn.relu(tf.matmul(X, W_xh) + tf.matmul(H, W_hh) + b_h)
        Y = tf.matmul(H, W_hq) + b_q
        outputs.append(Y)
    return tf.concat(outputs, axis=0), (H,)


_LIBRARY_FORWARDS = {rnn: "tanh", rnn_relu: "relu"}
_library_get_params = get_params  # RNNModelScratch's argument of the same name hides it
_LIBRARY = (get_params, init_rnn_state, _LIBRARY_FORWARDS)  # for ScratchPieces._wire


def _assign(variable, array):
    """Copy a numpy array into a ``tf.Variable`` (``set_numpy_params``)."""
    variable.assign(array)


class RNNModelScratch(reference.ScratchPieces):
    """The RNN of d2l 8.5, with d2l-zh v2's TensorFlow signature plus keyword extensions.

    ``RNNModelScratch(vocab_size, num_hiddens, init_state, forward_fn, get_params)`` runs
    the user's functions as d2l does: ``get_params(vocab_size, num_hiddens)`` once,
    ``init_state(batch_size, num_hiddens)`` in ``begin_state``, ``forward_fn(one_hot_inputs,
    state, params)`` per call.  Left out (or this module's own), they are the library's, and
    the keyword-only ``activation``, ``embed_size``, ``seed`` and ``fast`` (here
    ``fast.scratch_forward``) apply: see ``d2lcore.reference.ScratchPieces``.  ``device``
    places the parameters (a device given third, PyTorch-style, is accepted too).
    """

    def __init__(self, vocab_size, num_hiddens, init_state=None, forward_fn=None,
                 get_params=None, *, device=None, activation=None, embed_size=None, seed=None,
                 fast=True):
        if init_state is not None and not callable(init_state):
            # RNNModelScratch(vocab_size, num_hiddens, device): the PyTorch book's order.
            if forward_fn is not None or get_params is not None or device is not None:
                raise TypeError("init_state must be callable; in TensorFlow the order is "
                                "(vocab_size, num_hiddens, init_state, forward_fn, get_params)")
            init_state, device = None, init_state
        own_params = self._wire(_LIBRARY, vocab_size, num_hiddens, get_params, init_state,
                                forward_fn, activation=activation, embed_size=embed_size,
                                seed=seed, fast=fast)
        self.device = device
        if own_params:
            self.params = list(get_params(vocab_size, num_hiddens))
        else:
            self.params = _library_get_params(vocab_size, num_hiddens, device,
                                              embed_size=embed_size, seed=seed)
        self._fast_forward = tf.function(fast_paths.scratch_forward) if self.fast else None

    @property
    def trainable_variables(self):
        """d2l-zh's TensorFlow name for the parameter list."""
        return self.params

    def __call__(self, X, state):
        """Outputs (num_steps * batch, vocab_size), time-major like d2l, and the new state."""
        X = _check_tokens(X, self.vocab_size)
        if self.library_pieces:
            state = tuple(_check_state(state, (X.shape[0], self.num_hiddens)))
        if self.fast:
            return self._fast_forward(X, state, self.params, self.activation)
        if self.embed_size:  # rows of W_emb replace the one-hot vectors
            inputs, params = tf.gather(self.params[0], tf.transpose(X)), self.params[1:]
        else:
            inputs, params = tf.one_hot(tf.transpose(X), self.vocab_size), self.params
        if not tf.executing_eagerly():  # a traced graph cannot loop over a tensor: use a list
            inputs = tf.unstack(inputs)
        return self.forward_fn(inputs, state, params)

    def begin_state(self, batch_size=1, device=None, dtype=None):
        """The initial state for ``batch_size`` sequences (``dtype`` accepted, as d2l passes it)."""
        check_positive_int(batch_size, "batch_size")
        if self.init_state is not init_rnn_state:
            return self.init_state(batch_size, self.num_hiddens)  # d2l's TensorFlow call
        return init_rnn_state(batch_size, self.num_hiddens, device or self.device)

    _assign = staticmethod(_assign)  # set_numpy_params' copy into one parameter


def _check_state(state, shape, count=1, bare=False):
    """The state's tensors as float32, after the core's check of their number and shapes."""
    return [tf.cast(tf.convert_to_tensor(H), tf.float32)
            for H in check_state(state, shape, count, bare)]


# ------------------------------------------------------------------- concise (d2l 8.6)


_LAYER_CLASSES = {"rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU,
                  "lstm": keras.layers.LSTM}


class StackedRNN(keras.layers.Layer):
    """``num_layers`` Keras recurrent layers of one kind, each feeding the next.

    Keras layers have no ``num_layers`` (PyTorch's and Gluon's do); ``RNNModel``
    runs the layers of a stack one after the other with one state per layer.
    """

    def __init__(self, kind, num_hiddens, num_layers, bidirectional=False, **kwargs):
        super().__init__(**kwargs)
        reference_layers.check_kind(kind)
        check_positive_int(num_hiddens, "num_hiddens")
        check_positive_int(num_layers, "num_layers")
        self.kind, self.units, self.num_layers = kind, num_hiddens, num_layers
        self.rnn_layers = [_keras_layer(kind, num_hiddens, bidirectional)
                           for _ in range(num_layers)]

    def call(self, inputs, initial_state=None):
        """Batch-major inputs -> ``[outputs, per-layer states]`` (like a Keras layer's list)."""
        states = initial_state or [None] * self.num_layers
        finals = []
        for layer, state in zip(self.rnn_layers, states, strict=True):
            inputs, *final = layer(inputs, initial_state=state)
            finals.append(final)
        return [inputs, finals]


def _keras_layer(kind, num_hiddens, bidirectional=False):
    extra = {"reset_after": True} if kind == "gru" else {}
    layer = _LAYER_CLASSES[kind](num_hiddens, return_sequences=True, return_state=True, **extra)
    reference_layers.directions(bidirectional)  # a TypeError unless a bool
    return keras.layers.Bidirectional(layer) if bidirectional else layer


def make_rnn_layer(kind, num_hiddens, num_layers=1, bidirectional=False):
    """A recurrent layer for ``RNNModel``: kind 'rnn', 'gru' or 'lstm', one or more layers.

    One layer is Keras' own ``SimpleRNN`` / ``GRU`` / ``LSTM`` with
    ``return_sequences=True, return_state=True``; more are a ``StackedRNN``.  With
    ``bidirectional=True`` each layer is wrapped in ``keras.layers.Bidirectional``.
    """
    reference_layers.check_kind(kind)
    check_positive_int(num_hiddens, "num_hiddens")
    check_positive_int(num_layers, "num_layers")
    if num_layers == 1:
        return _keras_layer(kind, num_hiddens, bidirectional)
    return StackedRNN(kind, num_hiddens, num_layers, bidirectional)


def _directions(layer):
    """A layer's Keras RNN per direction: [layer], or a Bidirectional's [forward, backward]."""
    if isinstance(layer, keras.layers.Bidirectional) and layer.merge_mode == "concat":
        return [layer.forward_layer, layer.backward_layer]
    return [layer]  # anything else: _layer_kind says what fits


def _layer_kind(layer, backwards=False):
    """'rnn', 'gru' or 'lstm' for a Keras recurrent layer, or a ValueError saying what fits."""
    cell = getattr(layer, "cell", None)
    kinds = ((keras.layers.SimpleRNNCell, "rnn"), (keras.layers.GRUCell, "gru"),
             (keras.layers.LSTMCell, "lstm"))
    kind = next((k for cls, k in kinds if isinstance(cell, cls)), None)
    if kind is None:
        raise ValueError("rnn_layer must be a Keras SimpleRNN, GRU or LSTM layer (or "
                         "keras.layers.RNN over one of their cells, or Bidirectional(one of "
                         "them) with merge_mode='concat'), or make_rnn_layer(...); "
                         f"got {type(layer).__name__}")
    if not (layer.return_sequences and layer.return_state):
        raise ValueError("rnn_layer must be built with return_sequences=True and "
                         "return_state=True (RNNModel needs every step's output and the state)")
    if layer.go_backwards != backwards:  # only a Bidirectional's backward_layer reads backwards
        raise ValueError("rnn_layer must not use go_backwards=True")
    if kind == "gru" and not cell.reset_after:
        raise ValueError("a GRU rnn_layer needs reset_after=True (Keras 3's default): the "
                         "reset_after=False variant has no counterpart in the canonical layout")
    if not cell.use_bias:
        raise ValueError("rnn_layer must use biases (use_bias=True)")
    return kind


class RNNModel(keras.layers.Layer):
    """The concise RNN language model of d2l 8.6: one-hot -> Keras RNN layer(s) -> Dense.

    ``RNNModel(rnn_layer, vocab_size)`` as in d2l-zh.  d2l-zh's own TensorFlow
    code builds ``tf.keras.layers.RNN(cell, time_major=True, ...)`` and calls
    ``cell.get_initial_state(batch_size=..., dtype=...)``: Keras 3 removed
    ``time_major`` (the constructor raises) and changed ``get_initial_state``,
    so here the layer is batch-major (``make_rnn_layer``, or any Keras
    SimpleRNN/GRU/LSTM with ``return_sequences=True, return_state=True``),
    inputs are transposed inside, and ``begin_state`` builds the zeros itself.

    ``net(X, state)`` returns d2l's time-major outputs and the state, H (num_layers *
    directions, batch, hidden) or an LSTM's ``(H, C)``.  ``fast=True`` (opt-in) runs plain
    ``SimpleRNN`` layers through ``fast.simple_rnn_layers``; GRU and LSTM run Keras'.
    """

    def __init__(self, rnn_layer, vocab_size, *, fast=False, **kwargs):
        super().__init__(**kwargs)
        check_positive_int(vocab_size, "vocab_size")
        check_bool(fast, "fast")
        layers = rnn_layer.rnn_layers if isinstance(rnn_layer, StackedRNN) else [rnn_layer]
        directed = [_directions(layer) for layer in layers]  # per layer, one RNN per direction
        kinds = {_layer_kind(rnn, backwards=d == 1) for rnns in directed
                 for d, rnn in enumerate(rnns)}
        sizes = {rnn.cell.units for rnns in directed for rnn in rnns}
        if len(kinds) != 1 or len(sizes) != 1 or len({len(rnns) for rnns in directed}) != 1:
            raise ValueError("the layers of rnn_layer must share one kind, one size and "
                             "one number of directions")
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.kind, self.num_hiddens, self.num_layers = kinds.pop(), sizes.pop(), len(layers)
        self.num_directions = len(directed[0])
        self._rnn_layers, self._directed = layers, directed
        self.dense = keras.layers.Dense(vocab_size)
        for k, (layer, (rnn, *_)) in enumerate(zip(layers, directed, strict=True)):
            num_inputs = vocab_size if k == 0 else self.num_hiddens * self.num_directions
            if not layer.built:
                layer.build((None, None, num_inputs))
            elif rnn.cell.kernel.shape[0] != num_inputs:
                raise ValueError(f"rnn_layer was already built for {rnn.cell.kernel.shape[0]} "
                                 f"inputs per step, but layer {k} gets {num_inputs} (one-hot "
                                 "vectors of vocab_size for the first layer)")
        self.dense.build((None, self.num_hiddens * self.num_directions))
        self.built = True
        self.fast = fast and self.kind == "rnn" and all(
            len(rnns) == 1 and self._plain_simple_rnn(rnns[0]) for rnns in directed)
        # Per single-bias layer (RNN, LSTM): the canonical (bias_ih, bias_hh) it was loaded with.
        self._bias_split = {}
        self._compiled = None

    @staticmethod
    def _plain_simple_rnn(layer):
        cell = layer.cell
        activation = getattr(cell.activation, "__name__", "")
        return (activation in reference.ACTIVATIONS and cell.dropout == 0
                and cell.recurrent_dropout == 0 and not layer.stateful)

    def call(self, inputs, state):
        X = _check_tokens(inputs, self.vocab_size)
        shape = (self.num_layers * self.num_directions, X.shape[0], self.num_hiddens)
        # The state's parts, (H,) or an LSTM's (H, C), each (layers * directions, batch, hidden).
        parts = tuple(_check_state(state, shape, 2) if self.kind == "lstm"
                      else _check_state(state, shape, bare=True))
        if tf.executing_eagerly():  # one traced graph per input shape, e.g. in predict_ch8
            if self._compiled is None:
                self._compiled = tf.function(self._forward)
            return self._compiled(X, parts)
        return self._forward(X, parts)

    def _forward(self, X, parts):
        D, P = self.num_directions, len(parts)  # layer k's states: rows k*D .. k*D+D-1
        per_layer = [[part[k * D + d] for d in range(D) for part in parts]
                     for k in range(self.num_layers)]
        if self.fast:
            Y, finals = fast_paths.simple_rnn_layers(self._rnn_layers, X, per_layer)
        else:
            Y = tf.one_hot(X, self.vocab_size, dtype=tf.float32)  # batch-major for Keras
            finals = []
            for layer, layer_state in zip(self._rnn_layers, per_layer, strict=True):
                Y, *final = layer(Y, initial_state=layer_state)
                finals.extend(final[d * P:(d + 1) * P] for d in range(D))  # one row per direction
            Y = tf.transpose(Y, (1, 0, 2))  # time-major rows, like d2l
        output = self.dense(tf.reshape(Y, (-1, self.num_hiddens * D)))
        parts = [tf.stack(part) for part in zip(*finals)]  # each part over the layers
        return output, tuple(parts) if self.kind == "lstm" else parts[0]

    def begin_state(self, batch_size=1, device=None, dtype=tf.float32):
        """Zeros of shape (num_layers * directions, batch, hidden); a pair (H, C) for an LSTM."""
        check_positive_int(batch_size, "batch_size")
        shape = (self.num_layers * self.num_directions, batch_size, self.num_hiddens)
        with device_scope(device):
            H = tf.zeros(shape, dtype=dtype)
            return (H, tf.zeros_like(H)) if self.kind == "lstm" else H

    def _canonical_cells(self):
        """(canonical names of the four arrays, Keras cell) per layer and direction."""
        suffixes = reference_layers.directions(self.num_directions == 2)
        return [(reference_layers.layer_names(k, suffix), rnn.cell)
                for k, rnns in enumerate(self._directed)
                for suffix, rnn in zip(suffixes, rnns, strict=True)]

    @property
    def params(self):
        return self.trainable_variables

    def get_numpy_params(self):
        """The weights as a dict in the canonical (PyTorch) layout (``reference_layers``)."""
        out = {}
        for names, cell in self._canonical_cells():
            arrays = reference_layers.from_keras(self.kind, cell.kernel.numpy(),
                                                 cell.recurrent_kernel.numpy(),
                                                 cell.bias.numpy(), self._bias_split.get(names))
            out.update(zip(names, arrays, strict=True))
        out["dense.weight"] = self.dense.kernel.numpy().T
        out["dense.bias"] = self.dense.bias.numpy()
        return {name: np.ascontiguousarray(v, dtype=np.float32) for name, v in out.items()}

    def set_numpy_params(self, params):
        """Load weights given in the canonical (PyTorch) layout; returns the model."""
        shapes = reference_layers.param_shapes(self.kind, self.vocab_size, self.num_hiddens,
                                               self.num_layers, self.num_directions == 2)
        p = reference.check_param_arrays(shapes, params)
        for names, cell in self._canonical_cells():
            kernel, recurrent, bias = reference_layers.to_keras(self.kind, *(p[n] for n in names))
            if self.kind != "gru":  # remember the split of the single Keras bias
                self._bias_split[names] = (p[names[2]].copy(), p[names[3]].copy())
            cell.kernel.assign(kernel)
            cell.recurrent_kernel.assign(recurrent)
            cell.bias.assign(bias)
        self.dense.kernel.assign(p["dense.weight"].T)
        self.dense.bias.assign(p["dense.bias"])
        return self
