# Two commands for a fresh machine (see README.md): `make book` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CI_SRC := _build/ci/src

# `book` is also a folder: without .PHONY make would call the target up to date.
.PHONY: venv data book test unit notebooks strict-book bench clean

$(INSTALLED): requirements.txt companion/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt -e ./companion
	@touch $@

venv: $(INSTALLED)

# Fetch real MNIST into the cache once, before anything runs in parallel.
data: venv
	$(BIN)/python -m vaebook.data

book: data
	$(BIN)/jupyter-book build .
	@echo "The book is at $(abspath _build/html/index.html)"

test: unit notebooks strict-book

unit: data
	$(BIN)/python -m pytest tests -n 2

# Execute every chapter once, in a throw-away copy, keeping the outputs for the build.
notebooks: data
	rm -rf _build/ci && mkdir -p $(CI_SRC)
	cp -r _config.yml _toc.yml book $(CI_SRC)/
	sed -i 's/execute_notebooks: cache/execute_notebooks: "off"/' $(CI_SRC)/_config.yml
	grep -q 'execute_notebooks: "off"' $(CI_SRC)/_config.yml
	$(BIN)/python -m pytest -p no:cacheprovider --nbmake --overwrite $(CI_SRC)/book --durations=0 --durations-min=0

# Render the executed copy strictly: any warning (reference, citation, failed cell) fails.
strict-book:
	$(BIN)/jupyter-book build --all $(CI_SRC) -W -n --keep-going

bench: data
	$(BIN)/python -m vaebook.bench

clean:
	rm -rf _build .jupyter_cache
