"""The second numeric environment of the regression suite, and a probe that shows it bites.

    python -m tools.numerics probe --framework pytorch [--epochs 2]
    python -m tools.numerics compare [--epochs 2] [--framework ...]

A notebook's committed outputs come from one machine. A student's or a CI runner's
CPU differs in instruction set, BLAS kernel and thread count, and every one of those
changes the order of floating-point reductions, hence the last bits of every sum.
``make nbval-portable`` therefore runs nbval a second time with the variables in
``PERTURBED`` set: whatever passes both runs does not hang on one machine's rounding.

The settings push each library to a *lower* instruction set than any x86-64 machine
of the last decade picks by itself (SSE4.x instead of AVX2 / AVX-512), so they
perturb the numerics on every such CPU, this project's AMD EPYC (AVX2) included.
On ARM the x86 names are ignored and only the thread count changes.

``compare`` trains the 8.5 model (batch 32, 35 steps, 512 hidden units, lr 1, the
first 10,000 tokens, seed 0) for a few epochs under the native environment and under
each setting alone and prints the final perplexity to 17 significant digits and a
digest of the trained weights' bits, so you can see which setting moves the low bits
of which framework.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys

from .collections import ROOT

# One thread: a different split of the GEMM reductions than the multi-threaded default.
THREADS = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}

# Each group is one knob; PERTURBED is all of them at once.
SETTINGS = {
    "one thread": THREADS,
    # PyTorch's own vectorised kernels (softmax, tanh, reductions): no AVX at all.
    "ATEN_CPU_CAPABILITY=default": {"ATEN_CPU_CAPABILITY": "default"},
    # Intel MKL (PyTorch's GEMM): SSE4.2 code paths instead of AVX2 / AVX-512.
    "MKL_ENABLE_INSTRUCTIONS=SSE4_2": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    # oneDNN (PyTorch, TensorFlow and MXNet each carry one): SSE4.1 kernels.
    "ONEDNN_MAX_CPU_ISA=SSE41": {"ONEDNN_MAX_CPU_ISA": "SSE41", "DNNL_MAX_CPU_ISA": "SSE41"},
    # TensorFlow: its own Eigen kernels instead of the oneDNN ones.
    "TF_ENABLE_ONEDNN_OPTS=0": {"TF_ENABLE_ONEDNN_OPTS": "0"},
    # OpenBLAS (MXNet's and numpy's) pinned to its Nehalem (SSE) kernels. MXNet's oneDNN
    # (MKL-DNN) is perturbed by ONEDNN_MAX_CPU_ISA above; MXNET_MKLDNN_ENABLED=0 is not an
    # option: MXNet 1.9's fused RNN operator then fails ("out_data.size() == num_outputs").
    "OPENBLAS_CORETYPE=Nehalem": {"OPENBLAS_CORETYPE": "Nehalem"},
}

PERTURBED = {name: value for group in SETTINGS.values() for name, value in group.items()}

FRAMEWORKS = ("pytorch", "mxnet", "tensorflow")


def probe(framework: str, epochs: int) -> dict:
    """Train the 8.5 model for ``epochs`` epochs; its perplexity and a digest of its weights."""
    import importlib

    module = {"pytorch": "torch"}.get(framework, framework)
    d2l = importlib.import_module(f"d2lcore.{module}")
    train_iter, vocab = d2l.load_data_time_machine(32, 35, rng=0)
    net = d2l.RNNModelScratch(len(vocab), 512, seed=0)
    history = d2l.train_ch8(net, train_iter, vocab, 1, epochs, d2l.try_gpu(),
                            animate=False, verbose=False)
    params = net.get_numpy_params()
    digest = hashlib.sha1(b"".join(params[k].tobytes() for k in sorted(params)))
    return {"framework": framework, "epochs": epochs,
            "perplexity": f"{history.perplexity[-1]:.17g}",
            "params_sha1": digest.hexdigest()[:12]}


def _run_probe(framework: str, epochs: int, extra_env: dict) -> dict:
    env = dict(os.environ)
    for name in PERTURBED:  # start from the machine's own defaults
        env.pop(name, None)
    env.update(extra_env)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    out = subprocess.run(
        [sys.executable, "-m", "tools.numerics", "probe", "--framework", framework,
         "--epochs", str(epochs)],
        cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"the {framework} probe failed under {extra_env}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(frameworks, epochs: int) -> int:
    rows = [("native", {})] + list(SETTINGS.items()) + [("all of them (nbval-portable)",
                                                        PERTURBED)]
    for framework in frameworks:
        print(f"\n{framework}, 8.5 model, {epochs} epochs: final perplexity, SHA-1 of the weights")
        base = None
        for name, env in rows:
            result = _run_probe(framework, epochs, env)
            ppl, digest = result["perplexity"], result["params_sha1"]
            base = base or digest
            mark = "" if name == "native" else ("same bits" if digest == base else "changed")
            print(f"  {name:<32} {ppl:<20} {digest}  {mark}", flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.numerics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("probe", help="one training run, printed as JSON")
    one.add_argument("--framework", choices=FRAMEWORKS, required=True)
    one.add_argument("--epochs", type=int, default=2)
    many = sub.add_parser("compare", help="the probe under every setting")
    many.add_argument("--framework", choices=FRAMEWORKS, action="append")
    many.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    if args.command == "probe":
        print(json.dumps(probe(args.framework, args.epochs)))
        return 0
    return compare(args.framework or FRAMEWORKS, args.epochs)


if __name__ == "__main__":
    sys.exit(main())
