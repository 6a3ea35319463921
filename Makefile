# Two commands matter on a fresh clone: `make run` and `make test`. Both set up .venv when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= $(wildcard config.toml)
DOMAIN ?=

.PHONY: run test lint format bench i18n e2e-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Run the bot: Telegram when a token is configured, else the local console chat on demo data.
run: $(STAMP)
	$(BIN)/python -m bot $(if $(CONFIG),--config $(CONFIG)) run

## Run the whole test suite (unit, handlers through the in-process Bot API, end-to-end emulator).
test: $(STAMP) e2e-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

e2e-deps:
	@if command -v npm >/dev/null 2>&1; then \
		test -d tests/e2e/node_modules || npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the end-to-end test will be skipped"; fi

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
