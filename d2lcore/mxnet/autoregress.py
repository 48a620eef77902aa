"""Autoregressive models of the noisy sine (d2l 8.1), in MXNet/Gluon.

The models, their training and one forward pass; the rest is ``d2lcore.sine``'s.
"""

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, init, np
from mxnet.gluon import nn
from mxnet.gluon import rnn as grnn

from .. import sine
from ..validate import check_positive_int

__all__ = ["get_net", "train_autoregressor", "predict_multistep", "predict_k_step",
           "RNNAutoregressor"]


def get_net(num_inputs=4, num_hiddens=10, *, seed=None):
    """d2l's MLP: Dense(tau -> 10, ReLU), Dense(10 -> 1), Xavier-initialised."""
    check_positive_int(num_inputs, "num_inputs")
    check_positive_int(num_hiddens, "num_hiddens")
    if seed is not None:
        mx.random.seed(seed)
    net = nn.Sequential()
    net.add(nn.Dense(num_hiddens, activation="relu", in_units=num_inputs),
            nn.Dense(1, in_units=num_hiddens))
    net.initialize(init.Xavier())
    return net


@mx.util.use_np
class RNNAutoregressor(nn.Block):
    """A one-layer RNN that reads a window of ``tau`` values and predicts the next one."""

    def __init__(self, num_hiddens=16, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_positive_int(num_hiddens, "num_hiddens")
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
        return self.dense(outputs[-1])  # read out the state after the last value


def train_autoregressor(net, features, labels, epochs=5, lr=0.01, batch_size=16, n_train=600,
                        seed=None, *, verbose=False):
    """Train on the first ``n_train`` windows with Adam and squared loss, as d2l 8.1.

    Returns the training MSE after each epoch (``verbose`` prints it); ``seed`` fixes batches.
    """
    features, labels = sine.check_training_data(net, features, labels, epochs, lr, batch_size,
                                                n_train, seed)
    X, y = np.array(features[:n_train]), np.array(labels[:n_train])
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr})
    order_rng = onp.random.RandomState(seed)
    losses = []
    for epoch in range(epochs):
        order = order_rng.permutation(n_train)
        for start in range(0, n_train, batch_size):
            idx = np.array(order[start:start + batch_size], dtype="int64")
            with autograd.record():
                l = ((net(np.take(X, idx, axis=0)) - np.take(y, idx, axis=0)) ** 2).mean()
            l.backward()
            trainer.step(1)  # the loss is already a mean
        losses.append(float(((net(X) - y) ** 2).mean()))
        if verbose:
            print(f"epoch {epoch + 1}, loss: {losses[-1]:f}")
    return losses


def _predict(net, windows):
    """One forward pass: float32 numpy windows (n, tau) -> the n predictions (numpy)."""
    return net(np.array(windows)).asnumpy().reshape(-1)


# The multistep and k-step loops are the core's (d2lcore.sine), around _predict.
predict_multistep, predict_k_step = sine.bind_predictions(_predict, __name__)
