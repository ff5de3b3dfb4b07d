# Kravspor: `make run` serves the demo world, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup setup-dev migrate lint format messages clean

# The venv is (re)built when a requirements file changes; otherwise skipped.
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

migrate: setup
	mkdir -p var
	$(PY) manage.py migrate --verbosity 0

run: migrate
	$(PY) manage.py load_demo --if-empty
	@echo "Kravspor is served on http://$(HOST):$(PORT)/ (Ctrl+C stops it)."
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup-dev
	$(PY) -m pytest

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Needs GNU gettext (msgfmt); the compiled .mo files are committed.
messages: setup-dev
	$(PY) manage.py makemessages --locale nb --locale en --ignore ".venv/*" --ignore "var/*" --ignore "tests/*" --no-obsolete --no-location
	$(PY) manage.py compilemessages --ignore ".venv/*"

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
