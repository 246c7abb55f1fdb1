# Fraud detection platform: every command a contributor or CI needs.
# The Python workspace is managed by uv (one lock file, uv.lock, for every package).

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
PYTHON ?= python3.11
TOOLS := $(CURDIR)/.tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := $(CURDIR)/.venv
RUN := $(VENV)/bin
DEVSTACK := $(CURDIR)/.devstack
PYTEST_ARGS ?=

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup lint format test test-unit test-integration monitoring infra-up infra-down train benchmark-handbook clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

setup: $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv) ## create .venv with every package and tool (idempotent)
	$(UV) sync --all-packages --frozen --python $(PYTHON)
	@if command -v mvn >/dev/null; then $(RUN)/fraud-devstack fetch-kafka >/dev/null && echo "Kafka jars cached"; \
	 else echo "mvn not found: the Kafka broker jars will be fetched when first needed"; fi

lint: ## ruff (lint + format check) and mypy --strict
	$(RUN)/ruff check .
	$(RUN)/ruff format --check .
	$(RUN)/mypy services training/src

format: ## apply ruff's fixes and formatting
	$(RUN)/ruff check --fix .
	$(RUN)/ruff format .

test: ## the whole suite: unit and integration tests against a real Kafka broker and Redis
	$(RUN)/pytest -m "not soak" $(PYTEST_ARGS)

test-unit: ## fast unit tests only
	$(RUN)/pytest -m "not integration and not slow and not soak" $(PYTEST_ARGS)

test-integration: ## integration tests only
	$(RUN)/pytest -m integration $(PYTEST_ARGS)

monitoring: ## regenerate Grafana dashboards, alert rules and scrape configs (commit the result)
	$(RUN)/fraud-monitoring generate --root $(CURDIR)

infra-up: ## local Kafka broker + Redis in the background; endpoints in .devstack/env
	$(RUN)/fraud-devstack up --dir $(DEVSTACK)

infra-down: ## stop what infra-up started
	$(RUN)/fraud-devstack down --dir $(DEVSTACK)

TRAIN_DAYS ?= 63
WORLD := data/world-$(TRAIN_DAYS)d-seed42.parquet

train: ## dataset -> EDA -> training -> evaluation -> ONNX export into training/artifacts/
	$(RUN)/fraud-producer dataset --days $(TRAIN_DAYS) --seed 42 --out $(WORLD)
	$(RUN)/fraud-train eda --data $(WORLD) --out reports/eda
	$(RUN)/fraud-train train --data $(WORLD) --artifacts training/artifacts --reports reports/training

benchmark-handbook: ## the handbook's published table replicated on its simulator (~15 min)
	$(RUN)/fraud-train benchmark handbook --out reports/handbook_benchmark.json

clean: infra-down ## remove the virtual environment and local state
	rm -rf $(VENV) $(TOOLS) $(DEVSTACK) .mypy_cache .ruff_cache
