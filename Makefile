# SocialHub: `make run` starts everything with a demo organisation; `make test` runs every check.
# Works on a fresh machine with Python 3.11 and make; nothing else is needed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint typecheck pytest install install-dev axe bench bench-compare clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@
	@# A developer checkout runs manage.py in debug mode (never committed; production has none).
	@[ -f .env ] || echo "DJANGO_DEBUG=true" > .env

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "SocialHub is starting at http://127.0.0.1:$(PORT)/  (Ctrl-C stops the web app, worker and beat)"
	@echo "Log in as any demo user above, e.g. comms@demo.socialhub.test / socialhub-demo"
	@echo ""
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

# lint-imports: the layers and no-cycle contracts in .importlinter (docs/design.md §11).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-dev
	DJANGO_DEBUG=true $(BIN)/mypy .

migrations-check: install-dev
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# In parallel, one process per core (PYTEST_WORKERS=0 runs in one process). Whole files go to
# a worker (`loadfile`): a file's module-scoped peers and the fault tests' Celery cluster start
# once, not once per worker.
PYTEST_WORKERS ?= auto
pytest: install-dev axe
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck migrations-check pytest

# axe-core from npm for the accessibility browser tests (dashboards/tests/axe/, pinned by its
# package-lock.json). Without npm those tests skip on a developer's machine; in CI they must run.
axe:
	bash dashboards/tests/axe/install.sh || [ -z "$${CI:-}" ]

bench: install-dev
	DJANGO_DEBUG=true $(BIN)/python -m bench

# SocialHub next to a BrightBean Studio checkout (BRIGHTBEAN_PATH; see bench/compare.py), e.g.
# make bench-compare BRIGHTBEAN_PATH=../brightbean-studio ARGS="--database-url postgres://..."
bench-compare: install-dev
	DJANGO_DEBUG=true $(BIN)/python -m bench.compare $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
