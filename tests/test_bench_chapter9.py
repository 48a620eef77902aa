"""bench.chapter9 builds every model of the table from the same seeded numbers."""

import json

import pytest

from bench import chapter9

# one framework keeps this quick; tests/test_bidirectional.py and test_gated.py cover the rest
pytest.importorskip("torch")


def test_one_epoch_of_each_model_runs_and_the_table_lists_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(chapter9, "RESULTS", tmp_path / "chapter9.jsonl")
    monkeypatch.setattr(chapter9, "TABLE", tmp_path / "CHAPTER9.md")
    row = chapter9.main(["--framework", "pytorch", "--model", "gru", "--epochs", "1"])
    assert row["epochs"] == 1 and row["diverged_epoch"] is None
    assert 1 < row["last_50_median"] < 28  # better than a uniform guess over 28 tokens
    lines = (tmp_path / "chapter9.jsonl").read_text().splitlines()
    assert [json.loads(line)["model"] for line in lines] == ["gru"]
    table = (tmp_path / "CHAPTER9.md").read_text()
    assert "| gru | " in table and "| rnn | not run |" in table


def test_the_seeded_start_is_the_same_numbers_as_the_reference():
    from d2lcore import reference_gated, reference_layers
    from d2lcore import torch as d2l

    net = chapter9.build(d2l, "bi", 28, seed=3)
    expected = reference_layers.init_layer_params("lstm", 28, chapter9.HIDDEN, 2, seed=3,
                                                  bidirectional=True)
    got = net.get_numpy_params()
    assert set(got) == set(expected)
    assert all(abs(got[k] - expected[k]).max() == 0 for k in expected)
    scratch = chapter9.build(d2l, "scratch-lstm", 28, seed=3).get_numpy_params()
    expected = reference_gated.init_gated_params("lstm", 28, chapter9.HIDDEN, seed=3)
    assert all(abs(scratch[k] - expected[k]).max() == 0 for k in expected)


def test_bad_arguments_are_named():
    with pytest.raises(SystemExit):
        chapter9.main(["--framework", "pytorch", "--model", "gru", "--epochs", "0"])
    with pytest.raises(SystemExit):
        chapter9.main(["--framework", "pytorch", "--model", "transformer"])
