"""Autoregressive models of the noisy sine (d2l 8.1) in Keras 3.

``get_net`` is d2l's MLP on the last ``tau = 4`` observations; ``RNNAutoregressor``
reads the same window with a small recurrent layer instead.  Both map a
(batch, tau) window to a (batch, 1) prediction, so ``train_autoregressor``,
``predict_multistep`` and ``predict_k_step`` work with either.  The data come
from ``d2lcore.sine`` (``make_sine``, ``ar_features``).
"""

import numpy as np
import tensorflow as tf
from tensorflow import keras

from d2lcore.sine import k_step_targets

from .utils import check_positive_int, check_positive_number, is_int

__all__ = ["get_net", "train_autoregressor", "predict_multistep", "predict_k_step",
           "RNNAutoregressor"]


def _xavier(seed, offset):
    return keras.initializers.GlorotUniform(seed=None if seed is None else seed + offset)


def get_net(num_inputs=4, num_hiddens=10, *, seed=None):
    """d2l's MLP: tau = 4 inputs -> 10 ReLU units -> 1 output, Xavier (Glorot) initialised."""
    check_positive_int(num_inputs, "num_inputs")
    check_positive_int(num_hiddens, "num_hiddens")
    return keras.Sequential([
        keras.Input((num_inputs,)),
        keras.layers.Dense(num_hiddens, activation="relu", kernel_initializer=_xavier(seed, 0)),
        keras.layers.Dense(1, kernel_initializer=_xavier(seed, 1)),
    ])


class RNNAutoregressor(keras.Model):
    """A one-layer SimpleRNN over the window (one value per step) and a Dense read-out."""

    def __init__(self, num_hiddens=16, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_positive_int(num_hiddens, "num_hiddens")
        self.num_hiddens = num_hiddens
        self.rnn = keras.layers.SimpleRNN(num_hiddens, kernel_initializer=_xavier(seed, 0),
                                          recurrent_initializer=keras.initializers.Orthogonal(
                                              seed=None if seed is None else seed + 2))
        self.dense = keras.layers.Dense(1, kernel_initializer=_xavier(seed, 1))

    def call(self, x):
        x = tf.convert_to_tensor(x, dtype=tf.float32)
        if x.shape.rank != 2:
            raise ValueError(f"x must be 2-D (batch, tau), got shape {tuple(x.shape)}")
        return self.dense(self.rnn(x[:, :, None]))  # each step sees one observation


def _check_window_net(net):
    if not callable(net):
        raise TypeError(f"net must be a callable model, got {type(net).__name__}")


def train_autoregressor(net, features, labels, epochs=5, lr=0.01, batch_size=16, n_train=600,
                        seed=None, *, verbose=False):
    """Fit ``net`` to the first ``n_train`` examples with Adam and the squared loss (d2l 8.1).

    Returns the training loss (mean squared error over the ``n_train``
    examples) after each epoch; ``verbose`` prints it as d2l does.
    """
    _check_window_net(net)
    features = np.asarray(features, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.float32)
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D (examples, tau), got shape {features.shape}")
    if len(labels) != len(features):
        raise ValueError(f"labels must have one row per row of features ({len(features)}), "
                         f"got {len(labels)}")
    labels = labels.reshape(len(features), -1)
    check_positive_int(epochs, "epochs")
    check_positive_number(lr, "lr")
    check_positive_int(batch_size, "batch_size")
    if not is_int(n_train) or not 1 <= n_train <= len(features):
        raise ValueError(f"n_train must be an int in [1, {len(features)}], got {n_train!r}")
    if seed is not None and not is_int(seed):
        raise ValueError(f"seed must be None or an int, got {seed!r}")
    X, y = features[:n_train], labels[:n_train]
    data = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(1000, seed=seed).batch(batch_size)
    loss = keras.losses.MeanSquaredError()
    trainer = keras.optimizers.Adam(learning_rate=lr)
    net(X[:1])  # create the weights before the optimizer sees them
    trainer.build(net.trainable_variables)

    @tf.function
    def step(Xb, yb):
        with tf.GradientTape() as tape:
            l = loss(yb, net(Xb))
        grads = tape.gradient(l, net.trainable_variables)
        trainer.apply_gradients(zip(grads, net.trainable_variables, strict=True))

    losses = []
    for epoch in range(epochs):
        for Xb, yb in data:
            step(Xb, yb)
        losses.append(float(loss(y, net(X))))
        if verbose:
            print(f"epoch {epoch + 1}, loss: {losses[-1]:f}")
    return losses


def _predict_one_column(net, windows):
    return np.asarray(net(windows.astype(np.float32))).reshape(-1)


def predict_multistep(net, x, tau, n_start):
    """Observations up to ``n_start``, then each value predicted from the previous predictions.

    d2l's multistep prediction: ``preds[i] = net(preds[i - tau:i])`` for
    ``i >= n_start`` (d2l uses ``n_start = n_train + tau``).  Returns a numpy
    array as long as ``x``.
    """
    _check_window_net(net)
    x = np.asarray(x, dtype=np.float32)
    check_positive_int(tau, "tau")
    if not is_int(n_start) or not tau <= n_start <= len(x):
        raise ValueError(f"n_start must be an int in [tau, len(x)] = [{tau}, {len(x)}], "
                         f"got {n_start!r}")
    preds = np.zeros_like(x)
    preds[:n_start] = x[:n_start]
    for i in range(n_start, len(x)):
        preds[i] = _predict_one_column(net, preds[i - tau:i][None])[0]
    return preds


def predict_k_step(net, x, tau, max_steps):
    """d2l's k-step matrix: column ``tau + k - 1`` holds the k-step-ahead predictions.

    Shape (T - tau - max_steps + 1, tau + max_steps); the first ``tau`` columns
    are observations, each later column is predicted from the ``tau`` before it.
    """
    _check_window_net(net)
    check_positive_int(tau, "tau")
    check_positive_int(max_steps, "max_steps")
    num_rows, observed = k_step_targets(x, tau, max_steps)
    features = np.zeros((num_rows, tau + max_steps), dtype=np.float32)
    features[:, :tau] = observed
    for i in range(tau, tau + max_steps):
        features[:, i] = _predict_one_column(net, features[:, i - tau:i])
    return features
