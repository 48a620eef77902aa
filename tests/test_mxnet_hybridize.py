"""d2l.hybridize_forward (MXNet): a reader's rnn run as a hybridized block computes the same.

8.5 trains the page's own ``rnn`` through this wrapper, so it must give the
eager loop's outputs, final state and gradients, write the gradients into the
reader's own arrays, and fall back to the eager function (with a warning)
when the function cannot be traced.
"""

import warnings

import numpy as onp
import pytest

from d2lcore import mxnet as d2l

np, npx, autograd = d2l.mx.np, d2l.npx, d2l.autograd
VOCAB, HIDDEN, BATCH, STEPS = 7, 6, 3, 4


def reader_rnn(inputs, state, params):
    """d2l 8.5's loop, written as a reader writes it (module-level np)."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X_t in inputs:
        H = np.tanh(np.dot(X_t, W_xh) + np.dot(H, W_hh) + b_h)
        outputs.append(np.dot(H, W_hq) + b_q)
    return np.concatenate(outputs, axis=0), (H,)


mnp = np  # a reader who keeps NumPy as np imports MXNet's under another name


def aliased_rnn(inputs, state, params):
    """The same loop with MXNet's np imported as ``mnp``."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X_t in inputs:
        H = mnp.tanh(mnp.dot(X_t, W_xh) + mnp.dot(H, W_hh) + b_h)
        outputs.append(mnp.dot(H, W_hq) + b_q)
    return mnp.concatenate(outputs, axis=0), (H,)


def untraceable_rnn(inputs, state, params):
    """Reads a value back to Python: impossible on a symbol."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    scale = float(inputs.sum()) * 0 + 1
    outputs = []
    for X_t in inputs:
        H = np.tanh(np.dot(X_t, W_xh) + np.dot(H, W_hh) + b_h) * scale
        outputs.append(np.dot(H, W_hq) + b_q)
    return np.concatenate(outputs, axis=0), (H,)


def _params():
    rs = onp.random.RandomState(0)
    shapes = [(VOCAB, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN,), (HIDDEN, VOCAB), (VOCAB,)]
    params = [np.array(rs.normal(0, 0.5, s).astype(onp.float32)) for s in shapes]
    for p in params:
        p.attach_grad()
    return params


def _run(forward_fn, num_steps=STEPS):
    params = _params()
    tokens = onp.random.RandomState(1).randint(0, VOCAB, (num_steps, BATCH))
    inputs = npx.one_hot(np.array(tokens), VOCAB)
    H0 = np.array(onp.random.RandomState(2).normal(0, 1, (BATCH, HIDDEN)).astype(onp.float32))
    with autograd.record():
        outputs, (H,) = forward_fn(inputs, (H0,), params)
        loss = (outputs ** 2).sum() + (H ** 3).sum()  # both results get a gradient
    loss.backward()
    return outputs.asnumpy(), H.asnumpy(), [p.grad.asnumpy() for p in params]


@pytest.mark.parametrize("num_steps", [1, STEPS])
def test_same_outputs_state_and_gradients_as_the_eager_loop(num_steps):
    compiled = d2l.hybridize_forward(reader_rnn)
    assert compiled.__wrapped__ is reader_rnn
    out_e, H_e, g_e = _run(reader_rnn, num_steps)
    out_h, H_h, g_h = _run(compiled, num_steps)
    onp.testing.assert_allclose(out_h, out_e, rtol=1e-5, atol=1e-6)
    onp.testing.assert_allclose(H_h, H_e, rtol=1e-5, atol=1e-6)
    for gh, ge in zip(g_h, g_e, strict=True):
        assert onp.abs(ge).max() > 0
        onp.testing.assert_allclose(gh, ge, rtol=1e-4, atol=1e-5)


def test_trains_a_scratch_model_like_the_eager_function():
    loader, vocab = d2l.load_data_time_machine(4, 5, max_tokens=400, rng=0)
    start = d2l.RNNModelScratch(len(vocab), 8, seed=0).get_numpy_params()
    ppl = []
    for forward_fn in (d2l.rnn, d2l.hybridize_forward(reader_rnn)):
        net = d2l.RNNModelScratch(len(vocab), 8, None, d2l.get_params, d2l.init_rnn_state,
                                  forward_fn, fast=False).set_numpy_params(start)
        ppl.append(d2l.train_ch8(net, loader, vocab, 1, 3, animate=False,
                                 verbose=False).final_perplexity)
    # float32 rounding of the graph vs the eager ops, grown over 3 epochs at lr 1
    assert ppl[1] == pytest.approx(ppl[0], rel=2e-3)


def test_untraceable_function_runs_eagerly_with_a_warning():
    compiled = d2l.hybridize_forward(untraceable_rnn)
    with pytest.warns(UserWarning, match="cannot be hybridized"):
        out_h, H_h, _ = _run(compiled)
    out_e, H_e, _ = _run(untraceable_rnn)
    onp.testing.assert_allclose(out_h, out_e, rtol=1e-6)


def test_mxnet_np_under_another_name_is_traced_too():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # falling back to the eager loop warns
        out_h, H_h, grads_h = _run(d2l.hybridize_forward(aliased_rnn))
    out_e, H_e, grads_e = _run(reader_rnn)
    onp.testing.assert_allclose(out_h, out_e, rtol=1e-5, atol=1e-6)
    for g_h, g_e in zip(grads_h, grads_e):
        onp.testing.assert_allclose(g_h, g_e, rtol=1e-4, atol=1e-6)


def test_rejects_what_is_not_a_function():
    with pytest.raises(TypeError, match="forward_fn"):
        d2l.hybridize_forward(42)


def _run_gated(forward_fn, kind):
    """One forward and backward of a chapter-9 loop: (outputs, state, parameter gradients)."""
    params = (d2l.get_gru_params if kind == "gru" else d2l.get_lstm_params)(
        VOCAB, HIDDEN, None, seed=3)
    for p in params:  # larger than d2l's N(0, 0.01^2), so every gate matters
        p[:] = p * 40
    tokens = onp.random.RandomState(1).randint(0, VOCAB, (STEPS, BATCH))
    inputs = npx.one_hot(np.array(tokens), VOCAB)
    rs = onp.random.RandomState(2)
    state = tuple(np.array(rs.normal(0, 1, (BATCH, HIDDEN)).astype(onp.float32))
                  for _ in range(1 if kind == "gru" else 2))
    with autograd.record():
        outputs, new_state = forward_fn(inputs, state, params)
        loss = (outputs ** 2).sum() + sum((s ** 3).sum() for s in new_state)
    loss.backward()
    return outputs.asnumpy(), [s.asnumpy() for s in new_state], [p.grad.asnumpy() for p in params]


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_a_gated_loop_hybridizes_with_its_whole_state(kind):
    """9.1's GRU keeps (H,), 9.2's LSTM (H, C): both run as one graph and agree with the loop."""
    loop = getattr(d2l, kind)
    compiled = d2l.hybridize_forward(loop)
    out_e, state_e, g_e = _run_gated(loop, kind)
    out_h, state_h, g_h = _run_gated(compiled, kind)
    assert len(state_h) == len(state_e) == (1 if kind == "gru" else 2)
    onp.testing.assert_allclose(out_h, out_e, rtol=1e-5, atol=1e-5)
    for sh, se in zip(state_h, state_e, strict=True):
        onp.testing.assert_allclose(sh, se, rtol=1e-5, atol=1e-5)
    for gh, ge in zip(g_h, g_e, strict=True):
        assert onp.abs(ge).max() > 0
        onp.testing.assert_allclose(gh, ge, rtol=1e-4, atol=1e-4)
    # The graph was built and used: the wrapper's cache holds one block for this state size.
    cells = dict(zip(compiled.__code__.co_freevars, compiled.__closure__, strict=True))
    assert [key[1] for key in cells["blocks"].cell_contents] == [len(state_e)]
