# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv and installs
# what it needs (the import name `autograd` is shared with HIPS autograd: keep tracegrad in
# its own venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench mutants clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# dev tools, plus torch (a local CPU build here) and micrograd for the parity tests
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(VENV)/.runtime $@

demo: $(VENV)/.runtime
	$(BIN)/tracegrad demo --out demo-out

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

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
	rm -rf $(VENV) demo-out .pytest_cache .ruff_cache .hypothesis
