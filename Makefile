# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv and installs
# what it needs (the import name `autograd` is shared with HIPS autograd: keep tracegrad in
# its own venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench mutants clean browser docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# dev tools, plus torch (a local CPU build here) and micrograd for the parity tests
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(VENV)/.runtime $(VENV)/.docs $@

$(VENV)/.docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[docs]'
	touch $(VENV)/.runtime $@

demo: $(VENV)/.runtime
	$(BIN)/tracegrad demo --out demo-out

# The browser tests (tests/viz/test_browser.py) drive Debian's Chromium through Playwright's
# Python package (no browser download): installed here once when missing, if apt-get may
# (root: CI, these machines; about 20 s with apt-get update). Elsewhere those tests skip, and
# fail under CI.
CHROMIUM := /usr/bin/chromium
APT := DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing Debian's chromium for the browser tests"; \
	    log=$$(mktemp); \
	    { $(APT) install --no-install-recommends chromium fonts-liberation || \
	      { $(APT) update && $(APT) install --no-install-recommends chromium fonts-liberation; }; \
	    } >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; rm -f $$log; \
	  else \
	    echo "make: no $(CHROMIUM) and no root for apt-get: the browser tests will skip"; \
	  fi; \
	fi

test: $(VENV)/.dev browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# the documentation site, offline and strict, into site/ (open site/index.html); the notebooks
# run during the build, and are kept in build/docs-notebooks until they or the library change
docs: $(VENV)/.docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# the benchmarks run with the OpenBLAS kernel a user's machine would pick: this machine sets
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (an older, slower kernel); only here are they unset
bench: $(VENV)/.dev
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m benchmarks

# mutation test of the engine, the ops and the optimizers (scripts/mutant_table.py): about half
# an hour on two cores, so never part of `make test`; MUTANTS_ARGS="-k engine --rev HEAD" etc.
mutants: $(VENV)/.dev
	$(BIN)/python scripts/mutants.py $(MUTANTS_ARGS)

clean:
	rm -rf $(VENV) demo-out site build/docs-notebooks .pytest_cache .ruff_cache .hypothesis
