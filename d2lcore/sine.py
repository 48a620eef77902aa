"""The noisy sine of d2l 8.1 and its autoregressive feature matrices (numpy, framework-free)."""

import numpy as np

__all__ = ["make_sine", "ar_features", "k_step_targets"]


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
