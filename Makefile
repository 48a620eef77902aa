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

.PHONY: setup test unit lint book notebooks html clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[frameworks,book,dev]'
	$(PY) -m pip check
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (d2lcore)" >/dev/null
	touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check d2lcore tests tools bench

unit: setup
	$(VENV)/bin/pytest -q tests

test: setup lint
	$(VENV)/bin/pytest -q tests

clean:
	rm -rf _build
