"""Chapter 9's models at d2l's settings, side by side (table in bench/CHAPTER9.md).

    python -m bench.chapter9 --framework pytorch --model gru [--epochs 500] [--no-save]

Models (256 hidden units, batch 32 x 35 steps, first 10,000 characters, sequential
partitioning, clipping at 1, every framework from the same seeded numbers):

- ``rnn``, ``gru``, ``lstm``: the framework's one-layer layer in ``d2l.RNNModel``, lr 1
  (8.6, 9.1, 9.2);
- ``deep``: a two-layer LSTM, lr 2 (9.3);
- ``bi``: a two-layer bidirectional LSTM, lr 1 (9.4; on next-character prediction it
  sees the answer, so its training perplexity means nothing as a language model);
- ``scratch-gru``, ``scratch-lstm``: ``d2l.gru`` / ``d2l.lstm`` in ``RNNModelScratch``
  (9.1, 9.2; MXNet hybridized, as on the pages).

Appends one JSON line to bench/chapter9.jsonl and rewrites bench/CHAPTER9.md from all
lines (the newest run of each framework and model).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

from .common import FRAMEWORK_CHOICES, load, train
from .quality import _atomic_write

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "chapter9.jsonl"
TABLE = HERE / "CHAPTER9.md"
HIDDEN = 256
# model -> (kind, layers, bidirectional, learning rate); None layers: the scratch loop
MODELS = {
    "rnn": ("rnn", 1, False, 1.0),
    "gru": ("gru", 1, False, 1.0),
    "lstm": ("lstm", 1, False, 1.0),
    "deep": ("lstm", 2, False, 2.0),
    "bi": ("lstm", 2, True, 1.0),
    "scratch-gru": ("gru", None, False, 1.0),
    "scratch-lstm": ("lstm", None, False, 1.0),
}
CHECKPOINTS = (50, 100, 200, 300)


def build(d2l, model, vocab_size, seed):
    """The model, loaded with seeded NumPy values (the same in every framework)."""
    from d2lcore import reference_gated, reference_layers

    kind, layers, bidirectional, _ = MODELS[model]
    if layers is None:  # d2l-zh's scratch GRU / LSTM
        get_params, init_state = ((d2l.get_gru_params, d2l.init_gru_state) if kind == "gru"
                                  else (d2l.get_lstm_params, d2l.init_lstm_state))
        forward = getattr(d2l, kind)
        if d2l.FRAMEWORK == "mxnet":
            forward = d2l.hybridize_forward(forward)
        if d2l.FRAMEWORK == "tensorflow":
            net = d2l.RNNModelScratch(vocab_size, HIDDEN, init_state, forward, get_params)
        else:
            net = d2l.RNNModelScratch(vocab_size, HIDDEN, d2l.try_gpu(), get_params,
                                      init_state, forward)
        return net.set_numpy_params(
            reference_gated.init_gated_params(kind, vocab_size, HIDDEN, seed=seed))
    layer = d2l.make_rnn_layer(kind, HIDDEN, layers, bidirectional=bidirectional)
    net = d2l.RNNModel(layer, vocab_size)
    if d2l.FRAMEWORK == "pytorch":
        net = net.to(d2l.try_gpu())
    return net.set_numpy_params(reference_layers.init_layer_params(
        kind, vocab_size, HIDDEN, layers, seed=seed, bidirectional=bidirectional))


def median(values):
    return sorted(values)[len(values) // 2]


def write_table(rows):
    newest = {}
    for r in rows:  # later lines replace earlier ones
        newest[(r["model"], r["framework"])] = r
    lines = [
        "# Chapter 9 at d2l's settings: perplexity and throughput",
        "",
        "Written by `python -m bench.chapter9` (see its docstring for the models): 256 hidden",
        "units, batch 32 x 35, the first 10,000 characters of The Time Machine, sequential",
        "partitioning, clipping at 1, lr 1 (the deep LSTM: 2), every framework starting from",
        "the same seeded values. Each cell: median perplexity of the last 50 epochs (the",
        "final epoch may sit on one of lr 1's spikes) / training tokens per second. Throughput",
        "depends on what else ran on the 2-core machine; compare within one session (dates",
        "in the detail table). All runs so far shared the 2 cores with notebook executions",
        "(the deep and bi runs with one thread each, OMP, MKL and TensorFlow pools set to 1,",
        "at a load average of 3 to 6), so their tokens/s are lower bounds that move with the",
        "load: PyTorch's GRU at 5,827 tokens/s against its LSTM at 29,269 is load, not model.",
        "",
        "`bi` is trained on next-character prediction only to show the failure of 9.4: its",
        "backward direction reads the very character it must predict, so its low training",
        "perplexity is not a language model's, and its text (last column) is degenerate.",
        "",
        "| model | " + " | ".join(FRAMEWORK_CHOICES) + " |",
        "| --- |" + " --- |" * len(FRAMEWORK_CHOICES),
    ]
    for model in MODELS:
        cells = []
        for fw in FRAMEWORK_CHOICES:
            r = newest.get((model, fw))
            cells.append("not run" if r is None else
                         f"{r['last_50_median']:.2f} / {r['tokens_per_sec']:,.0f}")
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Every run",
        "",
        "| date | framework | model | epochs | perplexity at " + ", ".join(map(str, CHECKPOINTS))
        + " | median of last 50 | tokens/s | seconds | 'time traveller' continues as |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        checkpoints = ", ".join(f"{p:.2f}" for p in r["perplexity_at"])
        lines.append(f"| {r['date']} | {r['framework']} | {r['model']} | {r['epochs']} | "
                     f"{checkpoints} | {r['last_50_median']:.3f} | {r['tokens_per_sec']:.0f} | "
                     f"{r['seconds']:.0f} | `{r['prediction']}` |")
    _atomic_write(TABLE, "\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", required=True, choices=FRAMEWORK_CHOICES)
    parser.add_argument("--model", required=True, choices=tuple(MODELS))
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be a positive integer")

    d2l = load(args.framework)
    train_iter, vocab = d2l.load_data_time_machine(32, 35, rng=args.seed)
    net = build(d2l, args.model, len(vocab), args.seed)
    start = time.perf_counter()
    history = train(d2l, net, train_iter, vocab, MODELS[args.model][3], args.epochs)
    seconds = time.perf_counter() - start
    ppl = history.perplexity
    row = {
        "date": time.strftime("%Y-%m-%d"),
        "framework": args.framework,
        "model": args.model,
        "epochs": len(ppl),  # fewer than asked under D2LCORE_MAX_EPOCHS or on divergence
        "perplexity_at": [ppl[e - 1] for e in CHECKPOINTS if e <= len(ppl)],
        "last_50_median": median(ppl[-50:]),
        "final_perplexity": history.final_perplexity,
        "tokens_per_sec": history.tokens_per_sec,
        "seconds": seconds,
        "prediction": d2l.predict_ch8("time traveller", 50, net, vocab, d2l.try_gpu()),
        "diverged_epoch": history.diverged_epoch,
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
    }
    print(json.dumps(row))
    if not args.no_save:
        rows = [json.loads(line) for line in RESULTS.read_text().splitlines()] \
            if RESULTS.exists() else []
        rows.append(row)
        _atomic_write(RESULTS, "".join(json.dumps(r) + "\n" for r in rows))
        write_table(rows)
    return row


if __name__ == "__main__":
    main()
