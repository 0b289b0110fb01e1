# AI Budget Tracker: every task a newcomer or CI needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run against the real services: TEST_DATABASE_URL when a PostgreSQL answers there, otherwise
# the embedded PostgreSQL (ops/embedded_db.py); override for another machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# Runs a command with DATABASE_URL set: the given server when it answers, else the embedded
# PostgreSQL shipped as a wheel, data in var/pgdata, stopped when the command ends.
WITH_DB := $(BIN)/python -m ops.embedded_db

.DEFAULT_GOAL := help
.PHONY: help install env-file demo-data-steps runserver-step run demo-data test lint format worker beat messages clean bench-status

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create the virtual environment and install (idempotent)

env-file:
	@test -f .env || cp .env.example .env
	@mkdir -p var

# The demo steps, against DATABASE_URL (make run provides it).
demo-data-steps:
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_budget data/ai_budget_2026.yaml
	$(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py recompute_status

demo-data: install env-file ## Migrate, load the 2026 budget and the demo data, compute statuses (DATABASE_URL, else the embedded PostgreSQL)
	$(WITH_DB) --prefer "$${DATABASE_URL:-}" -- $(MAKE) --no-print-directory demo-data-steps

run: install env-file ## The demo on http://$(HOST):$(PORT): DATABASE_URL, or else an embedded PostgreSQL under var/ (started and stopped with it); logins printed
	$(WITH_DB) --prefer "$${DATABASE_URL:-}" -- $(MAKE) --no-print-directory demo-data-steps runserver-step

runserver-step:
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole suite against PostgreSQL (TEST_DATABASE_URL, else the embedded one) and Redis
	DEBUG=1 CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(WITH_DB) --prefer "$(TEST_DATABASE_URL)" -- $(BIN)/pytest $(PYTEST_ARGS)

lint: install ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install ## A Celery worker (needs CELERY_BROKER_URL)
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install ## Celery beat (needs CELERY_BROKER_URL)
	$(BIN)/celery -A config beat --loglevel=INFO

messages: install ## Extract and compile the Korean and English translations
	DEBUG=1 $(BIN)/python manage.py makemessages -l ko -l en --no-obsolete --ignore=.venv --ignore=tests
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

clean: ## Remove the virtual environment and var/ (the embedded PostgreSQL's data: stop make run first)
	rm -rf $(VENV) var

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker_bench
bench-status: install ## Benchmark the status recompute at 1,000 and 10,000 programmes (EMPTIES BENCH_DATABASE_URL)
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/bench_status.py $(BENCH_ARGS)

bench-board: install ## Benchmark the board pages at 10,000 programmes against minimal views (REPLACES the data of BENCH_DATABASE_URL, default tracker_bench_board)
	BENCH_DATABASE_URL=$(if $(filter environment command line,$(origin BENCH_DATABASE_URL)),$(BENCH_DATABASE_URL),postgres://postgres@127.0.0.1:5432/tracker_bench_board) \
		$(BIN)/python benchmarks/bench_board.py $(BENCH_ARGS)

# -- Production stack and operations (gunicorn + Celery worker + beat under supervisord, DEBUG=0) -
SERVE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker_serve
SERVE_BROKER_URL ?= redis://127.0.0.1:6379/4
LOAD_TIME ?= 3m
.PHONY: serve load faults fuzz

serve: install ## The production stack on 127.0.0.1:$(PORT) (PostgreSQL, Redis, DEBUG=0): migrate, collectstatic, load_budget, then web + worker + beat under supervisord (ops/supervisord.conf: whichever exits is started again)
	SERVE_DATABASE_URL=$(SERVE_DATABASE_URL) SERVE_BROKER_URL=$(SERVE_BROKER_URL) PORT=$(PORT) \
		$(BIN)/python loadtest/stack.py serve

load: install ## Locust, headless on loopback, against the production stack it starts (RECREATES LOAD_DATABASE_URL, default tracker_load; LOAD_TIME=$(LOAD_TIME))
	LOAD_TIME=$(LOAD_TIME) $(BIN)/python loadtest/run_load.py

FAULTS ?= worker redis postgres
faults: install ## Fault runs (worker SIGKILL, Redis stop, PostgreSQL restart) on a PRIVATE PostgreSQL (initdb, port 55432) and Redis (56379) made and removed by the run; never touches 5432/6379 (FAULTS="worker" for one; FAULTS_ARGS=--dry-run prints the steps)
	$(BIN)/python faults/run_faults.py $(FAULTS_ARGS) $(FAULTS)

fuzz: install ## Schemathesis on /api/schema/ as each role against the production stack (RECREATES FUZZ_DATABASE_URL, default tracker_fuzz), then the Hypothesis parser properties with FUZZ_EXAMPLES (2000)
	$(BIN)/python fuzz/run_fuzz.py
