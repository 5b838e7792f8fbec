# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# The first Python >= 3.12 found: on PATH, then under pyenv, then the usual prefixes.
FIND_PYTHON = for p in python3.13 python3.12 python3 \
	  $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) \
	  /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  command -v $$p >/dev/null 2>&1 || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; \
	done

.PHONY: run serve test lint install migrate demo bench clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@py=$$($(FIND_PYTHON)); \
	if [ -z "$$py" ]; then echo "Python 3.12 or newer is required (none found on PATH or under pyenv)." >&2; exit 1; fi; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	  rm -rf $(VENV); echo "Creating $(VENV) with $$py"; $$py -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# Install, migrate, seed the demo organisation, serve Daphne + the task worker.
run: demo serve

serve: install
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C stops the server and the worker)"
	@trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py run_worker & \
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) asgi:application

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null

# The browser tests run in their own pytest process: Playwright's sync API keeps
# an event loop in the test thread, which breaks async_to_sync in later tests.
test: lint
	$(PY) -m pytest -n 2 --ignore=tests/e2e $(PYTEST_ARGS)
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3*
