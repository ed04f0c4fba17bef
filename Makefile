# Two commands on a fresh machine: `make run` and `make test`.
# Each builds its own virtualenv in .venv (once) and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test workers: the suite mostly waits (on PostgreSQL, nodes, the browser), so more
# workers than CPUs pay; each has its own template database and base directory.
TEST_WORKERS ?= 3

.PHONY: run test lint bench faults venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## run: start the service on its embedded defaults, with the seed campaign and a sample list
run: $(STAMP)
	$(BIN)/dialer run

## test: lint, type-check, the layers contract, the whole test suite with its coverage
test: $(STAMP)
	tools/ensure-chromium
	tools/ensure-nginx
	$(BIN)/ruff check dialer tests tools
	$(BIN)/ruff format --check dialer tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	rm -f .coverage .coverage.*
	$(BIN)/pytest --numprocesses $(TEST_WORKERS) --cov --cov-report=
	$(BIN)/python tools/coverage-floor 85

## lint: the static checks alone (seconds)
lint: $(STAMP)
	$(BIN)/ruff check dialer tests tools
	$(BIN)/ruff format --check dialer tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

## faults: the fault suite alone (nodes killed, hung, the database restarted, callbacks doubled)
faults: $(STAMP)
	$(BIN)/pytest -s tests/faults

## bench: the speed and memory benchmarks (figures, not pass/fail)
bench: $(STAMP)
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) .dialer
