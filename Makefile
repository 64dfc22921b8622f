# The two set-up commands of the README: `make` (install + every check + build dist/) and
# `make test` (static checks + the whole test suite). Everything runs in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: all build check test test-fast static pytest clean

all: build

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,java]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/ccbkg build --root . --out dist

check: $(STAMP)
	$(BIN)/ccbkg check --root .

static: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

# --durations: the slowest tests are printed at the end of every run (docs/testing.md).
# -n auto --dist loadfile: one worker per core (pytest-xdist), each test file on one worker, so a
# file's servers start once.
PYTEST := $(BIN)/pytest -n auto --dist loadfile --durations=15

pytest: $(STAMP)
	$(PYTEST)

# Everything but the tests marked slow: the servers (ccbkg serve, the site server, Oxigraph,
# Virtuoso), the browser and the reasoner.
test-fast: $(STAMP)
	$(PYTEST) -m 'not slow'

test: static pytest

clean:
	rm -rf dist build .pytest_cache .mypy_cache .ruff_cache
