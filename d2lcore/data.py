"""The data hub: named files with a URL and a SHA-1, a per-user cache, an offline mirror.

`download(name)` returns the path of a verified local copy of `DATA_HUB[name]`.
Where it comes from, in order:

1. the cache (``$D2LCORE_CACHE_DIR``, else ``~/.cache/d2lcore``) if the file there
   has the right SHA-1;
2. the mirror directory named by ``$D2LCORE_DATA_MIRROR`` (no network at all);
   when the variable is not set, ``../shared/data`` beside the project folder if it
   exists and holds the file (set the variable to an empty string to use no mirror);
3. the file's canonical URL.

Every copy is written to a temporary file beside its target, checked, and only
then renamed into place, so a failed or corrupt transfer never leaves a partial
or bad file in the cache.
"""

import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

__all__ = [
    "DATA_HUB",
    "DATA_URL",
    "MIRROR_ENV",
    "CACHE_ENV",
    "ChecksumError",
    "DataUnavailableError",
    "cache_dir",
    "download",
    "mirror_dir",
    "sha1_of",
    "read_time_machine",
    "read_war_of_the_worlds",
    "read_tang_poems",
    "strip_gutenberg",
]

DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"
MIRROR_ENV = "D2LCORE_DATA_MIRROR"
CACHE_ENV = "D2LCORE_CACHE_DIR"

# name -> (url, sha1).  A url of None means the file has no stable public home
# and can only come from the mirror.
DATA_HUB = {
    "time_machine": (DATA_URL + "timemachine.txt", "090b5e7e70c295757f55df93cb0a180b9691891a"),
    "war_of_the_worlds": (
        "https://www.gutenberg.org/cache/epub/36/pg36.txt",
        "8a5d3dd63210f4420faa17508adf988d7e209e1e",
    ),
    # data/poetry.txt of github.com/Yunpneg/Tensorflow_CharForLSTM, pinned to a commit.
    "tang_poems": (
        "https://raw.githubusercontent.com/Yunpneg/Tensorflow_CharForLSTM/"
        "7ab98ab01501c8c31884bf234aa166754cec1201/data/poetry.txt",
        "f3ebdfb555a0347aea22fee35c2c0e50e49d2e03",
    ),
}

# The project's sibling folder ``shared/data`` (a checkout beside the shared mirror).
PROJECT_MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

# The file name each entry is stored (and mirrored) under.
_FILE_NAMES = {
    "time_machine": "timemachine.txt",
    "war_of_the_worlds": "war_of_the_worlds.txt",
    "tang_poems": "tang_poems.txt",
}


class ChecksumError(ValueError):
    """A downloaded or mirrored file does not have the SHA-1 the hub expects."""


class DataUnavailableError(OSError):
    """No copy of a data file could be reached (offline and no mirror)."""


def cache_dir():
    """The per-user cache directory (``$D2LCORE_CACHE_DIR`` overrides the default)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "d2lcore"


def mirror_dir():
    """The mirror folder and whether it was asked for explicitly, or ``(None, False)``.

    ``$D2LCORE_DATA_MIRROR`` wins (an empty value means: no mirror); without it, the
    ``shared/data`` folder beside the project is used when it exists, so notebooks
    started from any front end find the corpora on an offline machine.
    """
    env = os.environ.get(MIRROR_ENV)
    if env is not None:
        return (Path(env).expanduser(), True) if env.strip() else (None, True)
    return (PROJECT_MIRROR, False) if PROJECT_MIRROR.is_dir() else (None, False)


def sha1_of(path):
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_name(name, url):
    if name in _FILE_NAMES:
        return _FILE_NAMES[name]
    if url:
        return url.rstrip("/").split("/")[-1]
    return name


def _install(target, fill, sha1, source):
    """Write via a temp file in the target's directory; keep it only if the SHA-1 matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix="." + target.name, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            fill(out)
        got = sha1_of(tmp)
        if sha1 and got != sha1:
            raise ChecksumError(
                f"checksum mismatch for {target.name} from {source}: expected SHA-1 {sha1}, "
                f"got {got}; the bad copy was deleted"
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def download(name, cache_dir=None, *, timeout=30):
    """Return the local path of the hub file `name`, fetching and verifying it if needed.

    Same name and meaning as d2l's ``download``; the default cache is per user
    instead of ``../data`` so notebooks anywhere share one copy.
    """
    if name not in DATA_HUB:
        raise ValueError(f"name={name!r} is not in DATA_HUB; known files: {sorted(DATA_HUB)}")
    url, sha1 = DATA_HUB[name]
    root = Path(cache_dir) if cache_dir is not None else globals()["cache_dir"]()
    fname = _file_name(name, url)
    target = root / fname
    if target.exists() and (not sha1 or sha1_of(target) == sha1):
        return str(target)

    mirror, explicit = mirror_dir()
    source = mirror / fname if mirror is not None else None
    if source is not None and (explicit or source.is_file()):
        if not source.is_file():
            raise DataUnavailableError(
                f"{fname} is not in the mirror {MIRROR_ENV}={str(mirror)!r}; "
                f"put the file there or set {MIRROR_ENV}='' to download it from {url}"
            )

        def copy(out):
            with open(source, "rb") as src:
                shutil.copyfileobj(src, out)

        return str(_install(target, copy, sha1, f"mirror {source}"))

    if url is None:
        raise DataUnavailableError(
            f"{fname} has no public download URL; set {MIRROR_ENV} to a folder that holds it"
        )

    def fetch(out):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError) as err:
            raise DataUnavailableError(
                f"could not download {fname} from {url} ({err}); offline machines must set "
                f"{MIRROR_ENV} to a folder that holds {fname}"
            ) from err

    return str(_install(target, fetch, sha1, url))


def _clean_english(lines):
    # d2l's cleaning: every run of non-letters becomes one space, lower case, stripped.
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines]


def _read_lines(name):
    with open(download(name), encoding="utf-8") as f:
        return f.read().splitlines()


def read_time_machine():
    """The Time Machine as a list of cleaned lines (letters and single spaces, lower case)."""
    return _clean_english(_read_lines("time_machine"))


_GUTENBERG_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG EBOOK.*\*\*\*")
_GUTENBERG_END = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG EBOOK.*\*\*\*")


def strip_gutenberg(lines):
    """Drop the Project Gutenberg licence header and footer around a book's text."""
    start = next((i for i, line in enumerate(lines) if _GUTENBERG_START.match(line)), None)
    end = next((i for i, line in enumerate(lines) if _GUTENBERG_END.match(line)), None)
    if start is None or end is None or end <= start:
        raise ValueError("lines do not contain a Project Gutenberg START ... END block")
    return lines[start + 1 : end]


def read_war_of_the_worlds():
    """The War of the Worlds without the Gutenberg header/footer, cleaned like the Time Machine."""
    return _clean_english(strip_gutenberg(_read_lines("war_of_the_worlds")))


# Chinese and ASCII punctuation found in the Tang corpus.
_CJK_PUNCTUATION = re.compile(r"[\s，。、；：？！「」『』《》（）()\[\]【】,.;:?!\"'“”‘’·…—-]+")


def read_tang_poems(keep_punctuation=True):
    """Tang poems, one couplet a line. With ``keep_punctuation=False`` only the characters stay."""
    if not isinstance(keep_punctuation, bool):
        raise TypeError(f"keep_punctuation must be True or False, got {keep_punctuation!r}")
    lines = [line.strip() for line in _read_lines("tang_poems")]
    if not keep_punctuation:
        lines = [_CJK_PUNCTUATION.sub("", line) for line in lines]
    return [line for line in lines if line]
