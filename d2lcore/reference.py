"""A numpy reference of the from-scratch RNN (d2l 8.5 / 8.7): parameters, forward, loss, BPTT.

Every framework package is tested against this one implementation, so
"the same story in each framework" is checked, not hoped for.  Layout and
names follow d2l: ``X_t W_xh + H_{t-1} W_hh + b_h``, outputs ``H_t W_hq + b_q``
stacked time-major into a ``(num_steps * batch_size, vocab_size)`` matrix.
"""

import numbers

import numpy as np

from .validate import check_bool, check_sizes, check_token_ids

__all__ = [
    "PARAM_NAMES",
    "ACTIVATIONS",
    "param_names",
    "init_params",
    "param_specs",
    "forward",
    "loss",
    "bptt",
    "grad_norm",
    "clip_grads",
    "check_param_arrays",
    "custom_param_names",
    "bptt_arguments",
    "bptt_inputs",
    "to_numpy",
    "ScratchPieces",
    "numpy_params",
    "load_params",
]

PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hq", "b_q")
ACTIVATIONS = ("tanh", "relu")


def param_names(embed_size=None):
    """Parameter names in order; a learned embedding adds ``W_emb`` in front."""
    return (("W_emb",) if embed_size else ()) + PARAM_NAMES


def custom_param_names(count):
    """Names of the arrays a user's own ``get_params`` returns, the same in every framework.

    Five (or six) arrays are taken to be d2l's (``W_emb`` first when six), as
    d2l 8.5's own ``get_params`` returns them; eleven and fourteen are chapter 9's
    GRU and LSTM (``reference_gated.PARAM_NAMES``); any other count is param0, param1, ...
    """
    if count in (5, 6):
        return param_names(embed_size=count == 6)
    from .reference_gated import PARAM_NAMES as gated  # imported here: it imports this module
    by_count = {len(names): names for names in gated.values()}
    return by_count.get(count, tuple(f"param{i}" for i in range(count)))


def to_numpy(value, dtype=None):
    """A numpy array of a PyTorch, MXNet or TensorFlow tensor (or anything array-like)."""
    if hasattr(value, "asnumpy"):  # MXNet
        value = value.asnumpy()
    elif hasattr(value, "detach"):  # PyTorch, possibly requiring grad
        value = value.detach().cpu()
    return np.asarray(value, dtype=dtype)


def check_param_arrays(shapes, arrays):
    """``arrays`` as a dict name -> float32 numpy array, checked against ``shapes``.

    Every framework's ``set_numpy_params`` loads through this one check: the
    dict must have exactly the names of ``shapes`` (name -> shape tuple), each
    with that shape.  Framework arrays are accepted (anything ``np.asarray`` or
    ``.asnumpy()`` turns into numbers).
    """
    if not isinstance(arrays, dict):
        raise TypeError(f"params must be a dict name -> array, got {type(arrays).__name__}")
    missing, extra = sorted(set(shapes) - set(arrays)), sorted(set(arrays) - set(shapes))
    if missing or extra:
        raise ValueError(f"params must have exactly the keys {sorted(shapes)}; "
                         f"missing {missing}, unexpected {extra}")
    out = {}
    for name, shape in shapes.items():
        out[name] = to_numpy(arrays[name], np.float32)
        if out[name].shape != tuple(shape):
            raise ValueError(f"params[{name!r}] must have shape {tuple(shape)}, "
                             f"got {out[name].shape}")
    return out


def numpy_params(named):
    """A float32 numpy copy of every framework array of the dict ``named``."""
    return {name: np.array(to_numpy(value), dtype=np.float32) for name, value in named.items()}


def load_params(targets, arrays, assign):
    """``assign(target, array)`` for every framework array of ``targets`` (a dict name ->
    array), once ``arrays`` passed ``check_param_arrays`` against their shapes."""
    checked = check_param_arrays({name: tuple(t.shape) for name, t in targets.items()}, arrays)
    for name, target in targets.items():
        assign(target, checked[name])


def bptt_arguments(net_or_params, activation=None, truncate=None):
    """The checked arguments of every framework's ``bptt_grads`` / ``autograd_grads``.

    ``net_or_params`` is a scratch model (its parameters and activation), a
    dict name -> array, or the list of the 5 parameters in order (6 with
    ``W_emb`` first).  Returns (dict name -> the given array, in reference
    order; the activation: the given one, else the model's, else 'tanh').
    """
    if truncate is not None and (not isinstance(truncate, numbers.Integral)
                                 or isinstance(truncate, bool) or truncate < 1):
        raise ValueError(f"truncate must be None or a positive int, got {truncate!r}")
    implied = None
    if hasattr(net_or_params, "param_names"):  # a scratch model
        if not net_or_params.library_pieces:  # its function may not be the RNN derived here
            raise ValueError("net_or_params must be a scratch model of the library's pieces "
                             "(get_params, init_rnn_state, rnn or rnn_relu); this one runs "
                             "functions of your own")
        params = dict(zip(net_or_params.param_names, net_or_params.params, strict=True))
        implied = net_or_params.activation
    elif isinstance(net_or_params, dict):
        params = dict(net_or_params)
    elif isinstance(net_or_params, (list, tuple)) and len(net_or_params) in (5, 6):
        params = dict(zip(param_names(len(net_or_params) == 6), net_or_params, strict=True))
    elif isinstance(net_or_params, (list, tuple)):
        raise ValueError("net_or_params as a list must hold the 5 parameters (W_xh, W_hh, b_h, "
                         f"W_hq, b_q), or 6 with W_emb first; got {len(net_or_params)}")
    else:
        raise TypeError("net_or_params must be a scratch model, a dict name -> array or a list "
                        f"of the parameters in order, got {type(net_or_params).__name__}")
    expected = param_names("W_emb" in params)
    if set(params) != set(expected):
        raise ValueError(f"net_or_params must hold exactly the parameters {expected}, "
                         f"got {tuple(params)}")
    if activation is not None and implied is not None and activation != implied:
        raise ValueError(f"activation={activation!r} contradicts the model's {implied!r}; "
                         "leave activation=None to use the model's")
    activation = activation or implied or "tanh"
    check_activation(activation)
    return {name: params[name] for name in expected}, activation


def bptt_inputs(net_or_params, X, Y, state=None, activation=None, truncate=None,
                whole_floats=False):
    """Every framework's ``bptt_grads`` / ``autograd_grads`` arguments, checked, as numpy.

    Returns (dict name -> parameter array in reference order, the activation
    (see ``bptt_arguments``), X and Y as int64 (batch, num_steps), the initial
    state H0 (batch, hidden) in the parameters' dtype: zeros for ``state=None``,
    else ``H`` or the model's ``(H,)``).  ``whole_floats``: see
    ``validate.check_token_ids``.
    """
    params, activation = bptt_arguments(net_or_params, activation, truncate)
    params = {name: to_numpy(value) for name, value in params.items()}
    vocab_size = params["W_hq"].shape[1]
    X, Y = (check_token_ids(to_numpy(ids), vocab_size, name, whole_floats).astype(np.int64)
            for ids, name in ((X, "X"), (Y, "Y")))
    if X.shape != Y.shape:
        raise ValueError(f"Y must have the shape of X {X.shape}, got {Y.shape}")
    shape, dtype = (X.shape[0], params["W_hh"].shape[0]), params["W_hh"].dtype
    if state is None:
        return params, activation, X, Y, np.zeros(shape, dtype)
    if isinstance(state, (tuple, list)):  # the model's (H,)
        (state,) = state
    H0 = to_numpy(state, dtype)
    if H0.shape != shape:
        raise ValueError(f"state must have shape {shape}, got {H0.shape}")
    return params, activation, X, Y, H0


def check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")


def resolve_activation(activation, forward_fn, library_forwards):
    """The scratch model's activation, checked against its ``forward_fn``.

    ``library_forwards`` maps the framework's ``rnn`` / ``rnn_relu`` to 'tanh' /
    'relu'.  None means the one the forward function implies (tanh by default);
    a custom ``forward_fn`` chooses its own, so ``activation`` must stay None then.
    """
    implied = library_forwards.get(forward_fn)
    if activation is None:
        return implied or "tanh"
    check_activation(activation)
    if implied is not None and implied != activation:
        raise ValueError(f"activation={activation!r} contradicts forward_fn="
                         f"{forward_fn.__name__} (a {implied} RNN)")
    if forward_fn is not None and implied is None:
        raise ValueError("activation only applies to the library's forward_fn; "
                         "a custom forward_fn chooses its own")
    return activation


class ScratchPieces:
    """The framework-free half of every package's ``RNNModelScratch``.

    ``_wire`` checks the sizes, resolves the activation and the three pieces
    (``get_params``, ``init_state``, ``forward_fn``: left out, they are the
    package's), and records whether every piece is the library's: only then do
    the fast path and the state checks apply, and only then do ``embed_size``
    and ``seed`` mean anything.  A reader's functions are called as d2l calls them.

    The keyword-only extensions, for the library's pieces: ``activation`` ('tanh',
    d2l's, or 'relu'); ``embed_size`` (a learned embedding ``W_emb`` instead of one-hot
    inputs); ``seed`` (start from ``init_params``: the same numbers in every framework);
    ``fast`` (True, the default: the package's ``fast.py`` computes the loop's function,
    tested equal in outputs and every gradient; False runs the readable ``rnn`` loop).
    """

    def _wire(self, library, vocab_size, num_hiddens, get_params, init_state, forward_fn, *,
              activation, embed_size, seed, fast):
        """``library``: the package's ``(get_params, init_rnn_state, {rnn: 'tanh', ...})``.

        Returns True when ``get_params`` is the reader's own.
        """
        library_get_params, library_init_state, library_forwards = library
        for name, fn in (("init_state", init_state), ("forward_fn", forward_fn),
                         ("get_params", get_params)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable or None, got {type(fn).__name__}")
        self.vocab_size, self.num_hiddens, embed_size = check_sizes(vocab_size, num_hiddens,
                                                                    embed_size)
        self.activation = resolve_activation(activation, forward_fn, library_forwards)
        self.embed_size = embed_size
        own_params = get_params is not None and get_params is not library_get_params
        if own_params and (embed_size is not None or seed is not None):
            raise ValueError("embed_size and seed apply to the library get_params only; "
                             "got them together with your own get_params")
        self.init_state = init_state or library_init_state
        by_activation = {act: fn for fn, act in library_forwards.items()}
        self.forward_fn = forward_fn or by_activation[self.activation]
        self.library_pieces = (not own_params and self.init_state is library_init_state
                               and self.forward_fn in library_forwards)
        self.fast = check_bool(fast, "fast") and self.library_pieces
        self._own_params = own_params
        return own_params

    @property
    def param_names(self):
        """The names of ``self.params``: ``param_names`` order, or a reader's own list's."""
        if self._own_params:
            return custom_param_names(len(self.params))
        return param_names(self.embed_size)

    def get_numpy_params(self):
        """Parameters as a dict name -> float32 numpy array (a copy)."""
        return numpy_params(dict(zip(self.param_names, self.params, strict=True)))

    def set_numpy_params(self, arrays):
        """Load a dict name -> array of exactly this model's names and shapes; returns self."""
        load_params(dict(zip(self.param_names, self.params, strict=True)), arrays, self._assign)
        return self


def param_specs(vocab_size, num_hiddens, embed_size=None):
    """d2l's initialisation, name -> (shape, standard deviation), in parameter order.

    Weights are N(0, 0.01^2) and biases (standard deviation 0) zero; a learned
    embedding ``W_emb`` (vocab_size x embed_size) starts N(0, 1), the usual
    embedding initialisation, and ``W_xh`` then maps embed_size -> hidden.
    Every package draws its unseeded parameters from this list, in this order.
    """
    num_inputs = embed_size if embed_size else vocab_size
    specs = {"W_emb": ((vocab_size, embed_size), 1.0)} if embed_size else {}
    specs.update(W_xh=((num_inputs, num_hiddens), 0.01), W_hh=((num_hiddens, num_hiddens), 0.01),
                 b_h=((num_hiddens,), 0), W_hq=((num_hiddens, vocab_size), 0.01),
                 b_q=((vocab_size,), 0))
    return specs


def init_params(vocab_size, num_hiddens, seed=0, embed_size=None):
    """``param_specs``' initialisation as float32 numpy arrays, drawn from ``seed``."""
    rs = np.random.RandomState(seed)
    return {name: (rs.normal(0, std, shape) if std else np.zeros(shape)).astype(np.float32)
            for name, (shape, std) in param_specs(vocab_size, num_hiddens, embed_size).items()}


def _act(a, activation):
    return np.tanh(a) if activation == "tanh" else np.maximum(a, 0)


def _inputs(params, X):
    """Per-step inputs (num_steps, batch, num_inputs): one-hot rows or embedding rows."""
    X = np.asarray(X)
    if "W_emb" in params:
        return params["W_emb"][X.T]
    vocab_size = params["W_xh"].shape[0]
    return np.eye(vocab_size, dtype=params["W_xh"].dtype)[X.T]


def forward(params, X, state=None, activation="tanh"):
    """Outputs (num_steps*batch, vocab) and the hidden states (num_steps+1, batch, hidden).

    ``states[0]`` is the initial state (zeros when ``state`` is None), ``states[t+1]`` is H_t.
    """
    check_activation(activation)
    inputs = _inputs(params, X)
    num_steps, batch = inputs.shape[:2]
    H = np.zeros((batch, params["W_hh"].shape[0]), np.float32) if state is None else state
    states = [H]
    for x in inputs:
        H = _act(x @ params["W_xh"] + H @ params["W_hh"] + params["b_h"], activation)
        states.append(H)
    Hs = np.stack(states[1:])  # (num_steps, batch, hidden)
    outputs = Hs.reshape(num_steps * batch, -1) @ params["W_hq"] + params["b_q"]
    return outputs, np.stack(states)


def _softmax(o):
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss(outputs, Y):
    """Mean cross-entropy over every token; labels are ``Y`` read time-major like d2l."""
    y = np.asarray(Y).T.reshape(-1)
    p = _softmax(outputs.astype(np.float64))
    return float(-np.log(p[np.arange(len(y)), y]).mean())


def bptt(params, X, Y, state=None, activation="tanh", truncate=None):
    """Gradients of the mean loss by the backward recurrence of d2l 8.7, without autograd.

    With ``A_t = X_t W_xh + H_{t-1} W_hh + b_h``, ``H_t = phi(A_t)``, ``O_t = H_t W_hq + b_q``
    and L the mean cross-entropy over all T*B tokens (every package's ``bptt.py``
    writes the same recurrence in its framework's ops)::

        dL/dO_t = (softmax(O_t) - onehot(y_t)) / (T*B)
        dL/dH_t = dL/dO_t W_hq^T + dL/dA_{t+1} W_hh^T       (no second term at t = T)
        dL/dA_t = dL/dH_t * phi'(A_t)                        (phi' written with H_t)
        dL/dW_xh = sum_t X_t^T dL/dA_t,   dL/db_h = sum_t dL/dA_t,
        dL/dW_hh = sum_t H_{t-1}^T dL/dA_t

    ``truncate=k`` keeps, for the loss at each step t, only the paths through
    H_t, ..., H_{t-k+1} (k=1: no gradient through time); None keeps all of them.
    Returns a dict name -> gradient (float64) for every parameter in ``params``.
    """
    if truncate is not None and (not isinstance(truncate, int) or truncate < 1):
        raise ValueError(f"truncate must be None or a positive int, got {truncate!r}")
    p = {k: v.astype(np.float64) for k, v in params.items()}
    outputs, states = forward(p, X, None if state is None else state.astype(np.float64),
                              activation)
    inputs = _inputs(p, X)
    num_steps, batch = inputs.shape[:2]
    y = np.asarray(Y).T.reshape(-1)
    d_out = _softmax(outputs)
    d_out[np.arange(len(y)), y] -= 1.0
    d_out /= len(y)
    d_out = d_out.reshape(num_steps, batch, -1)
    Hs = states[1:]
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    grads["W_hq"] = np.einsum("tbh,tbv->hv", Hs, d_out)
    grads["b_q"] = d_out.sum(axis=(0, 1))
    d_inputs = np.zeros_like(inputs)

    def act_grad(t):  # d phi(A_t) / d A_t, written in terms of H_t
        return 1.0 - Hs[t] ** 2 if activation == "tanh" else (Hs[t] > 0).astype(np.float64)

    def step_back(t, dH):
        """Push dL/dH_t through step t; returns dL/dH_{t-1}."""
        dA = dH * act_grad(t)
        grads["W_xh"] += inputs[t].T @ dA
        grads["W_hh"] += states[t].T @ dA
        grads["b_h"] += dA.sum(axis=0)
        d_inputs[t] += dA @ p["W_xh"].T
        return dA @ p["W_hh"].T

    if truncate is None:
        dH = np.zeros_like(Hs[0])
        for t in reversed(range(num_steps)):
            dH = step_back(t, dH + d_out[t] @ p["W_hq"].T)
    else:
        for t in range(num_steps):
            dH = d_out[t] @ p["W_hq"].T
            for s in range(t, max(t - truncate, -1), -1):
                dH = step_back(s, dH)
    if "W_emb" in p:
        np.add.at(grads["W_emb"], np.asarray(X).T, d_inputs)
    return grads


def grad_norm(grads):
    """Global L2 norm over all gradient arrays."""
    return float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads.values())))


def clip_grads(grads, theta):
    """d2l's clipping: scale every gradient by theta / norm when the global norm exceeds theta."""
    if not theta > 0:
        raise ValueError(f"theta must be a positive number, got {theta!r}")
    norm = grad_norm(grads)
    scale = theta / norm if norm > theta else 1.0
    return {k: g * scale for k, g in grads.items()}, norm
