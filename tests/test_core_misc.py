"""Timer, Accumulator, plotting, the numpy references and the framework-free import."""

import subprocess
import sys

import numpy as np
import pytest

import d2lcore
from d2lcore import reference, reference_layers


def test_core_imports_no_framework():
    code = ("import sys, d2lcore, d2lcore.reference, d2lcore.reference_layers; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'mxnet', 'tensorflow', 'keras')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_accumulator_and_timer():
    acc = d2lcore.Accumulator(2)
    acc.add(1, 2.5)
    acc.add(3, 0.5)
    assert acc[0] == 4 and acc[1] == 3
    acc.reset()
    assert acc.data == [0.0, 0.0]
    with pytest.raises(ValueError, match="takes 2 values"):
        acc.add(1)
    timer = d2lcore.Timer()
    assert timer.stop() >= 0 and len(timer.times) == 1 and timer.sum() == timer.avg()


def test_plot_and_animator_run_headless():
    import matplotlib.pyplot as plt

    plt.figure()
    assert d2lcore.plot(np.arange(10), [np.arange(10) ** 2, np.arange(10)], "x", "y",
                        legend=["square", "id"]) is None
    assert len(plt.gca().lines) == 2
    animator = d2lcore.Animator(xlabel="epoch", legend=["a", "b"])
    for epoch in range(3):
        animator.add(epoch, (epoch, 2 * epoch))
    assert animator.Y == [[0, 1, 2], [0, 2, 4]]


def test_reference_bptt_matches_finite_differences():
    params = {k: v * 40 for k, v in reference.init_params(6, 4, seed=1).items()}
    X = np.random.RandomState(0).randint(0, 6, (2, 5))
    Y = np.random.RandomState(1).randint(0, 6, (2, 5))
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    grads = reference.bptt(p64, X, Y)
    eps = 1e-6
    for name in reference.PARAM_NAMES:
        flat = p64[name].reshape(-1)
        for i in (0, flat.size // 2, flat.size - 1):
            old = flat[i]
            flat[i] = old + eps
            up = reference.loss(reference.forward(p64, X)[0], Y)
            flat[i] = old - eps
            down = reference.loss(reference.forward(p64, X)[0], Y)
            flat[i] = old
            assert abs((up - down) / (2 * eps) - grads[name].reshape(-1)[i]) < 1e-6


def test_truncate_one_equals_no_time_gradient_and_large_k_equals_full():
    params = {k: v * 40 for k, v in reference.init_params(6, 4, seed=2).items()}
    X = np.random.RandomState(0).randint(0, 6, (2, 5))
    Y = np.random.RandomState(1).randint(0, 6, (2, 5))
    full = reference.bptt(params, X, Y)
    for name in reference.PARAM_NAMES:
        np.testing.assert_allclose(reference.bptt(params, X, Y, truncate=5)[name], full[name])
    assert not np.allclose(reference.bptt(params, X, Y, truncate=1)["W_hh"], full["W_hh"])


def test_reference_clipping_and_errors():
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([12.0])}
    clipped, norm = reference.clip_grads(grads, 1.0)
    assert norm == 13.0
    assert reference.grad_norm(clipped) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="theta"):
        reference.clip_grads(grads, 0)
    with pytest.raises(ValueError, match="activation"):
        reference.forward(reference.init_params(3, 2), np.zeros((1, 1), int), activation="gelu")
    with pytest.raises(ValueError, match="kind"):
        reference_layers.init_layer_params("transformer", 3, 2)


def test_sine_features():
    time, x = d2lcore.make_sine(T=1000, noise=0.2, seed=0)
    assert time[0] == 1 and len(x) == 1000
    features, labels = d2lcore.ar_features(x, 4)
    assert features.shape == (996, 4) and labels.shape == (996, 1)
    np.testing.assert_array_equal(features[10], x[10:14])
    assert labels[10, 0] == x[14]
    with pytest.raises(ValueError, match="tau"):
        d2lcore.ar_features(x, 0)
    n, observed = d2lcore.k_step_targets(x, 4, 64)
    assert n == 1000 - 4 - 64 + 1 and observed.shape == (n, 4)


def test_framework_module_rejects_unknown_names():
    with pytest.raises(ValueError, match="framework must be one of"):
        d2lcore.framework_module("jax")


def test_animator_leaves_one_final_figure_in_an_executed_notebook():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import d2lcore\n"
        "animator = d2lcore.Animator(xlabel='epoch', xlim=[0, 10])\n"
        "for epoch in range(10):\n"
        "    animator.add(epoch, epoch ** 2)\n"
        "len(animator.Y[0])"
    )]
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    outputs = nb.cells[0].outputs
    figures = [o for o in outputs if o.output_type == "display_data"]
    assert len(figures) == 1, [o.output_type for o in outputs]
    assert "image/svg+xml" in figures[0].data or "image/png" in figures[0].data
    # The last expression shows the animator had all ten points when the figure was final.
    assert outputs[-1].data["text/plain"] == "10"


def test_capped_epochs_follows_the_environment(monkeypatch, capsys):
    from d2lcore import training

    monkeypatch.delenv(training.MAX_EPOCHS_ENV, raising=False)
    assert training.capped_epochs(500) == 500
    monkeypatch.setenv(training.MAX_EPOCHS_ENV, "2")
    assert training.capped_epochs(500) == 2
    assert "D2LCORE_MAX_EPOCHS=2: training 2 of 500 epochs" in capsys.readouterr().out
    assert training.capped_epochs(1) == 1  # a cap above the request changes nothing
    for bad in ("0", "-3", "two", "1.5"):
        monkeypatch.setenv(training.MAX_EPOCHS_ENV, bad)
        with pytest.raises(ValueError, match="D2LCORE_MAX_EPOCHS must be a positive integer"):
            training.capped_epochs(500)


def test_fit_trains_the_capped_number_of_epochs(monkeypatch):
    from d2lcore import training

    monkeypatch.setenv(training.MAX_EPOCHS_ENV, "3")
    calls = []

    def run_epoch():
        calls.append(1)
        return _one_epoch(training)

    history = training.fit(run_epoch, 500, lambda prefix: prefix, "cpu", animate=False,
                           verbose=False)
    assert len(calls) == 3 and len(history.perplexity) == 3


def _one_epoch(training):
    epoch = training.Epoch()
    epoch.add(1.0, 0.5, 10)
    return epoch.finish()
