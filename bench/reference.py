"""The same throughput measurement, run through d2l-zh's own training code (for comparison).

    pip install --no-deps --target /tmp/d2l-zh d2l==0.17.6
    python -m bench.reference --d2l-path /tmp/d2l-zh --framework mxnet --model scratch --json

d2l-zh v2's package is imported from ``--d2l-path`` (it is not a dependency of this
project, and none of its code is copied here). Its ``train_epoch_ch8`` trains its own
``RNNModelScratch`` (built from the 8.5 reader functions, which d2l-zh keeps in its
notebooks; ours, ``d2l.get_params``/``init_rnn_state``/``rnn``, compute the same thing) or
its ``RNNModel`` around the framework's RNN layer, on our 8.5 minibatches. One warm-up
epoch, then ``--epochs`` timed epochs; tokens/s = tokens / seconds of the timed epochs,
as in ``bench.throughput``. A failure (d2l-zh's TensorFlow code predates Keras 3) is
reported in the JSON line, not raised.
"""

import argparse
import json
import sys
import time
import types

from .common import FRAMEWORK_CHOICES, MODEL_CHOICES, load, seed_framework


def import_reference(path, framework):
    """d2l-zh's framework module from ``path``; torchvision (images only) is stubbed."""
    sys.path.insert(0, path)
    if framework == "pytorch":
        try:
            import torchvision  # noqa: F401
        except ImportError:  # d2l-zh imports it at the top; chapter 8 never uses it
            stub = types.ModuleType("torchvision")
            stub.transforms = types.ModuleType("torchvision.transforms")
            sys.modules.update({"torchvision": stub, "torchvision.transforms": stub.transforms})
        from d2l import torch as ref
    elif framework == "mxnet":
        from d2l import mxnet as ref
    else:
        from d2l import tensorflow as ref
    return ref


def reference_setup(ref, ours, framework, model, vocab_size, hidden, lr, device):
    """(net, loss, updater, epoch) with d2l-zh's classes and its ``train_epoch_ch8``."""
    if framework == "pytorch":
        import torch

        if model == "scratch":
            net = ref.RNNModelScratch(vocab_size, hidden, device, ours.get_params,
                                      ours.init_rnn_state, ours.rnn)

            def updater(batch_size):
                ref.sgd(net.params, lr, batch_size)
        else:
            net = ref.RNNModel(torch.nn.RNN(vocab_size, hidden), vocab_size=vocab_size)
            updater = torch.optim.SGD(net.parameters(), lr)
        loss = torch.nn.CrossEntropyLoss()
        return net, lambda it: ref.train_epoch_ch8(net, it, loss, updater, device, False)
    if framework == "mxnet":
        from mxnet import gluon, init

        if model == "scratch":
            net = ref.RNNModelScratch(vocab_size, hidden, device, ours.get_params,
                                      ours.init_rnn_state, ours.rnn)

            def updater(batch_size):
                ref.sgd(net.params, lr, batch_size)
        else:
            net = ref.RNNModel(gluon.rnn.RNN(hidden), vocab_size)
            net.initialize(ctx=device, force_reinit=True, init=init.Normal(0.01))
            trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})

            def updater(batch_size):
                trainer.step(batch_size)
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        return net, lambda it: ref.train_epoch_ch8(net, it, loss, updater, device, False)
    import tensorflow as tf

    if model == "scratch":
        net = ref.RNNModelScratch(vocab_size, hidden, ours.init_rnn_state, ours.rnn,
                                  ours.get_params)
    else:
        layer = tf.keras.layers.SimpleRNN(hidden, return_sequences=True, return_state=True)
        net = ref.RNNModel(layer, vocab_size=vocab_size)
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    updater = tf.keras.optimizers.SGD(lr)
    return net, lambda it: ref.train_epoch_ch8(net, it, loss, updater, False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d2l-path", required=True,
                        help="folder holding d2l-zh's package (pip install --target)")
    parser.add_argument("--framework", required=True, choices=FRAMEWORK_CHOICES)
    parser.add_argument("--model", default="scratch", choices=MODEL_CHOICES)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.hidden < 1:
        parser.error("--epochs and --hidden must be positive integers")

    ours = load(args.framework)
    ref = import_reference(args.d2l_path, args.framework)
    train_iter, vocab = ours.load_data_time_machine(32, 35, max_tokens=10000, rng=args.seed)
    seed_framework(args.framework, args.seed)
    result = {"framework": args.framework, "model": args.model, "code": "d2l-zh 0.17.6",
              "hidden": args.hidden, "epochs": args.epochs}
    try:
        net, epoch = reference_setup(ref, ours, args.framework, args.model, len(vocab),
                                     args.hidden, 1.0, ours.try_gpu())
        epoch(train_iter)  # warm-up, as in bench.throughput
        per_epoch = sum(int(Y.shape[0]) * int(Y.shape[1]) for _, Y in train_iter)
        start = time.perf_counter()
        for _ in range(args.epochs):
            perplexity, _ = epoch(train_iter)
        seconds = time.perf_counter() - start
        result.update(tokens_per_sec=round(args.epochs * per_epoch / seconds, 1),
                      perplexity=round(perplexity, 4), seconds=round(seconds, 3))
    except Exception as error:  # noqa: BLE001 - reported, the table says "fails"
        result["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    line = json.dumps(result)
    if not args.json:
        print(f"{args.framework} {args.model} (d2l-zh): "
              f"{result.get('tokens_per_sec', 'failed')} tokens/s")
    print(line)
    return result


if __name__ == "__main__":
    main()
