"""The model side of the contract (issue 9), pinned once for the three frameworks.

- ``d2l.rnn`` / ``d2l.rnn_relu`` are the readable per-step loops of d2l 8.5;
- every fast path (``d2lcore/<fw>/fast.py``) computes what the readable path
  computes: the outputs, the final state and every gradient, to 1e-5 relative;
- TensorFlow's concise ``RNNModel`` runs Keras' own layers unless asked otherwise;
- ``set_numpy_params`` returns the model; parameter names and the shapes of
  ``get_numpy_params()`` are the same in every framework.
"""

import inspect

import numpy as np
import pytest

import d2lcore
from d2lcore import reference, reference_layers

FRAMEWORKS = d2lcore.FRAMEWORKS
V, H, E, B, T = 11, 8, 5, 3, 6  # vocab, hidden, embedding, batch, steps
CASES = [("tanh", None), ("relu", None), ("tanh", E), ("relu", E)]
CASE_IDS = ["tanh", "relu", "embed-tanh", "embed-relu"]


@pytest.fixture(scope="module", params=FRAMEWORKS)
def d2l(request):
    return d2lcore.framework_module(request.param)


def to_numpy(x):
    if hasattr(x, "asnumpy"):
        return x.asnumpy()
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def rel_err(actual, expected):
    actual, expected = to_numpy(actual), np.asarray(to_numpy(expected), np.float64)
    return float(np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-12))


def tokens(seed, shape=(B, T)):
    return np.random.RandomState(seed).randint(0, V, shape)


def big_params(names_shapes, seed=1, scale=0.6):
    """Weights large enough for tanh to saturate and ReLU units to switch off."""
    rs = np.random.RandomState(seed)
    return {name: rs.normal(0, scale, shape).astype(np.float32)
            for name, shape in names_shapes.items()}


def outputs_and_grads(d2l, net, params, X, Y, H0):
    """(outputs, every state tensor, dict name -> gradient incl. of the initial state)."""
    fw = d2l.FRAMEWORK
    if fw == "pytorch":
        import torch
        H0 = torch.tensor(H0, requires_grad=True)
        out, state = net(torch.tensor(X), (H0,))
        loss = torch.nn.functional.cross_entropy(out, torch.tensor(Y).T.reshape(-1))
        (loss + state[0].sin().sum()).backward()
        return out, state, {**{n: p.grad for n, p in params.items()}, "H0": H0.grad}
    if fw == "mxnet":
        from mxnet import autograd, gluon
        from mxnet import np as mx_np
        H0 = mx_np.array(H0)
        H0.attach_grad()
        with autograd.record():
            out, state = net(mx_np.array(X, dtype="int32"), (H0,))
            labels = mx_np.array(Y.T.reshape(-1))
            loss = gluon.loss.SoftmaxCrossEntropyLoss()(out, labels).mean()
            loss = loss + mx_np.sin(state[0]).sum()
        loss.backward()
        return out, state, {**{n: p.grad for n, p in params.items()}, "H0": H0.grad}
    import tensorflow as tf
    H0 = tf.constant(H0)
    with tf.GradientTape() as tape:
        tape.watch(H0)
        out, state = net(tf.constant(X), (H0,))
        labels = tf.reshape(tf.transpose(tf.constant(Y)), [-1])
        loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
            labels, out, from_logits=True)) + tf.reduce_sum(tf.sin(state[0]))
    names = list(params) + ["H0"]
    grads = tape.gradient(loss, list(params.values()) + [H0])
    return out, state, dict(zip(names, [tf.convert_to_tensor(g) for g in grads], strict=True))


# ------------------------------------------------------------------ the readable loop


@pytest.mark.parametrize("name,act", [("rnn", np.tanh), ("rnn_relu", lambda a: np.maximum(a, 0))])
def test_rnn_is_the_readable_per_step_loop(d2l, name, act):
    fn = getattr(d2l, name)
    source = inspect.getsource(fn)
    assert "for X in inputs:" in source and "outputs.append(" in source
    assert "_loop" not in source and "fast" not in source  # the loop itself, no delegation
    params = reference.init_params(V, H, seed=3)
    params = {k: v * 40 for k, v in params.items()}
    X = tokens(4)
    one_hot = np.eye(V, dtype=np.float32)[X.T]
    H0 = np.random.RandomState(5).normal(0, 0.5, (B, H)).astype(np.float32)
    as_tensor = {"pytorch": lambda a: __import__("torch").tensor(a),
                 "mxnet": lambda a: __import__("mxnet").np.array(a),
                 "tensorflow": lambda a: __import__("tensorflow").constant(a)}[d2l.FRAMEWORK]
    out, (H_T,) = fn(as_tensor(one_hot), (as_tensor(H0),),
                     [as_tensor(params[n]) for n in reference.PARAM_NAMES])
    activation = "tanh" if act is np.tanh else "relu"
    ref_out, ref_states = reference.forward(params, X, H0, activation)
    assert rel_err(out, ref_out) < 1e-5 and rel_err(H_T, ref_states[-1]) < 1e-5


# ------------------------------------------------------------------ fast == readable


@pytest.mark.parametrize("activation,embed_size", CASES, ids=CASE_IDS)
def test_scratch_fast_path_equals_readable_loop(d2l, activation, embed_size):
    shapes = {k: v.shape for k, v in reference.init_params(V, H, 0, embed_size).items()}
    params = big_params(shapes)
    X, Y = tokens(6), tokens(7)
    H0 = np.random.RandomState(8).normal(0, 0.5, (B, H)).astype(np.float32)
    results = {}
    for fast in (True, False):
        net = d2l.RNNModelScratch(V, H, activation=activation, embed_size=embed_size, seed=0,
                                  fast=fast)
        assert net.fast is fast
        net.set_numpy_params(params)
        named = dict(zip(net.param_names, net.params, strict=True))
        results[fast] = outputs_and_grads(d2l, net, named, X, Y, H0)
    (out_f, state_f, grads_f), (out_l, state_l, grads_l) = results[True], results[False]
    assert rel_err(out_f, out_l) < 1e-5
    assert rel_err(state_f[0], state_l[0]) < 1e-5
    assert list(grads_f) == list(reference.param_names(embed_size)) + ["H0"]
    for name in grads_l:
        assert rel_err(grads_f[name], grads_l[name]) < 1e-5, name


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_tensorflow_concise_fast_path_equals_keras_layers(num_layers, activation):
    d2l = d2lcore.framework_module("tensorflow")
    import tensorflow as tf
    from tensorflow import keras
    X, Y = tokens(9), tokens(10)
    H0 = np.random.RandomState(11).normal(0, 0.5, (num_layers, B, H)).astype(np.float32)
    canonical = reference_layers.init_layer_params("rnn", V, H, num_layers, seed=2)
    results = {}
    for fast in (False, True):
        layers = [keras.layers.SimpleRNN(H, activation=activation, return_sequences=True,
                                         return_state=True) for _ in range(num_layers)]
        layer = layers[0] if num_layers == 1 else d2l.StackedRNN("rnn", H, num_layers)
        if num_layers > 1:
            for k in range(num_layers):
                layer.rnn_layers[k] = keras.layers.SimpleRNN(
                    H, activation=activation, return_sequences=True, return_state=True)
        net = d2l.RNNModel(layer, V, fast=fast).set_numpy_params(canonical)
        assert net.fast is fast
        with tf.GradientTape() as tape:
            state = tf.constant(H0)
            tape.watch(state)
            out, H_T = net(tf.constant(X), state)
            labels = tf.reshape(tf.transpose(tf.constant(Y)), [-1])
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                labels, out, from_logits=True)) + tf.reduce_sum(tf.sin(H_T))
        grads = tape.gradient(loss, net.trainable_variables + [state])
        results[fast] = [out, H_T] + [tf.convert_to_tensor(g) for g in grads]
    assert len(results[True]) == len(results[False]) == 2 + 3 * num_layers + 2 + 1
    for fast_value, keras_value in zip(results[True], results[False], strict=True):
        assert rel_err(fast_value, keras_value) < 1e-5


def test_tensorflow_concise_model_runs_keras_layers_by_default():
    d2l = d2lcore.framework_module("tensorflow")
    import tensorflow as tf
    from tensorflow import keras
    calls = []

    class CountingRNN(keras.layers.SimpleRNN):
        def call(self, *args, **kwargs):
            calls.append(1)
            return super().call(*args, **kwargs)

    layer = CountingRNN(H, return_sequences=True, return_state=True)
    net = d2l.RNNModel(layer, V)
    assert net.fast is False
    net(tf.constant(tokens(12)), net.begin_state(batch_size=B))
    assert calls, "the default RNNModel must run the Keras layer"


def test_tensorflow_models_trace_inside_one_tf_function():
    """H1's compiled train step calls ``net(X, state)`` under tf.function."""
    d2l = d2lcore.framework_module("tensorflow")
    import tensorflow as tf
    X = tf.constant(tokens(13))
    for net in (d2l.RNNModelScratch(V, H, seed=0),
                d2l.RNNModelScratch(V, H, seed=0, fast=False),
                d2l.RNNModel(d2l.make_rnn_layer("gru", H), V)):
        state = net.begin_state(batch_size=B)

        def loss_and_grads(X, state, net=net):
            with tf.GradientTape() as tape:
                out, _ = net(X, state)
                loss = tf.reduce_mean(out ** 2)
            return loss, tape.gradient(loss, net.trainable_variables)

        eager_loss, eager_grads = loss_and_grads(X, state)
        graph_loss, graph_grads = tf.function(loss_and_grads)(X, state)
        assert float(graph_loss) == pytest.approx(float(eager_loss), rel=1e-5)
        for g_graph, g_eager in zip(graph_grads, eager_grads, strict=True):
            assert rel_err(tf.convert_to_tensor(g_graph), tf.convert_to_tensor(g_eager)) < 1e-5


# ------------------------------------------------------------------ numpy parameters


def test_set_numpy_params_returns_the_model(d2l):
    nets = [d2l.RNNModelScratch(V, H, seed=0), d2l.RNNModelScratch(V, H, seed=0, embed_size=E)]
    nets += [d2l.RNNModel(d2l.make_rnn_layer(kind, H), V) for kind in reference_layers.KINDS]
    for net in nets:
        assert net.set_numpy_params(net.get_numpy_params()) is net


def test_bad_numpy_params_raise_the_same_errors(d2l):
    net = d2l.RNNModelScratch(V, H, seed=0)
    good = net.get_numpy_params()
    with pytest.raises(TypeError, match="params must be a dict"):
        net.set_numpy_params(list(good.values()))
    with pytest.raises(ValueError, match="missing \\['b_q'\\]"):
        net.set_numpy_params({k: v for k, v in good.items() if k != "b_q"})
    with pytest.raises(ValueError, match="params\\['W_hh'\\] must have shape"):
        net.set_numpy_params({**good, "W_hh": np.zeros((H, H + 1))})


@pytest.mark.parametrize("count", [4, 5])
def test_user_get_params_names_are_the_same_everywhere(d2l, count):
    def my_params(vocab_size, num_hiddens, device=None):
        return d2l.get_params(vocab_size, num_hiddens, device, seed=0)[:count]

    if d2l.FRAMEWORK == "tensorflow":  # d2l-zh's TensorFlow order and call
        net = d2l.RNNModelScratch(V, H, None, d2l.rnn, lambda v, h: my_params(v, h))
    else:
        net = d2l.RNNModelScratch(V, H, None, my_params)
    # d2l 8.5's own get_params returns the five arrays: they keep d2l's names.
    expected = reference.PARAM_NAMES if count == 5 else ("param0", "param1", "param2", "param3")
    assert tuple(net.param_names) == expected
    assert tuple(net.get_numpy_params()) == expected
    assert net.set_numpy_params(net.get_numpy_params()) is net


def _numpy_layout(d2l, net):
    return [(name, value.shape, value.dtype) for name, value in net.get_numpy_params().items()]


@pytest.mark.parametrize("model", ["scratch", "embedding", "rnn", "gru", "lstm", "lstm-2"])
def test_numpy_params_have_the_same_names_and_shapes_everywhere(model):
    layouts = {}
    for fw in FRAMEWORKS:
        d2l = d2lcore.framework_module(fw)
        if model == "scratch":
            net = d2l.RNNModelScratch(V, H, seed=0)
        elif model == "embedding":
            net = d2l.RNNModelScratch(V, H, seed=0, embed_size=E)
        else:
            kind, _, layers = model.partition("-")
            net = d2l.RNNModel(d2l.make_rnn_layer(kind, H, int(layers or 1)), V)
        layouts[fw] = _numpy_layout(d2l, net)
    first = layouts[FRAMEWORKS[0]]
    assert all(layout == first for layout in layouts.values()), layouts
    assert all(dtype == np.float32 for _, _, dtype in first)
