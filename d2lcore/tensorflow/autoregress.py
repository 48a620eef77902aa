"""Autoregressive models of the noisy sine (d2l 8.1), in TensorFlow / Keras 3.

The models, their training and one forward pass; the rest is ``d2lcore.sine``'s.
"""

import numpy as np
import tensorflow as tf
from tensorflow import keras

from .. import sine
from .utils import check_positive_int

__all__ = ["get_net", "train_autoregressor", "predict_multistep", "predict_k_step",
           "RNNAutoregressor"]


def _xavier(seed, offset):
    return keras.initializers.GlorotUniform(seed=None if seed is None else seed + offset)


def get_net(num_inputs=4, num_hiddens=10, *, seed=None):
    """d2l's MLP: Dense(tau -> 10, ReLU), Dense(10 -> 1), Xavier (Glorot) initialised."""
    check_positive_int(num_inputs, "num_inputs")
    check_positive_int(num_hiddens, "num_hiddens")
    return keras.Sequential([
        keras.Input((num_inputs,)),
        keras.layers.Dense(num_hiddens, activation="relu", kernel_initializer=_xavier(seed, 0)),
        keras.layers.Dense(1, kernel_initializer=_xavier(seed, 1)),
    ])


class RNNAutoregressor(keras.Model):
    """A one-layer RNN that reads a window of ``tau`` values and predicts the next one."""

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
        # each step sees one observation; read out the state after the last value
        return self.dense(self.rnn(x[:, :, None]))


def train_autoregressor(net, features, labels, epochs=5, lr=0.01, batch_size=16, n_train=600,
                        seed=None, *, verbose=False):
    """Train on the first ``n_train`` windows with Adam and squared loss, as d2l 8.1.

    Returns the training MSE after each epoch (``verbose`` prints it); ``seed`` fixes batches.
    """
    features, labels = sine.check_training_data(net, features, labels, epochs, lr, batch_size,
                                                n_train, seed)
    X, y = features[:n_train], labels[:n_train]
    data = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(1000, seed=seed).batch(batch_size)
    loss = keras.losses.MeanSquaredError()
    trainer = keras.optimizers.Adam(learning_rate=lr)
    net(X[:1])  # create the weights before the optimizer sees them
    trainer.build(net.trainable_variables)

    @tf.function
    def step(X_batch, y_batch):
        with tf.GradientTape() as tape:
            l = loss(y_batch, net(X_batch))
        grads = tape.gradient(l, net.trainable_variables)
        trainer.apply_gradients(zip(grads, net.trainable_variables, strict=True))

    losses = []
    for epoch in range(epochs):
        for X_batch, y_batch in data:
            step(X_batch, y_batch)
        losses.append(float(loss(y, net(X))))
        if verbose:
            print(f"epoch {epoch + 1}, loss: {losses[-1]:f}")
    return losses


def _predict(net, windows):
    """One forward pass: float32 numpy windows (n, tau) -> the n predictions (numpy)."""
    return np.asarray(net(windows.astype(np.float32))).reshape(-1)


# The multistep and k-step loops are the core's (d2lcore.sine), around _predict.
predict_multistep, predict_k_step = sine.bind_predictions(_predict, __name__)
