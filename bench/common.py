"""What the benchmarks share: building the 8.5 model in any framework, and the FLOP count."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FRAMEWORK_CHOICES = ("pytorch", "mxnet", "tensorflow")
MODEL_CHOICES = ("scratch", "concise")


def load(framework):
    """The framework package, e.g. ``d2lcore.torch`` for 'pytorch'."""
    import d2lcore

    return d2lcore.framework_module(framework)


def seed_framework(framework, seed):
    """Seed the framework's own generator, which initialises the concise model's layers."""
    if framework == "pytorch":
        import torch

        torch.manual_seed(seed)
    elif framework == "mxnet":
        import mxnet

        mxnet.random.seed(seed)
    else:
        import keras

        keras.utils.set_random_seed(seed)


def build(d2l, model, vocab_size, hidden, seed):
    """The 8.5 scratch model or the 8.6 concise model (one RNN layer), seeded."""
    seed_framework(d2l.FRAMEWORK, seed)
    if model == "scratch":
        return d2l.RNNModelScratch(vocab_size, hidden, seed=seed)
    if model == "concise":
        return d2l.RNNModel(d2l.make_rnn_layer("rnn", hidden), vocab_size)
    raise ValueError(f"model must be one of {MODEL_CHOICES}, got {model!r}")


def flops_per_token(vocab_size, hidden):
    """Forward + backward FLOPs of one token of a one-layer RNN language model.

    Input projection, recurrence and output layer are each a matrix product
    (2 FLOPs per multiply-add); the backward pass costs about twice the forward.
    """
    forward = 2 * (vocab_size * hidden + hidden * hidden + hidden * vocab_size)
    return 3 * forward


def train(d2l, net, train_iter, vocab, lr, num_epochs):
    """d2l.train_ch8 without plots or prints; returns its TrainHistory."""
    return d2l.train_ch8(net, train_iter, vocab, lr, num_epochs, d2l.try_gpu(),
                         animate=False, verbose=False)
