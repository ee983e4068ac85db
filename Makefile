# Two commands matter: `make demo` opens the app on a demo store; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test quick lint bench clean lock

# Every package, pip and the build backend included, comes from requirements.lock at the
# version and hash recorded there; caseapp itself is then installed with nothing more.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Refresh requirements.lock after changing dependencies in pyproject.toml: pins already in
# the lock are kept, new ones resolved (`make lock LOCK_ARGS=--upgrade` moves everything).
# The lock is universal: the markers in it pick the packages for Windows and macOS too.
# It needs only uv from the venv: the venv is built first only where it has none yet.
LOCK_ARGS ?=
lock: $(if $(wildcard $(BIN)/uv),,$(STAMP))
	( echo pip; $(BIN)/python -c "import tomllib; \
	  print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')" ) \
	| $(BIN)/uv pip compile pyproject.toml - --extra dev --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command 'make lock' --quiet $(LOCK_ARGS) \
	  -o requirements.lock

demo: $(STAMP)
	$(BIN)/caseapp demo

test: $(STAMP)
	$(BIN)/ruff check caseapp tests bench migrations
	$(BIN)/ruff format --check caseapp tests bench migrations
	$(BIN)/mypy
# Keyworkers' laptops run Windows and macOS: type-check what ships (not the tests, which run
# on Linux) as each sees the standard library, so a POSIX-only call outside a platform check
# fails here. Their own caches keep the Linux one warm.
	$(BIN)/mypy --platform win32 --cache-dir .mypy_cache/win32 caseapp bench
	$(BIN)/mypy --platform darwin --cache-dir .mypy_cache/darwin caseapp bench
	$(BIN)/lint-imports
# The twenty slowest tests are listed at the end, so a CI log shows where the time goes.
	$(BIN)/pytest -q --durations=20

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
