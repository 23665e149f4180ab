# PIM Action Tracker — the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is for day-to-day work.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The benchmark fills (and keeps, for the next run) a database of its own, never DATABASE_URL's.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pim_bench

.PHONY: run test install lint format messages lock check clean help bench

help:
	@echo "make run     install, migrate, load the demo, serve http://$(HOST):$(PORT)"
	@echo "make test    the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)"
	@echo "make lint    ruff, migrations, system checks, the import layers, mypy on pim/"
	@echo "make messages  refresh and compile the French and Arabic translations"
	@echo "make bench   generate 100,000 action points in PostgreSQL (pim_bench) and time the lists"

$(INSTALLED): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed: install python3.11 first."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "Python 3.11 is needed; $(PYTHON) is $$($(PYTHON) --version)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $@

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(INSTALLED)
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	$(BIN)/pytest -q -p no:cacheprovider tests/test_architecture.py
	$(BIN)/mypy pim

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# BENCH_ARGS: e.g. --fresh, --strict (exit 1 on a missed target), --scale 0.1, --repeat 5, -v 2.
bench: $(INSTALLED)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench $(BENCH_ARGS)

messages: $(INSTALLED)
	$(BIN)/python manage.py makemessages -l fr -l ar --no-location --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages -l fr -l ar --ignore=.venv

lock: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e ".[dev]" --upgrade
	{ echo "# Exact versions tested together; pyproject.toml holds the ranges. Refresh: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
