# The two commands of the README: `make run` (service + worker on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install lint format schema bench bench-scale

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

.env:
	@echo "DEBUG=true" > .env
	@echo "CP_ADMIN_MASTER_KEY=dev_master_$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))')" >> .env
	@echo "Wrote .env with DEBUG=true and a development master key."

## run: install, migrate and serve on http://127.0.0.1:$(PORT) with the provisioning worker beside it
run: install .env
	$(BIN)/python manage.py migrate --no-input
	@echo ""
	@echo "  Control plane: http://127.0.0.1:$(PORT)/cp/   (docs: /cp/docs/, admin: /admin/)"
	@echo "  Development master key: $$(grep ^CP_ADMIN_MASTER_KEY= .env | cut -d= -f2-)"
	@echo ""
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/python manage.py worker & \
	  $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

## test: install, lint, type-check, check import directions, and run the whole suite
## (DATABASE_URL / REDIS_URL select real services)
test: install lint
	$(BIN)/python -m pytest

## bench: the production-shape benchmark (gunicorn + worker, PostgreSQL, Redis, wrk): table and ratios
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## bench-scale: the hot calls and their query plans at 1k and at 1M orgs
bench-scale: install
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

## schema: regenerate the committed OpenAPI schema (docs/openapi.json) from the code
schema: install
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py spectacular \
	  --format openapi-json --validate --fail-on-warn --file docs/openapi.json

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
