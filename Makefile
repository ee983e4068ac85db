# Two commands matter: `make demo` opens the app on a demo store; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test quick lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/caseapp demo

test: $(STAMP)
	$(BIN)/ruff check caseapp tests bench migrations
	$(BIN)/ruff format --check caseapp tests bench migrations
	$(BIN)/mypy
	# Keyworkers' laptops run Windows and macOS: type-check as each sees the standard library,
	# so a POSIX-only call outside a platform check fails here (own caches keep Linux's warm).
	$(BIN)/mypy --platform win32 --cache-dir .mypy_cache/win32
	$(BIN)/mypy --platform darwin --cache-dir .mypy_cache/darwin
	$(BIN)/lint-imports
	$(BIN)/pytest -q

quick: $(STAMP)
	$(BIN)/pytest -q -m "not slow" -x

lint: $(STAMP)
	$(BIN)/ruff check caseapp tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
