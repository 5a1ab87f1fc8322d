# Pelita: install, run, test. POSIX make; needs Python 3.11+ with venv (Debian: python3-venv).
#   make run [PORT=5000] [WORKERS=2]   install, migrate, seed the demo once, serve with gunicorn
#   make test [PYTEST_ARGS=...]        the whole test suite (browser tests need /usr/bin/chromium)
#   make lint                          ruff check and format --check
#   make translations                  extract messages and update the catalogs
# The database is instance/pelita.sqlite3 unless DATABASE_URL is set.
.POSIX:

PYTHON = python3
VENV = .venv
BIN = $(VENV)/bin
PORT = 5000
WORKERS = 2
PYTEST_ARGS =
PIP = $(BIN)/python -m pip install --disable-pip-version-check -q
FLASK = FLASK_APP=app.py $(BIN)/flask
TRANSLATIONS = lms/translations

help:
	@sed -n 's/^#   /  /p' Makefile

$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "python3 -m venv failed: install python3-venv (apt-get install python3-venv)" >&2; exit 1; }

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.installed-runtime: $(VENV)/pyvenv.cfg requirements.txt
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-runtime requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed-runtime compile-translations

install-dev: $(VENV)/.installed-dev compile-translations

compile-translations: $(VENV)/.installed-runtime
	if ls $(TRANSLATIONS)/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel -q compile -d $(TRANSLATIONS); fi

run: install
	$(FLASK) db upgrade
	$(FLASK) lms has-data || $(FLASK) seed-demo
	PORT=$(PORT) WORKERS=$(WORKERS) $(BIN)/gunicorn -c gunicorn.conf.py \
	  -b 127.0.0.1:$(PORT) -w $(WORKERS) app:app

test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

translations: $(VENV)/.installed-runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* __pycache__ instance' \
	  --project Pelita --copyright-holder 'Pelita contributors' -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

clean:
	rm -f $(VENV)/.installed-runtime $(VENV)/.installed-dev
	find $(TRANSLATIONS) -name '*.mo' -exec rm -f {} +

.PHONY: help install install-dev compile-translations run test lint translations clean
