# The two set-up commands of the README: `make` (install + every check + build dist/) and
# `make test` (static checks + the whole test suite). Everything runs in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: all build check test test-fast static pytest wheelhouse clean

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
# env -u PYTHONDONTWRITEBYTECODE: an environment that turns bytecode caching off (some CI images
# do) would make every worker and every fresh interpreter compile the tests (pytest's assertion
# rewriting) and ccbkg again; the caches go to __pycache__ folders git ignores.
# --no-loadscope-reorder: the files go to the workers longest first, in the order tests/conftest.py
# gives them (by their seconds in the last run), not by their number of tests.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n auto --dist loadfile \
  --no-loadscope-reorder --durations=15

# Wheels of the dependencies (the `java` extra and the build backend included) for the tests that
# pip-install ccbkg into a new virtual environment with no network (docs/testing.md). Fetched
# here, where the network may be used; again only when pyproject.toml changes.
WHEELHOUSE := .cache/wheelhouse
REQUIREMENTS := import tomllib; p = tomllib.load(open("pyproject.toml", "rb")); \
  print(*p["build-system"]["requires"], *p["project"]["dependencies"], \
        *p["project"]["optional-dependencies"]["java"], sep="\n")

$(WHEELHOUSE)/.stamp: $(STAMP)
	rm -rf $(WHEELHOUSE)
	mkdir -p $(WHEELHOUSE)
	$(BIN)/python -c '$(REQUIREMENTS)' > $(WHEELHOUSE)/requirements.txt
	$(BIN)/pip wheel --quiet --disable-pip-version-check --wheel-dir $(WHEELHOUSE) \
	  -r $(WHEELHOUSE)/requirements.txt
	touch $@

wheelhouse: $(WHEELHOUSE)/.stamp

pytest: $(STAMP) wheelhouse
	$(PYTEST)

# Everything but the tests marked slow: the servers (ccbkg serve, the site server, Oxigraph,
# Virtuoso), the browser and the reasoner.
test-fast: $(STAMP)
	$(PYTEST) -m 'not slow'

test: static pytest

clean:
	rm -rf dist build .pytest_cache .mypy_cache .ruff_cache
