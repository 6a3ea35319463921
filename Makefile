# Two commands matter on a fresh clone: `make run` and `make test`. Both set up .venv when needed.
# The first Python >= 3.11 on PATH builds the venv (override: `make PY=/usr/bin/python3.12 test`).
PY ?= $(firstword $(foreach p,python3 python3.13 python3.12 python3.11,$(shell $(p) -c \
	'import sys; print(sys.executable if sys.version_info >= (3, 11) else "")' 2>/dev/null)))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= $(wildcard config.toml)
DOMAIN ?=

.PHONY: run test lint format bench i18n e2e-deps clean

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "error: Python 3.11 or newer is needed (or: make PY=/path/to/python3.11)"; exit 1; }
	@# A venv without a working pip (an interrupted or broken set-up) is made afresh.
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PY) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Run the bot: Telegram when a token is configured, else the local console chat on demo data.
run: $(STAMP)
	$(BIN)/python -m bot $(if $(CONFIG),--config $(CONFIG)) run

## Run the whole test suite (unit, handlers through the in-process Bot API, end-to-end emulator),
## then ruff and mypy (strict on bot/, the default on handlers/; pyproject.toml [tool.mypy]).
## All always run (lint findings do not hide test results); any failure fails `make test`,
## pytest's exit code 5 (no tests collected) included.
test: $(STAMP) e2e-deps
	@status=0; \
	$(BIN)/python -m pytest -q || status=$$?; \
	$(BIN)/ruff check . || status=$$?; \
	$(BIN)/mypy || status=$$?; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (exit $$status)"; fi; \
	exit $$status

## The end-to-end test's Node.js packages (the telegram-test-api emulator), exactly as locked.
E2E := tests/e2e
E2E_STAMP := $(E2E)/node_modules/.installed
ifneq ($(shell command -v npm 2>/dev/null),)
e2e-deps: $(E2E_STAMP)
else
e2e-deps:
	@echo "npm not found: install Node.js and npm for the end-to-end test (tests/e2e)"
endif

$(E2E_STAMP): $(E2E)/package.json $(E2E)/package-lock.json
	npm ci --prefix $(E2E) --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Benchmarks (not part of the tests); results go to bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python -m bench

## Extract and update the gettext catalogs: `make i18n` (all domains) or `make i18n DOMAIN=booking`.
i18n: $(STAMP)
	$(BIN)/python -m bot.i18n_tools update $(DOMAIN)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
