"""Training throughput of the 8.5 / 8.6 RNN in one framework (table in bench/THROUGHPUT.md).

    python -m bench.throughput --framework pytorch --model scratch --json

prints one JSON line with tokens_per_sec, perplexity, gemm_gflops (a square
fp32 matmul timed in the same process) and efficiency (achieved model FLOP/s
over that GEMM rate).  One warm-up epoch (graph tracing, hybridisation) is
run first and not counted.
"""

import argparse
import json
import time

import numpy as np

from .common import FRAMEWORK_CHOICES, MODEL_CHOICES, build, flops_per_token, load, train


def gemm_gflops(framework, n=1024, repeats=20):
    """GFLOP/s of an n x n fp32 matrix product in the framework (best of a few timings)."""
    a = np.random.RandomState(0).rand(n, n).astype(np.float32)
    if framework == "pytorch":
        import torch

        x = torch.from_numpy(a)

        def run():
            return float((x @ x)[0, 0])
    elif framework == "mxnet":
        from mxnet import np as mnp
        from mxnet import npx

        x = mnp.array(a)

        # The oneDNN fully-connected kernel the models use; np.dot goes through a much
        # slower OpenBLAS path on this wheel and would overstate the efficiency.
        def run():
            return float(npx.fully_connected(x, x, no_bias=True, num_hidden=n)[0, 0])
    else:
        import tensorflow as tf

        x = tf.constant(a)

        def run():
            return float(tf.matmul(x, x)[0, 0])

    run()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        best = min(best, (time.perf_counter() - start) / repeats)
    return 2 * n**3 / best / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", required=True, choices=FRAMEWORK_CHOICES)
    parser.add_argument("--model", default="scratch", choices=MODEL_CHOICES)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=35)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)
    for name in ("hidden", "batch", "steps", "epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer")

    d2l = load(args.framework)
    train_iter, vocab = d2l.load_data_time_machine(args.batch, args.steps,
                                                   max_tokens=args.max_tokens, rng=args.seed)
    net = build(d2l, args.model, len(vocab), args.hidden, args.seed)
    train(d2l, net, train_iter, vocab, 1, 1)  # warm-up: tracing / hybridisation
    history = train(d2l, net, train_iter, vocab, 1, args.epochs)
    gflops = gemm_gflops(args.framework)
    achieved = history.tokens_per_sec * flops_per_token(len(vocab), args.hidden) / 1e9
    result = {
        "framework": args.framework,
        "model": args.model,
        "tokens_per_sec": round(history.tokens_per_sec, 1),
        "perplexity": round(history.final_perplexity, 4),
        "gemm_gflops": round(gflops, 2),
        "efficiency": round(achieved / gflops, 4),
        "model_gflops": round(achieved, 2),
        "hidden": args.hidden,
        "batch": args.batch,
        "steps": args.steps,
        "epochs": args.epochs,
        "seconds": round(history.seconds, 3),
    }
    line = json.dumps(result)
    if not args.json:
        print(f"{args.framework} {args.model}: {result['tokens_per_sec']:.0f} tokens/s, "
              f"{result['efficiency']:.1%} of a {gflops:.0f} GFLOP/s GEMM")
    print(line)
    return result


if __name__ == "__main__":
    main()
