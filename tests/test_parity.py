"""The three frameworks tell the same story: same parameters in, same numbers out.

Every framework is compared with the numpy references (d2lcore.reference and
d2lcore.reference_layers) and with each other, to 1e-4 relative.
"""

import numpy as np
import pytest

import d2lcore
from d2lcore import reference, reference_layers

FRAMEWORKS = d2lcore.FRAMEWORKS
RTOL = 1e-4


def to_numpy(x):
    if hasattr(x, "asnumpy"):
        return x.asnumpy()
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


@pytest.fixture(scope="module", params=FRAMEWORKS)
def d2l(request):
    return d2lcore.framework_module(request.param)


@pytest.fixture(scope="module")
def batch():
    loader, vocab = d2lcore.load_data_time_machine(8, 10, max_tokens=2000, rng=0)
    X, Y = next(iter(loader))
    return X, Y, vocab


def assert_close(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max(),
                               err_msg=what)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_scratch_forward_and_loss_match_reference(d2l, batch, activation):
    X, Y, vocab = batch
    params = {k: v * 20 for k, v in reference.init_params(len(vocab), 16, seed=1).items()}
    net = d2l.RNNModelScratch(len(vocab), 16, activation=activation)
    net.set_numpy_params(params)
    outputs, _ = net(d2l.SeqDataLoader.to_tensor(X), net.begin_state(batch_size=8))
    ref_out, _ = reference.forward(params, X, activation=activation)
    assert_close(to_numpy(outputs), ref_out, "outputs")
    assert reference.loss(to_numpy(outputs), Y) == pytest.approx(reference.loss(ref_out, Y),
                                                                 rel=RTOL)


def test_scratch_one_clipped_sgd_step_matches_reference(d2l, batch):
    X, Y, vocab = batch
    params = reference.init_params(len(vocab), 32, seed=2)
    net = d2l.RNNModelScratch(len(vocab), 32)
    net.set_numpy_params(params)
    one_batch = [(d2l.SeqDataLoader.to_tensor(X), d2l.SeqDataLoader.to_tensor(Y))]
    d2l.train_ch8(net, one_batch, vocab, 1, 1, d2l.try_gpu(), clip_theta=1e-3,
                  animate=False, verbose=False)
    grads, norm = reference.clip_grads(reference.bptt(params, X, Y), 1e-3)
    assert norm > 1e-3, "the test must exercise clipping"
    after = net.get_numpy_params()
    for name in reference.PARAM_NAMES:
        assert_close(after[name], params[name] - grads[name], name)


@pytest.mark.parametrize("kind", reference_layers.KINDS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_concise_models_match_reference_after_mapping(d2l, batch, kind, num_layers):
    X, Y, vocab = batch
    params = reference_layers.init_layer_params(kind, len(vocab), 16, num_layers, seed=3)
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, 16, num_layers), len(vocab))
    net.set_numpy_params(params)
    outputs, _ = net(d2l.SeqDataLoader.to_tensor(X), net.begin_state(batch_size=8))
    ref_out, _ = reference_layers.layer_forward(kind, params, X, num_layers=num_layers)
    assert_close(to_numpy(outputs), ref_out, f"{kind} x{num_layers}")
    round_trip = net.get_numpy_params()
    assert set(round_trip) == set(params)
    for name, value in params.items():
        np.testing.assert_allclose(round_trip[name], value, rtol=1e-6, err_msg=name)


def test_seeded_20_epoch_runs_agree_across_frameworks():
    """The 8.5 setting (batch 32, 35 steps, 512 hidden, lr 1, 10,000 tokens), 20 epochs."""
    finals = {}
    for name in FRAMEWORKS:
        d2l = d2lcore.framework_module(name)
        train_iter, vocab = d2l.load_data_time_machine(32, 35, rng=0)
        net = d2l.RNNModelScratch(len(vocab), 512, seed=0)
        history = d2l.train_ch8(net, train_iter, vocab, 1, 20, d2l.try_gpu(),
                                animate=False, verbose=False)
        finals[name] = history.final_perplexity
    low, high = min(finals.values()), max(finals.values())
    assert high / low - 1 < 0.02, finals
    # And they learned something: the uniform guess over 28 tokens has perplexity 28.
    assert high < 15, finals
