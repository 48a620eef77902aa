"""The fast path of ``RNNModelScratch`` (PyTorch, ``fast=True``): the loop's function, in bulk.

``scratch_forward`` gathers rows of ``W_xh`` instead of multiplying one-hot vectors
(with an embedding, one product), runs the recurrence as one autograd node,
``Recurrence``, whose backward is ``bptt.recurrence_backward`` (d2l 8.7's BPTT), and
computes the outputs of all steps with one product with ``W_hq``.
"""

import torch
from torch.nn import functional as F

from .bptt import recurrence_backward

__all__ = ["Recurrence", "scratch_forward"]


class Recurrence(torch.autograd.Function):
    """``H_t = phi(XW_t + H_{t-1} W_hh)`` for t = 1..T, backward by d2l 8.7's recurrence.

    ``XW`` (T, batch, hidden) holds ``X_t W_xh + b_h`` for every step.  The forward
    records nothing per step; the backward is one call of ``recurrence_backward``.
    """

    @staticmethod
    def forward(ctx, XW, H0, W_hh, activation):
        Hs = torch.empty_like(XW)
        H = H0
        for t in range(XW.shape[0]):
            H = torch.addmm(XW[t], H, W_hh, out=Hs[t])  # A_t, written straight into Hs
            if activation == "tanh":
                H.tanh_()
            else:
                H.relu_()
        ctx.activation = activation
        ctx.save_for_backward(H0, Hs, W_hh)
        return Hs

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dHs):
        H0, Hs, W_hh = ctx.saved_tensors
        dA, dH0, dW_hh = recurrence_backward(Hs, H0, W_hh, dHs, ctx.activation)
        return dA, dH0, dW_hh, None  # dL/dXW_t is dL/dA_t


def scratch_forward(X, state, params, activation):
    """What ``rnn`` (or ``rnn_relu``) returns for token ids ``X`` (batch, steps)."""
    if len(params) == 6:  # a learned embedding W_emb comes first
        W_emb, W_xh, W_hh, b_h, W_hq, b_q = params
        inputs = F.embedding(X.T, W_emb)  # (num_steps, batch, embed_size)
        XW = torch.addmm(b_h, inputs.reshape(-1, inputs.shape[-1]), W_xh)
        XW = XW.reshape(X.shape[1], X.shape[0], -1)
    else:
        W_xh, W_hh, b_h, W_hq, b_q = params
        XW = F.embedding(X.T, W_xh) + b_h  # gathered rows instead of one-hot products
    Hs = Recurrence.apply(XW, state[0], W_hh, activation)
    outputs = torch.addmm(b_q, Hs.reshape(-1, Hs.shape[-1]), W_hq)
    # clone: Hs[-1] is a view, and d2l-style loops call detach_() on the state.
    return outputs, (Hs[-1].clone(),)
