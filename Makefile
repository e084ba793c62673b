# handschlag — the two commands: `make run` and `make test`. Needs only python3 and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HANDSCHLAG := $(BIN)/handschlag
PG_URL ?= $(DATABASE_URL)

.PHONY: run test install install-dev lint typecheck migrations-check test-sqlite test-postgres translations messages clean demo-large

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

$(VENV)/.installed-base: $(BIN)/python requirements/base.txt pyproject.toml setup.py src/handschlag/matching/_compiled.c
	$(BIN)/pip install -qq -r requirements/base.txt
	$(BIN)/pip install -qq --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-base requirements/dev.txt
	$(BIN)/pip install -qq -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

translations: install
	@$(HANDSCHLAG) compile_translations

## make run: install, migrate the SQLite database under var/, load the demo, serve on :8000 with a worker.
run: translations
	@unset DATABASE_URL; \
	$(HANDSCHLAG) migrate --no-input -v 0 && \
	$(HANDSCHLAG) demo --size small --if-empty && \
	echo "handschlag runs on http://127.0.0.1:8000/ (Ctrl-C stops server and worker)" && \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(HANDSCHLAG) worker & WORKER=$$!; \
	$(HANDSCHLAG) runserver 127.0.0.1:8000 --noreload --skip-checks

## make test: lint, types, migrations, the whole suite on SQLite, and on PostgreSQL when DATABASE_URL points at one.
test: install-dev translations lint typecheck migrations-check test-sqlite test-postgres

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	@# the import rules of docs/ARCHITECTURE.md (.importlinter); from src/ so that this checkout's code is analysed
	cd src && ../$(BIN)/lint-imports ../.importlinter

typecheck: install-dev
	$(BIN)/mypy

migrations-check: install-dev
	@unset DATABASE_URL; HANDSCHLAG_VAR_DIR=$$(mktemp -d) $(HANDSCHLAG) makemigrations --check --dry-run

test-sqlite: install-dev
	@echo "== tests on SQLite"; \
	if [ -x /usr/bin/chromium ]; then echo "browser tests: run in Chromium (/usr/bin/chromium)"; \
	else echo "SKIPPED: browser tests — /usr/bin/chromium is not installed (apt install chromium)"; fi
	@unset DATABASE_URL; $(BIN)/pytest -q -n 2 --dist loadgroup

test-postgres: install-dev
	@if [[ "$(PG_URL)" == postgres* ]]; then \
	  echo "== tests on PostgreSQL ($(PG_URL))"; \
	  DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q -n 2 --dist loadgroup; \
	else echo "SKIPPED: tests on PostgreSQL — set DATABASE_URL=postgres://… to run them too"; fi

## Developer helpers
messages: install-dev
	cd src/handschlag && ../../$(HANDSCHLAG) makemessages -l de --no-obsolete --ignore 'matching/*'

demo-large: translations
	$(HANDSCHLAG) migrate --no-input -v 0 && $(HANDSCHLAG) demo --size large

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache src/.import_linter_cache
