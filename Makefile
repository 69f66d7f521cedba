# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lint bench package clean goldens models

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The learned person and face models (from the pinned mediapipe wheel, sha256-checked) into
# resources/models: quick and silent when they are already there.
models: $(STAMP)
	$(BIN)/python tools/fetch_models.py

run: $(STAMP) models
	$(BIN)/likeness $(ARGS)

# One worker per core (pytest-xdist), a test file to a worker: a file's module fixtures are made
# once, and tests/conftest.py starts the longest files first.
XDIST := -n auto --dist loadfile --no-loadscope-reorder
# The suite starts hundreds of Python processes (the CLI, batch pools, the soak): each reads the
# project's compiled modules instead of compiling them again, even where the environment asks
# Python not to write them (PYTHONDONTWRITEBYTECODE; empty means unset). 0.2-0.5 s of CPU per
# process (docs/notes/test-speed.md).
PYTEST := PYTHONDONTWRITEBYTECODE= QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(XDIST)

test: $(STAMP) models
	$(PYTEST) $(PYTEST_ARGS)

# The quick tier: the suite without the tests marked slow (tests/helpers/tiers.py's SLOW_MODULES).
check: $(STAMP) models
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check studio tests

bench: $(STAMP) models
	$(BIN)/likeness bench $(ARGS)

goldens: $(STAMP) models
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q tests/promises/test_golden.py tests/promises/test_golden_full.py --regenerate-goldens

package: $(STAMP) models
	bash packaging/build.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
