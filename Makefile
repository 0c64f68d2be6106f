# Two commands for a new user: `make run` and `make test`. Both build on `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every install (here, .ci/run, the Dockerfile) takes the versions pinned in this file, so a new
# release upstream cannot change what we run until `make lock-upgrade` says so.
LOCK := constraints.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# pytest-xdist: one worker per core; each has a test database of its own.
PYTEST_WORKERS ?= auto
HOST ?= 127.0.0.1
PORT ?= 8000

# Development defaults; production sets its own environment (see .env.example).
export DEBUG ?= 1

.PHONY: install run test test-dates lint format migrate lock lock-upgrade clean

install: $(STAMP)

# Reinstalls only when pyproject.toml or the lock changes, so a second `make install` does nothing.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --constraint $(LOCK) -e '.[dev]'
	@touch $(STAMP)

# The lock: after changing pyproject.toml's dependencies, `make lock` pins what is new and keeps
# every other pin; `make lock-upgrade` moves every pin to the newest release pyproject allows.
# Either way, run `make test` before committing constraints.txt.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
	--custom-compile-command "make lock" --annotation-style line --output-file $(LOCK)

lock: install
	$(PIP_INSTALL) uv
	$(UV_COMPILE)

lock-upgrade: install
	$(PIP_INSTALL) uv
	$(UV_COMPILE) --upgrade

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py load_frameworks
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/  (sign in with a demo login above; Ctrl-C stops)"
	@if [ -n "$$CELERY_BROKER_URL" ]; then \
	  echo "CELERY_BROKER_URL is set: starting a Celery worker with beat"; \
	  $(BIN)/celery -A governance worker --beat --loglevel=INFO --schedule $(VENV)/celerybeat-schedule & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	else \
	  echo "No CELERY_BROKER_URL: background tasks run in-process"; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=15 $(PYTEST_ARGS)

# The suite with the clock moved to dates that have broken it before (month ends, 29 February,
# a year's last minute). Each run shifts every process of the suite, servers included, through
# libfaketime; DATES="2030-06-30T12:00:00Z ..." picks others.
test-dates: install
	$(BIN)/python tests/on_dates.py $(DATES)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
