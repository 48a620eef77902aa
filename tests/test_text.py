"""Tokenization, the vocabulary and the corpus loaders."""

import pytest

import d2lcore


def test_character_corpus_facts():
    corpus, vocab = d2lcore.load_corpus_time_machine()
    assert len(corpus) == 170_580
    assert len(vocab) == 28
    assert set(vocab.idx_to_token) == set("abcdefghijklmnopqrstuvwxyz ") | {"<unk>"}


def test_word_corpus_facts_and_top_ten():
    tokens = d2lcore.tokenize(d2lcore.read_time_machine(), "word")
    vocab = d2lcore.Vocab(tokens)
    assert sum(len(line) for line in tokens) == 32_775
    assert len(vocab) == 4_580
    assert vocab.token_freqs[:10] == [
        ("the", 2261), ("i", 1267), ("and", 1245), ("of", 1155), ("a", 816),
        ("to", 695), ("was", 552), ("in", 541), ("that", 443), ("my", 440),
    ]


def test_max_tokens_keeps_the_first_tokens():
    full, _ = d2lcore.load_corpus_time_machine()
    short, vocab = d2lcore.load_corpus_time_machine(max_tokens=10_000)
    assert short == full[:10_000]
    assert len(vocab) == 28


@pytest.mark.parametrize("bad", [0, -2, 1.5, "10"])
def test_max_tokens_must_be_positive_or_minus_one(bad):
    with pytest.raises(ValueError, match="max_tokens"):
        d2lcore.load_corpus(["abc"], "char", max_tokens=bad)


def test_tokenize_word_and_char():
    assert d2lcore.tokenize(["the time", ""], "word") == [["the", "time"], []]
    assert d2lcore.tokenize(["ab c"], "char") == [["a", "b", " ", "c"]]


def test_tokenize_unknown_type_raises():
    with pytest.raises(ValueError, match="token must be one of"):
        d2lcore.tokenize(["abc"], "byte")


def test_tokenize_needs_a_list_of_lines():
    with pytest.raises(TypeError, match="lines"):
        d2lcore.tokenize("a single string", "char")


def test_vocab_order_unk_reserved_and_ties():
    tokens = [["b", "a", "c", "a", "b", "d"]]
    vocab = d2lcore.Vocab(tokens, reserved_tokens=["<pad>"])
    # <unk> first, then reserved, then by frequency; ties (a/b at 2, c/d at 1) in text order.
    assert vocab.idx_to_token == ["<unk>", "<pad>", "b", "a", "c", "d"]
    assert vocab["a"] == 3 and vocab["zzz"] == 0 and vocab.unk == 0
    assert vocab[["c", "nope"]] == [4, 0]
    assert vocab.to_tokens([2, 3]) == ["b", "a"] and vocab.to_tokens(5) == "d"
    with pytest.raises(IndexError):
        vocab.to_tokens(6)


def test_vocab_is_deterministic_and_min_freq():
    tokens = d2lcore.tokenize(d2lcore.read_time_machine(), "word")
    assert d2lcore.Vocab(tokens).idx_to_token == d2lcore.Vocab(tokens).idx_to_token
    frequent = d2lcore.Vocab(tokens, min_freq=10)
    assert all(freq >= 10 for token, freq in frequent.token_freqs if token in frequent.token_to_idx)
    assert len(frequent) < 4_580


def test_vocab_for_chinese_characters():
    lines = d2lcore.read_tang_poems(keep_punctuation=False)[:200]
    vocab = d2lcore.Vocab(d2lcore.tokenize(lines, "char"))
    assert vocab["寒"] > 0 and vocab.to_tokens(vocab["寒"]) == "寒"
    assert len(vocab) == len(set("".join(lines))) + 1


def test_count_corpus_flat_and_nested():
    assert d2lcore.count_corpus(["a", "b", "a"])["a"] == 2
    assert d2lcore.count_corpus([["a"], ["a", "b"]])["a"] == 2
