"""Autoregressive models of the noisy sine (d2l 8.1) in MXNet/Gluon.

The data (``make_sine``, ``ar_features``, ``k_step_targets``) come from
``d2lcore.sine``; here are the models, their training and the one-step,
multi-step and k-step predictions.
"""

import numbers

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, init, np
from mxnet.gluon import nn
from mxnet.gluon import rnn as grnn

from ..sine import k_step_targets

__all__ = ["get_net", "train_autoregressor", "predict_multistep", "predict_k_step",
           "RNNAutoregressor"]


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def get_net(num_inputs=4, num_hiddens=10, *, seed=None):
    """d2l 8.1's MLP: tau=4 inputs -> 10 ReLU units -> 1 output, Xavier-initialised."""
    num_inputs = _check_int("num_inputs", num_inputs, 1)
    num_hiddens = _check_int("num_hiddens", num_hiddens, 1)
    if seed is not None:
        mx.random.seed(seed)
    net = nn.Sequential()
    net.add(nn.Dense(num_hiddens, activation="relu", in_units=num_inputs),
            nn.Dense(1, in_units=num_hiddens))
    net.initialize(init.Xavier())
    return net


@mx.util.use_np
class RNNAutoregressor(nn.Block):
    """A one-layer RNN that reads a window (batch, tau) one value per step and
    predicts the next value from its last hidden state: (batch, tau) -> (batch, 1)."""

    def __init__(self, num_hiddens=16, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        num_hiddens = _check_int("num_hiddens", num_hiddens, 1)
        with self.name_scope():
            self.rnn = grnn.RNN(num_hiddens, input_size=1, activation="tanh")
            self.dense = nn.Dense(1, in_units=num_hiddens)
        if seed is not None:
            mx.random.seed(seed)
        self.initialize(init.Xavier())

    def forward(self, windows):
        steps = np.expand_dims(windows.T, -1)  # (tau, batch, 1), time-major
        state = self.rnn.begin_state(batch_size=windows.shape[0], ctx=windows.ctx)
        outputs, _ = self.rnn(steps, state)
        return self.dense(outputs[-1])


def _as_array(x, name):
    x = x.asnumpy() if hasattr(x, "asnumpy") else onp.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {x.shape}")
    return x.astype(onp.float32)


def train_autoregressor(net, features, labels, epochs=5, lr=0.01, batch_size=16, n_train=600,
                        seed=None):
    """Adam on the mean squared error over the first ``n_train`` examples (d2l 8.1).

    Returns the training loss (MSE over those examples) after each epoch.
    ``seed`` fixes the minibatch order.
    """
    features, labels = _as_array(features, "features"), _as_array(labels, "labels")
    if len(features) != len(labels):
        raise ValueError(f"features and labels must have the same length, got "
                         f"{len(features)} and {len(labels)}")
    epochs = _check_int("epochs", epochs, 1)
    batch_size = _check_int("batch_size", batch_size, 1)
    n_train = _check_int("n_train", n_train, 1)
    if n_train > len(features):
        raise ValueError(f"n_train must be at most len(features) = {len(features)}, "
                         f"got {n_train}")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    X, y = np.array(features[:n_train]), np.array(labels[:n_train])
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr})
    order_rng = onp.random.RandomState(seed)
    losses = []
    for _ in range(epochs):
        order = order_rng.permutation(n_train)
        for start in range(0, n_train, batch_size):
            idx = np.array(order[start:start + batch_size], dtype="int64")
            with autograd.record():
                l = ((net(np.take(X, idx, axis=0)) - np.take(y, idx, axis=0)) ** 2).mean()
            l.backward()
            trainer.step(1)  # the loss is already a mean
        losses.append(float(((net(X) - y) ** 2).mean()))
    return losses


def predict_multistep(net, x, tau, n_start):
    """Observed values up to ``n_start``, then each value predicted from the previous
    ``tau`` predictions (d2l's ``multistep_preds``, with n_start = n_train + tau)."""
    x = onp.asarray(x.asnumpy() if hasattr(x, "asnumpy") else x, dtype=onp.float32)
    tau = _check_int("tau", tau, 1)
    n_start = _check_int("n_start", n_start, tau)
    if n_start > len(x):
        raise ValueError(f"n_start must be at most len(x) = {len(x)}, got {n_start}")
    preds = onp.zeros(len(x), dtype=onp.float32)
    preds[:n_start] = x[:n_start]
    for i in range(n_start, len(x)):
        window = np.array(preds[i - tau:i].reshape(1, -1))
        preds[i] = float(net(window).reshape(-1)[0])
    return preds


def predict_k_step(net, x, tau, max_steps):
    """d2l's k-step matrix: columns 0..tau-1 observed, column tau+k-1 the k-step predictions."""
    tau = _check_int("tau", tau, 1)
    max_steps = _check_int("max_steps", max_steps, 1)
    x = onp.asarray(x.asnumpy() if hasattr(x, "asnumpy") else x, dtype=onp.float32)
    n, observed = k_step_targets(x, tau, max_steps)
    features = onp.zeros((n, tau + max_steps), dtype=onp.float32)
    features[:, :tau] = observed
    for i in range(tau, tau + max_steps):
        window = np.array(features[:, i - tau:i])
        features[:, i] = net(window).asnumpy().reshape(-1)
    return features
