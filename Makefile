# The two commands of the README:
#   make run    install everything, migrate SQLite, demo city, login, start the server
#   make test   install what the tests need, whole suite on SQLite and PostgreSQL, gunicorn smoke
# The work is done by the scripts in .ci/ (readable on their own).

SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
export PYTHON PORT

.DEFAULT_GOAL := help
.PHONY: help run test install install-test test-sqlite test-postgres smoke postgres backup restore clean

help:
	@echo "make run            install, migrate, demo city, login, server on http://127.0.0.1:$(PORT)/admin/"
	@echo "make test           install test needs; pytest on SQLite and PostgreSQL; gunicorn smoke"
	@echo "make install        system packages + .venv (no server)"
	@echo "make test-sqlite    pytest on SQLite only (PYTEST_ARGS='...' for extra arguments)"
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

install-test:
	bash .ci/install-system test
	bash .ci/venv test

test-sqlite: install-test
	DATABASE_URL="sqlite:///$(CURDIR)/db.sqlite3" .venv/bin/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

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
	rm -rf .venv staticfiles *.egg-info
