"""Exercise checkers for PyTorch notebooks: ``d2l.check_rnn(rnn_relu, activation='relu')``.

The Adapter converts tensors and calls autograd; the checkers are ``d2lcore.checks``'.
"""

import re
import types

import numpy as np
import torch

from .. import checks as _checks
from ..checks.bind import bind

_PRODUCT_NODE = re.compile(r"(Mm|Bmm|Addmm|Baddbmm|Addbmm|Mv|Addmv|Dot|Vdot|Matmul|Linear)Backward")


class TorchAdapter(_checks.Adapter):
    framework = "pytorch"
    clipping_call = "grad_clipping(net, theta) with net.params holding tensors whose .grad is set"

    def tensor(self, array):
        return torch.from_numpy(np.array(array))

    def value_and_grads(self, fn, arrays):
        variables = [torch.tensor(np.array(a), requires_grad=True) for a in arrays]
        value = fn(*variables)
        if not isinstance(value, torch.Tensor) or not value.requires_grad:
            return float(self.numpy(value)), [None] * len(variables)
        value.backward()
        grads = [None if v.grad is None else v.grad.numpy() for v in variables]
        return float(value.detach()), grads

    def matrix_products(self, fn, X, W):
        # Walk the autograd graph back from the result: a product node on W's path
        # (MmBackward0, BmmBackward0, ...) means W was multiplied, not indexed.
        W_var = torch.tensor(np.array(W), requires_grad=True)
        out = fn(self.tensor(X), W_var)
        if not isinstance(out, torch.Tensor) or out.grad_fn is None:
            return None
        found, seen, todo = [], set(), [out.grad_fn]
        while todo:
            node = todo.pop()
            if node is None or node in seen:
                continue
            seen.add(node)
            if _PRODUCT_NODE.match(node.name()):
                found.append(node.name())
            todo.extend(next_fn for next_fn, _ in node.next_functions)
        return found

    def run_clipping(self, fn, grads, theta):
        # Parameters like RNNModelScratch's: leaf tensors with their gradient filled in.
        params = []
        for g in grads:
            p = torch.zeros(g.shape, requires_grad=True)
            p.grad = torch.tensor(g)
            params.append(p)
        returned = fn(types.SimpleNamespace(params=params), theta)
        return [None if p.grad is None else p.grad.numpy().copy() for p in params], returned


_ADAPTER = TorchAdapter()

# check_rnn, check_grad_clipping, ...: the rows of d2lcore.checks.bind with this adapter.
_CHECKERS = bind(_ADAPTER, __name__)
globals().update(_CHECKERS)
__all__ = list(_CHECKERS)
