"""The d2l 8.5 quality run: 500 epochs, 512 hidden units, lr 1, batch 32 x 35, 10,000 tokens.

    python -m bench.quality --framework pytorch [--model scratch] [--epochs 500]

Appends one JSON line per run to bench/results.jsonl (final perplexity,
tokens/s, seconds, the continuation of 'time traveller') and rewrites the
table in bench/RESULTS.md from all lines.
"""

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from .common import FRAMEWORK_CHOICES, MODEL_CHOICES, build, load, train

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.jsonl"
TABLE = HERE / "RESULTS.md"


def _atomic_write(path, text):
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_table(rows):
    lines = [
        "# Measured results of the 8.5 setting",
        "",
        "Written by `python -m bench.quality` (d2l 8.5: batch 32, 35 steps, 512 hidden units,",
        "learning rate 1, first 10,000 character tokens, sequential partitioning, clipping",
        "theta = 1) on the 2-core CPU machine. Throughput is noisy (±30 %) and depends on what",
        "else ran at the time; compare numbers measured in one session.",
        "",
        "| date | framework | model | epochs | final perplexity | lowest | median of last 50 |"
        " tokens/s | seconds | 'time traveller' continues as |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lowest = f"{r['min_perplexity']:.3f}" if "min_perplexity" in r else "n/a"
        median = f"{r['last_50_median']:.3f}" if "last_50_median" in r else "n/a"
        lines.append(f"| {r['date']} | {r['framework']} | {r['model']} | {r['epochs']} | "
                     f"{r['perplexity']:.3f} | {lowest} | {median} | "
                     f"{r['tokens_per_sec']:.0f} | {r['seconds']:.0f} | `{r['prediction']}` |")
    _atomic_write(TABLE, "\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", required=True, choices=FRAMEWORK_CHOICES)
    parser.add_argument("--model", default="scratch", choices=MODEL_CHOICES)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)

    d2l = load(args.framework)
    train_iter, vocab = d2l.load_data_time_machine(32, 35, rng=args.seed)
    net = build(d2l, args.model, len(vocab), 512, args.seed)
    start = time.perf_counter()
    history = train(d2l, net, train_iter, vocab, 1, args.epochs)
    seconds = time.perf_counter() - start
    prediction = d2l.predict_ch8("time traveller", 50, net, vocab, d2l.try_gpu())
    row = {
        "date": time.strftime("%Y-%m-%d"),
        "framework": args.framework,
        "model": args.model,
        "epochs": args.epochs,
        "perplexity": history.final_perplexity,
        # lr = 1 makes the curve spike now and then; the final epoch may sit on a spike.
        "min_perplexity": min(history.perplexity),
        "last_50_median": sorted(history.perplexity[-50:])[len(history.perplexity[-50:]) // 2],
        "tokens_per_sec": history.tokens_per_sec,
        "seconds": seconds,
        "prediction": prediction,
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
