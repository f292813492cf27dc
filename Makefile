# Two commands for a fresh machine (see README.md): `make book` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CI_SRC := _ci/src
# make bench: timed epochs per contender
ROUNDS ?= 3
VENDOR := book/_vendor
CHROMIUM := /usr/bin/chromium

# `book` is also a folder: without .PHONY make would call the target up to date.
.PHONY: venv data vendor book test unit notebooks strict-book browser colab bench clean

$(INSTALLED): requirements.txt companion/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt -e ./companion
	@touch $@

venv: $(INSTALLED)

# Fetch real MNIST into the cache once, before anything runs in parallel.
data: venv
	$(BIN)/python -m vaebook.data

# MathJax and the Jupyter widget manager, served by the book itself (no CDN);
# versions pinned in vendor/package-lock.json, files copied to book/_vendor (not committed).
$(VENDOR)/.copied: vendor/package.json vendor/package-lock.json
	npm ci --prefix vendor --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp -r vendor/node_modules/mathjax/es5 $(VENDOR)/mathjax
	cp -r vendor/node_modules/@jupyter-widgets/html-manager/dist $(VENDOR)/jupyter-widgets
	@touch $@

vendor: $(VENDOR)/.copied

book: data vendor
	$(BIN)/jupyter-book build .
	@echo "The book is at $(abspath _build/html/index.html)"

test: unit notebooks strict-book browser colab

# Two workers share two cores: passive OpenMP waiting keeps torch's threads from spinning
# against each other (a measured 10x slowdown otherwise). Notebooks below run one at a
# time with the settings a reader gets.
unit: data
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest tests -n 2 --ignore=tests/test_browser.py --ignore=tests/test_colab.py

# Execute every chapter once, in a throw-away copy, keeping the outputs for the build.
# (Not under _build: nbmake skips every path with a `_build` folder in it.)
notebooks: data vendor
	rm -rf _ci && mkdir -p $(CI_SRC)
	cp -r _config.yml _toc.yml book companion $(CI_SRC)/
	sed -i 's/execute_notebooks: cache/execute_notebooks: "off"/' $(CI_SRC)/_config.yml
	grep -q 'execute_notebooks: "off"' $(CI_SRC)/_config.yml
	$(BIN)/python -m pytest -p no:cacheprovider --nbmake --overwrite $(CI_SRC)/book --durations=0 --durations-min=0

# Render the executed copy strictly: any warning (reference, citation, failed cell) fails.
strict-book:
	$(BIN)/jupyter-book build --all $(CI_SRC) -W -n --keep-going

# Every page of that HTML in Debian's Chromium: equations, images, widgets, Colab links.
browser: $(CHROMIUM)
	VAEBOOK_HTML=$(CI_SRC)/_build/html $(BIN)/python -m pytest tests/test_browser.py

$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

# Colab's path: a fresh environment without vaebook, where the setup cell installs it.
colab: data
	$(BIN)/python -m pytest tests/test_colab.py

bench: data
	$(BIN)/python -m vaebook.bench --rounds $(ROUNDS)

clean:
	rm -rf _build _ci .jupyter_cache $(VENDOR) vendor/node_modules
