# pricebot: `make run` runs the bot, `make test` runs the tests. Each sets itself up.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run demo test lint format bench clean help catalogs

help:
	@echo "make run    - run pricebot on the embedded default (SQLite, bundled catalog, console)"
	@echo "make demo   - replay the May 2024 price war against example chats, printing every alert"
	@echo "make test   - run the tests (PostgreSQL ones need PRICEBOT_TEST_POSTGRES_URL)"
	@echo "make lint   - ruff check, ruff format --check, mypy"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make catalogs - extract marked messages and merge them into the Chinese catalog"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pricebot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/pricebot run

demo: $(STAMP)
	$(VENV)/bin/pricebot demo

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info

# Translations (docs/i18n.md): extract what the code marks, merge it into each catalog;
# new messages arrive with an empty msgstr for a translator to fill.
catalogs: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 --no-wrap --sort-by-file \
	    --project pricebot --version 0.1.0 --copyright-holder pricebot \
	    -o bot/locale/pricebot.pot bot
	$(VENV)/bin/pybabel update -D pricebot -i bot/locale/pricebot.pot -d bot/locale -l zh_Hans \
	    --no-wrap --ignore-obsolete
