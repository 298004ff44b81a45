# The two commands of the README:
#   make run    install everything, migrate SQLite, demo city, login, start the server
#   make test   install what the tests need, lint, whole suite on SQLite (with coverage) and
#               PostgreSQL, gunicorn smoke
# Installs come from the lock files requirements.txt and requirements-test.txt (`make lock`).
# The work is done by the scripts in .ci/ (readable on their own).

SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
export PYTHON PORT

.DEFAULT_GOAL := help
.PHONY: help run test install install-test lint lock test-sqlite test-postgres smoke postgres backup restore clean mutation

help:
	@echo "make run            install, migrate, demo city, login, server on http://127.0.0.1:$(PORT)/admin/"
	@echo "make test           install test needs; lint; pytest on SQLite (coverage) and PostgreSQL; gunicorn smoke"
	@echo "make install        system packages + .venv from requirements.txt (no server)"
	@echo "make lint           ruff check and ruff format --check of the whole tree"
	@echo "make lock           rewrite requirements*.txt from pyproject.toml (UPGRADE=1: newest allowed versions)"
	@echo "make mutation       mutation testing of the rule modules (mutmut): score per module, tests/mutation/"
	@echo "make test-sqlite    pytest on SQLite only, with coverage (PYTEST_ARGS='...' for extra arguments)"
	@echo "make test-postgres  start PostgreSQL, pytest on it"
	@echo "make smoke          gunicorn + whitenoise smoke test against PostgreSQL"
	@echo "make backup         back up the configured database into var/backups/"
	@echo "make restore FILE=var/backups/...   replace the configured database with a backup"

run: install
	bash .ci/serve

test:
	bash .ci/test-all

install:
	bash .ci/install-system run
	bash .ci/venv
	bash .ci/vendor-js

install-test:
	bash .ci/install-system test
	bash .ci/venv test
	bash .ci/vendor-js

lint:
	bash .ci/venv test
	bash .ci/lint

lock:
	bash .ci/venv test
	bash .ci/lock

# Mutation testing of the pure rule modules, each against its own tests, with one worker (slow:
# minutes, not seconds; not part of `make test`). Records the scores in tests/mutation/.
mutation:
	bash .ci/venv test
	bash .ci/mutation

# Coverage of the SQLite run (configured in pyproject.toml); its data file lives in a temporary
# directory, removed afterwards: the report is the table pytest-cov prints.
COVERAGE_ARGS = --cov=jpki --cov=residents --cov=letters --cov-branch --cov-report=term:skip-covered

test-sqlite: install-test
	cov=$$(mktemp -d) && trap 'rm -rf "$$cov"' EXIT && \
	COVERAGE_FILE="$$cov/.coverage" DATABASE_URL="sqlite:///$(CURDIR)/db.sqlite3" \
	.venv/bin/python -m pytest -p no:cacheprovider $(COVERAGE_ARGS) $(PYTEST_ARGS)

test-postgres: install-test
	DATABASE_URL="$$(bash .ci/postgres)" && export DATABASE_URL && \
	.venv/bin/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

smoke: install-test
	bash .ci/smoke-gunicorn

postgres:
	@bash .ci/postgres

backup:
	bash .ci/backup

restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/jpki-....sqlite3 [YES=1]"; exit 2; }
	bash .ci/restore "$(FILE)" $(if $(YES),--yes)

clean:
	rm -rf .venv staticfiles *.egg-info .ruff_cache
