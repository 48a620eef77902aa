# One-command entry points. `make book` and `make test` set up the venv when needed.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The offline mirror of the corpora, when the shared folder sits beside the project.
ifneq ($(wildcard ../shared/data),)
export D2LCORE_DATA_MIRROR ?= $(abspath ../shared/data)
endif
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0
# Notebooks executed / validated side by side (2 cores: at most 2).
JOBS ?= 2
# Extra arguments for `tools.build notebooks`, e.g. NOTEBOOK_ARGS="--force" or "--only 8_5_rnn_scratch".
NOTEBOOK_ARGS ?=
HTML_LOG := _build/jupyter-book.log

.PHONY: setup test unit lint book notebooks pages html nbval nbval-portable nbval-portable-long nbval-long browser \
	check-notebooks clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[frameworks,book,dev]'
	$(PY) -m pip check
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (d2lcore)" >/dev/null
	touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check d2lcore tests tools bench

# Unit tests in a random order (pytest-randomly); the seed is printed, and
# `make unit UNIT_SEED=N` replays that order. The browser test runs in `make browser`.
UNIT_SEED ?=
UNIT_ARGS ?=
unit: setup
	seed=$${UNIT_SEED:-$$RANDOM}; echo "unit tests in random order: UNIT_SEED=$$seed"; \
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VENV)/bin/pytest -q -n $(JOBS) \
	    -p randomly --randomly-seed=$$seed --ignore=tests/test_browser.py $(UNIT_ARGS) tests

# Execute the per-framework notebooks whose source changed (book, solutions, exercises).
notebooks: setup
	$(PY) -m tools.build notebooks --jobs $(JOBS) $(NOTEBOOK_ARGS)

# Fail when a committed notebook is missing, stale or orphaned.
check-notebooks: setup
	$(PY) -m tools.build check

# Merged page notebooks for the HTML (git-ignored), from the executed notebooks.
pages: setup
	$(PY) -m tools.build pages

# The HTML book from the committed executed notebooks; nothing is executed. Any Sphinx
# warning fails the build (--warningiserror); the count is printed either way.
html: pages
	mkdir -p _build
	status=0; $(VENV)/bin/jupyter-book build . --all --warningiserror --keep-going \
	    > $(HTML_LOG) 2>&1 || status=$$?; \
	grep -E "WARNING|ERROR|Exception" $(HTML_LOG) || true; \
	echo "Sphinx warnings: $$(grep -c 'WARNING' $(HTML_LOG)) (full log: $(HTML_LOG))"; \
	if [ $$status -ne 0 ]; then tail -n 20 $(HTML_LOG); exit $$status; fi; \
	test -f _build/html/index.html

book: setup notebooks html

# nbval in strict mode over every executed notebook, with the committed sanitize file.
nbval: setup
	$(PY) -m tools.nbval --jobs $(JOBS)

# nbval again under perturbed numerics (one thread, SSE-level kernels in ATen, MKL,
# oneDNN and OpenBLAS, TensorFlow without oneDNN, MXNet without MKL-DNN; see
# tools/numerics.py): what passes both runs does not hang on one machine's rounding.
nbval-portable: setup
	$(PY) -m tools.nbval --jobs $(JOBS) --portable

# The notebooks nbval-portable leaves out for time (PORTABLE_SKIP in tools/nbval.py,
# the 8.5 trainings), under the same numerics. Not part of `make test`: run it
# before calling a change to one of them done (about 30 minutes on 2 cores).
nbval-portable-long: setup
	$(PY) -m tools.nbval --jobs $(JOBS) --portable-long

# Chapter 9's notebooks re-executed with every training in full (500 epochs each; `make
# nbval` caps them at 2 epochs, see tools/nbval.py). Not part of `make test`: run it
# before calling a change to chapter 9 done.
nbval-long: setup
	$(PY) -m tools.nbval --jobs $(JOBS) --long

# Headless Chromium over the built HTML (skipped only when chromium is not installed).
browser: setup
	$(VENV)/bin/pytest -q tests/test_browser.py

test: setup lint unit html nbval nbval-portable browser

clean:
	rm -rf _build book/pages solutions/pages

# JupyterLab on the exercise notebooks (`make lab`): each kernel gets half the cores and
# the corpora come from ../shared/data when it exists, else from their public URLs
# (tools/kernel_env.py; d2lcore finds ../shared/data by itself too).
.PHONY: lab
lab: setup
	$(PY) -m tools.kernel_env lab exercises
