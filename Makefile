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
# What a fresh machine lacks (python3-venv, npm for `make vendor`, chromium for
# `make browser`) comes from Debian's packages.
APT_INSTALL := apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y

# `book` is also a folder: without .PHONY make would call the target up to date.
.PHONY: venv data vendor book test unit notebooks strict-book browser colab bench seeds clean

# Debian's python3 makes virtual environments only with python3-venv (ensurepip) installed.
$(INSTALLED): requirements.txt companion/pyproject.toml
	$(if $(shell $(PYTHON) -c 'import ensurepip' 2>/dev/null && echo yes),,$(APT_INSTALL) python3-venv)
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
# Without npm on the PATH, Debian's nodejs and npm are installed first (bookworm's npm 9.2
# reads this lockfileVersion 3), as the browser step installs Debian's chromium.
$(VENDOR)/.copied: vendor/package.json vendor/package-lock.json
	$(if $(shell command -v npm),,$(APT_INSTALL) nodejs npm)
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
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest tests -n 2 --ignore=tests/test_browser.py --ignore=tests/test_explorer.py --ignore=tests/test_colab.py

# Execute every chapter once, in a throw-away copy, keeping the outputs for the build.
# (Not under _build: nbmake skips every path with a `_build` folder in it.)
# The cell timeout is _config.yml's execute.timeout (a test keeps the two equal).
notebooks: data vendor
	rm -rf _ci && mkdir -p $(CI_SRC)
	cp -r _config.yml _toc.yml book companion $(CI_SRC)/
	sed -i 's/execute_notebooks: cache/execute_notebooks: "off"/' $(CI_SRC)/_config.yml
	grep -q 'execute_notebooks: "off"' $(CI_SRC)/_config.yml
	$(BIN)/python -m pytest -p no:cacheprovider --nbmake --nbmake-timeout=900 --overwrite $(CI_SRC)/book --durations=0 --durations-min=0

# Render the executed copy strictly: any warning (reference, citation, failed cell) fails.
strict-book:
	$(BIN)/jupyter-book build --all $(CI_SRC) -W -n --keep-going

# Every page of that HTML in Debian's Chromium: equations, images, widgets, Colab links,
# the in-page latent explorers; and the explorer's own tests (parity, speed, weight).
browser: $(CHROMIUM)
	VAEBOOK_HTML=$(CI_SRC)/_build/html $(BIN)/python -m pytest tests/test_browser.py tests/test_explorer.py

$(CHROMIUM):
	$(APT_INSTALL) chromium

# Colab's path: a fresh venv with Colab's own versions (tests/colab_stack.txt), where the
# setup cell installs vaebook through git+file:// and chapters 5 and 2 run to the end.
colab: data
	$(BIN)/python -m pytest tests/test_colab.py

bench: data
	$(BIN)/python -m benchmarks.bench --rounds $(ROUNDS)

# Chapter 7's seed study: MIG of the beta = 1 and beta = 8 shapes models over 5 seeds.
seeds: data
	$(BIN)/python -m studies.beta_seeds

clean:
	rm -rf _build _ci .jupyter_cache $(VENDOR) vendor/node_modules
