"""The data hub and the corpus readers, against the facts in shared/data/README.md."""

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

import d2lcore
from d2lcore import data


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_hub_lists_the_three_corpora_with_sha1():
    assert set(d2lcore.DATA_HUB) == {"time_machine", "war_of_the_worlds", "tang_poems"}
    for url, sha1 in d2lcore.DATA_HUB.values():
        assert len(sha1) == 40 and int(sha1, 16) >= 0
        assert url.startswith("http")
    assert d2lcore.DATA_HUB["time_machine"][0] == d2lcore.DATA_URL + "timemachine.txt"


def test_download_from_mirror_verifies_and_caches(fresh_cache, monkeypatch):
    path = Path(d2lcore.download("time_machine"))
    assert path.parent == fresh_cache
    assert d2lcore.sha1_of(path) == d2lcore.DATA_HUB["time_machine"][1]
    # A second call finds the verified copy in the cache, without the mirror.
    monkeypatch.delenv(data.MIRROR_ENV)
    assert Path(d2lcore.download("time_machine")) == path


def test_cache_dir_is_overridable(fresh_cache):
    assert d2lcore.cache_dir() == fresh_cache


def test_unknown_name_is_rejected(fresh_cache):
    with pytest.raises(ValueError, match="DATA_HUB"):
        d2lcore.download("moby_dick")


def test_offline_without_mirror_names_file_url_and_variable(fresh_cache, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, "")  # no mirror at all
    # Port 9 (discard) on loopback refuses the connection: a stand-in for "offline".
    monkeypatch.setitem(data.DATA_HUB, "time_machine",
                        ("http://127.0.0.1:9/timemachine.txt", data.DATA_HUB["time_machine"][1]))
    with pytest.raises(d2lcore.DataUnavailableError) as err:
        d2lcore.download("time_machine", timeout=5)
    message = str(err.value)
    assert "timemachine.txt" in message
    assert "http://127.0.0.1:9/timemachine.txt" in message
    assert data.MIRROR_ENV in message
    assert not any(fresh_cache.iterdir()), "no partial file after a failed download"


def test_mirror_without_the_file_says_so(fresh_cache, monkeypatch, tmp_path):
    empty = tmp_path / "empty_mirror"
    empty.mkdir()
    monkeypatch.setenv(data.MIRROR_ENV, str(empty))
    with pytest.raises(d2lcore.DataUnavailableError, match="not in the mirror"):
        d2lcore.download("time_machine")


def test_mirror_only_file_without_mirror(fresh_cache, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, "")  # no mirror at all
    monkeypatch.setitem(data.DATA_HUB, "toy", (None, "0" * 40))
    with pytest.raises(d2lcore.DataUnavailableError, match=data.MIRROR_ENV):
        d2lcore.download("toy")


def test_every_corpus_has_a_public_url():
    for name, (url, _) in data.DATA_HUB.items():
        assert url and url.startswith(("https://", "http://")), name
    url = data.DATA_HUB["tang_poems"][0]
    assert url == ("https://raw.githubusercontent.com/Yunpneg/Tensorflow_CharForLSTM/"
                   "7ab98ab01501c8c31884bf234aa166754cec1201/data/poetry.txt")
    assert data.DATA_HUB["tang_poems"][1] == "f3ebdfb555a0347aea22fee35c2c0e50e49d2e03"


def test_project_mirror_is_found_without_the_variable(fresh_cache, monkeypatch, tmp_path):
    """A student who starts Python or Jupyter directly gets the sibling shared/data."""
    sibling = tmp_path / "shared" / "data"
    sibling.mkdir(parents=True)
    body = b"a corpus from the sibling mirror\n"
    (sibling / "toy.txt").write_bytes(body)
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    monkeypatch.setattr(data, "PROJECT_MIRROR", sibling)
    # The URL refuses connections: the file can only come from the sibling folder.
    monkeypatch.setitem(data.DATA_HUB, "toy",
                        ("http://127.0.0.1:9/toy.txt", hashlib.sha1(body).hexdigest()))
    assert data.mirror_dir() == (sibling, False)
    assert Path(d2lcore.download("toy", timeout=5)).read_bytes() == body


def test_project_mirror_without_the_file_falls_back_to_the_url(fresh_cache, monkeypatch,
                                                               tmp_path):
    sibling = tmp_path / "shared" / "data"
    sibling.mkdir(parents=True)
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    monkeypatch.setattr(data, "PROJECT_MIRROR", sibling)
    body = b"served over http\n"
    with _Server(body) as url:
        monkeypatch.setitem(data.DATA_HUB, "toy", (url, hashlib.sha1(body).hexdigest()))
        assert Path(d2lcore.download("toy")).read_bytes() == body


def test_empty_variable_means_no_mirror(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "PROJECT_MIRROR", tmp_path)
    monkeypatch.setenv(data.MIRROR_ENV, "")
    assert data.mirror_dir() == (None, True)
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path / "m"))
    assert data.mirror_dir() == (tmp_path / "m", True)
    monkeypatch.delenv(data.MIRROR_ENV)
    monkeypatch.setattr(data, "PROJECT_MIRROR", tmp_path / "missing")
    assert data.mirror_dir() == (None, False)


def test_checksum_mismatch_from_mirror_keeps_no_file(fresh_cache, monkeypatch, tmp_path):
    bad = tmp_path / "bad_mirror"
    bad.mkdir()
    (bad / "timemachine.txt").write_text("not the time machine\n")
    monkeypatch.setenv(data.MIRROR_ENV, str(bad))
    with pytest.raises(d2lcore.ChecksumError, match="checksum mismatch"):
        d2lcore.download("time_machine")
    assert list(fresh_cache.iterdir()) == []


def test_corrupt_cached_file_is_replaced(fresh_cache):
    fresh_cache.mkdir(parents=True)
    (fresh_cache / "timemachine.txt").write_text("truncated")
    path = d2lcore.download("time_machine")
    assert d2lcore.sha1_of(path) == d2lcore.DATA_HUB["time_machine"][1]


class _Server:
    """A loopback HTTP server that serves fixed bytes, or dies half-way through a body."""

    def __init__(self, body, truncate=False):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if truncate else body)
                outer.requests += 1

            def log_message(self, *args):
                pass

        self.requests = 0
        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_port}/file.txt"

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_download_over_http_verifies_sha1(fresh_cache, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, "")  # no mirror at all
    body = b"hello corpus\n"
    with _Server(body) as url:
        monkeypatch.setitem(data.DATA_HUB, "toy", (url, hashlib.sha1(body).hexdigest()))
        path = d2lcore.download("toy")
    assert Path(path).read_bytes() == body


def test_download_over_http_with_wrong_sha1_keeps_nothing(fresh_cache, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, "")  # no mirror at all
    with _Server(b"tampered\n") as url:
        monkeypatch.setitem(data.DATA_HUB, "toy", (url, "0" * 40))
        with pytest.raises(d2lcore.ChecksumError):
            d2lcore.download("toy")
    assert list(fresh_cache.iterdir()) == []


def test_interrupted_download_leaves_no_partial_file(fresh_cache, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, "")  # no mirror at all
    body = b"x" * 100_000
    with _Server(body, truncate=True) as url:
        monkeypatch.setitem(data.DATA_HUB, "toy", (url, hashlib.sha1(body).hexdigest()))
        with pytest.raises((d2lcore.DataUnavailableError, d2lcore.ChecksumError)):
            d2lcore.download("toy", timeout=5)
    assert list(fresh_cache.iterdir()) == []


def test_read_time_machine_cleaning():
    lines = d2lcore.read_time_machine()
    assert lines[0] == "the time machine by h g wells"
    assert all(line == line.strip() and line == line.lower() for line in lines)
    assert all(set(line) <= set("abcdefghijklmnopqrstuvwxyz ") for line in lines)
    assert not any("  " in line for line in lines)


def test_war_of_the_worlds_has_no_gutenberg_header_or_footer():
    lines = d2lcore.read_war_of_the_worlds()
    text = " ".join(lines)
    assert "gutenberg" not in text
    assert "the war of the worlds" in text
    assert all(set(line) <= set("abcdefghijklmnopqrstuvwxyz ") for line in lines)


def test_strip_gutenberg_requires_markers():
    with pytest.raises(ValueError, match="START"):
        d2lcore.strip_gutenberg(["no markers here"])


def test_tang_poems_with_and_without_punctuation():
    with_punct = d2lcore.read_tang_poems()
    plain = d2lcore.read_tang_poems(keep_punctuation=False)
    assert len(with_punct) == 72514
    # The README counts 942,682 characters in the file: the lines plus one newline each.
    assert sum(map(len, with_punct)) + len(with_punct) == 942_682
    assert "，" in with_punct[0] and "，" not in plain[0]
    assert plain[0] == "寒随穷律变春逐鸟声开"
    with pytest.raises(TypeError, match="keep_punctuation"):
        d2lcore.read_tang_poems(keep_punctuation="no")
