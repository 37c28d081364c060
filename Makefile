# The two commands of the quick start, and a few more.
#   make demo   install, then run the intake on a local demo mailbox (no network)
#   make test   install everything the tests need (Dovecot, Chromium when missing), check the
#               code's shape (make lint), then run the suite
#   make lint   import contracts (import-linter), lint and format (ruff), types (mypy)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test lint format install system-deps bench clean

demo: install
	$(BIN)/mln demo --dir demo

test: system-deps install lint
	$(BIN)/pytest -q $(PYTEST_ARGS)

# The architecture (pyproject.toml [tool.importlinter]), lint and format, and types.
LINTED := pipeline tests benchmarks scripts
lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy pipeline

# Rewrites files: sorts imports, applies ruff's safe fixes and its formatting.
format: install
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

system-deps:
	scripts/install-system-deps

bench: system-deps install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) demo build test-artifacts .pytest_cache

# The resilience suite (tests/resilience): crash harnesses, fault injection, hostile input,
# abuse; regenerates tests/RESILIENCE.md with its figures. More with
#   make resilience RESILIENCE_ARGS="--trials 200 --hypothesis-profile thorough"
.PHONY: resilience
RESILIENCE_ARGS ?=
resilience: system-deps install
	$(BIN)/python scripts/resilience_report.py $(RESILIENCE_ARGS)
