"""Autoregressive models of the noisy sine (d2l 8.1), in PyTorch.

The data come from ``d2lcore.sine`` (numpy): ``make_sine`` for the series,
``ar_features`` for the (T - tau, tau) windows.  Every model here maps a batch
of windows (n, tau) to next values (n, 1), so the training and the multi-step
/ k-step predictions work for the MLP and for the RNN regressor alike.
Predictions are returned as numpy arrays, ready for ``d2l.plot``.
"""

import numpy as np
import torch
from torch import nn
from torch.utils import data

from ..sine import k_step_targets
from .utils import check_positive_int

__all__ = [
    "get_net",
    "train_autoregressor",
    "predict_multistep",
    "predict_k_step",
    "RNNAutoregressor",
]


def _init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)


def get_net(num_inputs=4, num_hiddens=10, *, seed=None):
    """d2l's MLP: Linear(tau -> 10), ReLU, Linear(10 -> 1), Xavier-uniform weights."""
    check_positive_int(num_inputs, "num_inputs")
    check_positive_int(num_hiddens, "num_hiddens")
    if seed is not None:
        torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(),
                        nn.Linear(num_hiddens, 1))
    net.apply(_init_weights)
    return net


class RNNAutoregressor(nn.Module):
    """A one-layer RNN that reads a window of ``tau`` values and predicts the next one."""

    def __init__(self, num_hiddens=16, *, seed=None):
        super().__init__()
        check_positive_int(num_hiddens, "num_hiddens")
        if seed is not None:
            torch.manual_seed(seed)
        self.rnn = nn.RNN(1, num_hiddens, batch_first=True)
        self.dense = nn.Linear(num_hiddens, 1)

    def forward(self, X):
        if X.dim() != 2:
            raise ValueError(f"X must be a batch of windows (n, tau), got shape {tuple(X.shape)}")
        outputs, _ = self.rnn(X.unsqueeze(-1))  # each window is a sequence of scalars
        return self.dense(outputs[:, -1])  # read out the state after the last value


def _as_float_tensor(array, name):
    tensor = torch.as_tensor(np.asarray(array, dtype=np.float32))
    if tensor.dim() != 2:
        raise ValueError(f"{name} must be 2-D, got shape {tuple(tensor.shape)}")
    return tensor


def train_autoregressor(net, features, labels, epochs=5, lr=0.01, batch_size=16, n_train=600,
                        seed=None):
    """Train on the first ``n_train`` windows with Adam and squared loss, as d2l 8.1.

    Returns the mean squared loss over the training windows after each epoch.
    """
    features, labels = _as_float_tensor(features, "features"), _as_float_tensor(labels, "labels")
    if features.shape[0] != labels.shape[0]:
        raise ValueError(f"features and labels must have the same number of rows, got "
                         f"{features.shape[0]} and {labels.shape[0]}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("n_train", n_train)):
        check_positive_int(value, name)
    if n_train > features.shape[0]:
        raise ValueError(f"n_train must be at most the {features.shape[0]} rows of features, "
                         f"got {n_train}")
    if not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    dataset = data.TensorDataset(features[:n_train], labels[:n_train])
    loader = data.DataLoader(dataset, batch_size, shuffle=True, generator=generator)
    loss = nn.MSELoss(reduction="none")
    trainer = torch.optim.Adam(net.parameters(), lr)
    losses = []
    for _ in range(epochs):
        for X, y in loader:
            trainer.zero_grad()
            loss(net(X), y).sum().backward()
            trainer.step()
        with torch.no_grad():
            losses.append(float(loss(net(features[:n_train]), labels[:n_train]).mean()))
    return losses


def predict_multistep(net, x, tau, n_start):
    """Observations up to ``n_start``, then each value predicted from the previous ``tau`` ones.

    From index ``n_start`` on the model only sees its own predictions (d2l's
    multistep prediction, with ``n_start = n_train + tau``).
    """
    x = np.asarray(x, dtype=np.float32)
    check_positive_int(tau, "tau")
    if not isinstance(n_start, int) or not tau <= n_start <= len(x):
        raise ValueError(f"n_start must be an int in [tau, len(x)] = [{tau}, {len(x)}], "
                         f"got {n_start!r}")
    preds = torch.zeros(len(x))
    preds[:n_start] = torch.from_numpy(x[:n_start])
    with torch.no_grad():
        for i in range(n_start, len(x)):
            preds[i] = net(preds[i - tau:i].reshape(1, -1)).reshape(())
    return preds.numpy()


def predict_k_step(net, x, tau, max_steps):
    """d2l's k-step matrix: (T - tau - max_steps + 1, tau + max_steps).

    Columns 0..tau-1 are observations; column tau + k - 1 holds the
    k-step-ahead predictions, each computed from the tau columns before it.
    """
    check_positive_int(tau, "tau")
    check_positive_int(max_steps, "max_steps")
    num_rows, observed = k_step_targets(x, tau, max_steps)
    features = torch.zeros((num_rows, tau + max_steps))
    features[:, :tau] = torch.from_numpy(observed)
    with torch.no_grad():
        for i in range(tau, tau + max_steps):
            features[:, i] = net(features[:, i - tau:i]).reshape(-1)
    return features.numpy()
