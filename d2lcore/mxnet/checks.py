"""Exercise checkers for MXNet notebooks: ``d2l.check_rnn(rnn_relu, activation='relu')``.

The Adapter converts ``mxnet.np`` arrays and calls autograd; the checkers are ``d2lcore.checks``'.
"""

import json
import re
import types

import numpy as onp
from mxnet import autograd, np, npx

from .. import checks as _checks
from ..checks.bind import bind

# d2l's MXNet code runs with NumPy semantics on; the students' functions expect them.
npx.set_np()


_PRODUCT_OP = re.compile(r"matmul|dot|einsum|gemm|FullyConnected", re.IGNORECASE)


class MXNetAdapter(_checks.Adapter):
    framework = "mxnet"
    clipping_call = ("grad_clipping(net, theta) with net.params holding arrays whose .grad "
                     "is set (attach_grad)")

    def tensor(self, array):
        array = onp.asarray(array)
        return np.array(array, dtype=array.dtype)

    def value_and_grads(self, fn, arrays):
        variables = [self.tensor(a) for a in arrays]
        for v in variables:
            v.attach_grad()
        with autograd.record():
            value = fn(*variables)
        value.backward()
        # MXNet leaves zeros (not None) where no gradient arrived; the comparison shows it.
        return float(value), [v.grad.asnumpy() for v in variables]

    def matrix_products(self, fn, X, W):
        # The graph autograd recorded from W to the result: a product operator in it
        # (_npi_matmul, _np_dot, ...) means W was multiplied, not indexed.
        W_var = self.tensor(W)
        W_var.attach_grad()
        with autograd.record():
            out = fn(self.tensor(X), W_var)
        if not isinstance(out, np.ndarray):
            return None
        nodes = json.loads(autograd.get_symbol(out).tojson())["nodes"]
        return [node["op"] for node in nodes if _PRODUCT_OP.search(node["op"])]

    def run_clipping(self, fn, grads, theta):
        params = []
        for g in grads:
            p = np.zeros(g.shape, dtype=g.dtype)
            p.attach_grad()
            p.grad[:] = self.tensor(g)
            params.append(p)
        returned = fn(types.SimpleNamespace(params=params), theta)
        return [p.grad.asnumpy() for p in params], returned


_ADAPTER = MXNetAdapter()

# check_rnn, check_grad_clipping, ...: the rows of d2lcore.checks.bind with this adapter.
_CHECKERS = bind(_ADAPTER, __name__)
globals().update(_CHECKERS)
__all__ = list(_CHECKERS)
