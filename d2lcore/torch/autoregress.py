"""Autoregressive models of the noisy sine (d2l 8.1), in PyTorch.

The models, their training and one forward pass; the rest is ``d2lcore.sine``'s.
"""

import torch
from torch import nn
from torch.utils import data

from .. import sine
from .utils import check_positive_int

__all__ = ["get_net", "train_autoregressor", "predict_multistep", "predict_k_step",
           "RNNAutoregressor"]


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


def train_autoregressor(net, features, labels, epochs=5, lr=0.01, batch_size=16, n_train=600,
                        seed=None, *, verbose=False):
    """Train on the first ``n_train`` windows with Adam and squared loss, as d2l 8.1.

    Returns the training MSE after each epoch (``verbose`` prints it); ``seed`` fixes batches.
    """
    features, labels = sine.check_training_data(net, features, labels, epochs, lr, batch_size,
                                                n_train, seed)
    X, y = torch.from_numpy(features[:n_train]), torch.from_numpy(labels[:n_train])
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size, shuffle=True,
                             generator=generator)
    loss = nn.MSELoss(reduction="none")
    trainer = torch.optim.Adam(net.parameters(), lr)
    losses = []
    for epoch in range(epochs):
        for X_batch, y_batch in loader:
            trainer.zero_grad()
            loss(net(X_batch), y_batch).sum().backward()
            trainer.step()
        with torch.no_grad():
            losses.append(float(loss(net(X), y).mean()))
        if verbose:
            print(f"epoch {epoch + 1}, loss: {losses[-1]:f}")
    return losses


def _predict(net, windows):
    """One forward pass: float32 numpy windows (n, tau) -> the n predictions (numpy)."""
    with torch.no_grad():
        return net(torch.from_numpy(windows)).reshape(-1).numpy()


# The multistep and k-step loops are the core's (d2lcore.sine), around _predict.
predict_multistep, predict_k_step = sine.bind_predictions(_predict, __name__)
