# The two commands: `make demo` and `make test`. Both set up everything they need and are safe
# to run again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The tests run on every core, at most four (pytest-xdist; each worker takes its own Redis db,
# counting down from CLEARINGHOUSE_TEST_REDIS_URL's). `make test PYTEST_ARGS=` runs them in one
# process. loadgroup keeps the tests of an xdist_group (an expensive shared fixture) together.
PYTEST_ARGS ?= -n auto --maxprocesses=4 --dist loadgroup
# Debian packages and the command that shows each is installed (gcc: the benchmark builds its
# reverse-engineering and exploitation targets; build-essential brings the C library headers).
TEST_SYSTEM_PACKAGES := chromium:chromium bubblewrap:bwrap build-essential:gcc

.PHONY: demo test lint fmt typecheck pytest venv lock clean help

help:
	@echo "make demo       set up and run the demo on http://$(HOST):$(PORT)/"
	@echo "make test       lint, type-check and run the whole test suite"
	@echo "make fmt        format the code"
	@echo "make lint       ruff"
	@echo "make typecheck  mypy (strict on src/)"
	@echo "make lock       re-resolve requirements.lock after changing pyproject.toml"

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV) || \
	  { echo "Could not create a virtual environment. On Debian/Ubuntu: sudo apt-get install -y python3-venv" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/clearinghouse demo --host $(HOST) --port $(PORT)

test: $(STAMP)
	@scripts/system-packages $(TEST_SYSTEM_PACKAGES)
	$(BIN)/ruff check src tests migrations benchmarks
	$(BIN)/ruff format --check src tests migrations benchmarks
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests migrations benchmarks

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests migrations benchmarks
	$(BIN)/ruff format src tests migrations benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
	  -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts
