"""The noisy sine of d2l 8.1 and its autoregressive feature matrices (numpy, framework-free).

Below them, the framework-free half of every package's ``autoregress.py``: the
models there map windows (n, tau) to next values (n, 1), so one set of argument
checks and one multistep / k-step loop serve the MLP and the RNN regressor of
every framework; a package adds its models, their training and one forward pass.
"""

import numpy as np

from .validate import check_positive_int, check_positive_number, check_seed, is_int

__all__ = ["make_sine", "ar_features", "k_step_targets", "check_training_data",
           "multistep_predictions", "k_step_predictions", "bind_predictions"]


def make_sine(T=1000, noise=0.2, seed=0, freq=0.01):
    """``time = 1..T`` and ``x = sin(freq * time) + N(0, noise^2)`` as float32 arrays."""
    if not isinstance(T, int) or T < 2:
        raise ValueError(f"T must be an int >= 2, got {T!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    time = np.arange(1, T + 1, dtype=np.float32)
    x = np.sin(freq * time) + np.random.RandomState(seed).normal(0, noise, T)
    return time, x.astype(np.float32)


def ar_features(x, tau):
    """Features ``(T - tau, tau)`` whose row i is ``x[i:i+tau]``, and labels ``x[tau:]``."""
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"x must be one-dimensional, got shape {x.shape}")
    if not isinstance(tau, int) or not 1 <= tau < len(x):
        raise ValueError(f"tau must be an int in [1, {len(x) - 1}], got {tau!r}")
    T = len(x)
    features = np.stack([x[i : T - tau + i] for i in range(tau)], axis=1)
    return features.astype(np.float32), x[tau:].reshape(-1, 1).astype(np.float32)


def k_step_targets(x, tau, max_steps):
    """Row count and the observed part of d2l's k-step matrix.

    The k-step prediction matrix has ``T - tau - max_steps + 1`` rows and
    ``tau + max_steps`` columns; columns ``0..tau-1`` are observations (returned
    here), column ``tau + k - 1`` will hold the k-step-ahead predictions.
    """
    x = np.asarray(x)
    n = len(x) - tau - max_steps + 1
    if n < 1:
        raise ValueError(f"x of length {len(x)} is too short for tau={tau}, max_steps={max_steps}")
    observed = np.stack([x[i : i + n] for i in range(tau)], axis=1)
    return n, observed.astype(np.float32)


# --- the framework-free half of the autoregressors in <fw>/autoregress.py ---------------


def _float_array(a):
    return np.asarray(a.asnumpy() if hasattr(a, "asnumpy") else a, dtype=np.float32)


def _check_net(net):
    if not callable(net):
        raise TypeError(f"net must be a callable model, got {type(net).__name__}")


def check_training_data(net, features, labels, epochs, lr, batch_size, n_train, seed):
    """``train_autoregressor``'s arguments checked once for every framework.

    Returns features (n, tau) and labels (n, 1) as float32 numpy arrays.
    """
    _check_net(net)
    features, labels = _float_array(features), _float_array(labels)
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D (examples, tau), got shape {features.shape}")
    if len(labels) != len(features):
        raise ValueError(f"labels must have one row per row of features ({len(features)}), "
                         f"got {len(labels)}")
    check_positive_int(epochs, "epochs")
    check_positive_number(lr, "lr")
    check_positive_int(batch_size, "batch_size")
    if not is_int(n_train) or not 1 <= n_train <= len(features):
        raise ValueError(f"n_train must be an int in [1, {len(features)}], got {n_train!r}")
    check_seed(seed)
    return features, labels.reshape(len(features), -1)


def multistep_predictions(net, predict, x, tau, n_start):
    """d2l's multistep prediction: ``preds[i] = net(preds[i - tau:i])`` from ``n_start`` on.

    ``predict(net, windows)`` is the framework's forward pass: float32 windows
    (n, tau) in, the n predictions as a 1-D numpy array out.
    """
    _check_net(net)
    x = _float_array(x)
    check_positive_int(tau, "tau")
    if not is_int(n_start) or not tau <= n_start <= len(x):
        raise ValueError(f"n_start must be an int in [tau, len(x)] = [{tau}, {len(x)}], "
                         f"got {n_start!r}")
    preds = np.zeros(len(x), dtype=np.float32)
    preds[:n_start] = x[:n_start]
    for i in range(n_start, len(x)):  # from n_start on the model sees only its own output
        preds[i] = predict(net, preds[i - tau:i].reshape(1, -1))[0]
    return preds


def k_step_predictions(net, predict, x, tau, max_steps):
    """d2l's k-step matrix, shape (T - tau - max_steps + 1, tau + max_steps).

    The first ``tau`` columns are observations; column ``tau + k - 1`` holds
    the k-step-ahead predictions, each computed from the ``tau`` columns before it.
    """
    _check_net(net)
    check_positive_int(tau, "tau")
    check_positive_int(max_steps, "max_steps")
    num_rows, observed = k_step_targets(_float_array(x), tau, max_steps)
    features = np.zeros((num_rows, tau + max_steps), dtype=np.float32)
    features[:, :tau] = observed
    for i in range(tau, tau + max_steps):
        features[:, i] = predict(net, features[:, i - tau:i])
    return features


def bind_predictions(predict, module):
    """``predict_multistep`` and ``predict_k_step`` of one framework package.

    ``predict(net, windows)`` is that framework's forward pass (see
    ``multistep_predictions``); the loops above are the same in every framework.
    """
    def predict_multistep(net, x, tau, n_start):
        """Observations up to ``n_start``, then each value predicted from the previous ``tau``.

        From index ``n_start`` on the model only sees its own predictions (d2l's
        multistep prediction, with ``n_start = n_train + tau``).  Returns a numpy array.
        """
        return multistep_predictions(net, predict, x, tau, n_start)

    def predict_k_step(net, x, tau, max_steps):
        """d2l's k-step matrix: (T - tau - max_steps + 1, tau + max_steps), numpy.

        Columns 0..tau-1 are observations; column tau + k - 1 holds the
        k-step-ahead predictions, each computed from the tau columns before it.
        """
        return k_step_predictions(net, predict, x, tau, max_steps)

    predict_multistep.__module__ = predict_k_step.__module__ = module
    return predict_multistep, predict_k_step
