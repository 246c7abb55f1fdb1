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

.PHONY: help setup lint format test test-unit test-integration monitoring infra-up infra-down clean \
	up down containers-check hadolint

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

setup: $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv) ## create .venv with every package and tool (idempotent)
	$(UV) sync --all-packages --frozen --python $(PYTHON)
	npm ci --prefix services/dashboard/frontend --no-audit --no-fund --loglevel=error
	npm run --prefix services/dashboard/frontend --silent build
	@if command -v mvn >/dev/null; then $(RUN)/fraud-devstack fetch-kafka >/dev/null && echo "Kafka jars cached"; \
	 else echo "mvn not found: the Kafka broker jars will be fetched when first needed"; fi

lint: ## ruff (lint + format check) and mypy --strict
	$(RUN)/ruff check .
	$(RUN)/ruff format --check .
	$(RUN)/mypy services tests/containers

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

# Containers: docker compose where a Docker engine answers, otherwise podman-compose (pinned in
# tests/containers/requirements-tools.txt, installed into .tools/compose). BUILDAH_FORMAT=docker
# keeps the images' HEALTHCHECKs when podman builds them.
COMPOSE_VENV := $(TOOLS)/compose
define compose
if docker info >/dev/null 2>&1; then docker compose $(1); \
else PYTHON=$(PYTHON) TOOLS_VENV=$(COMPOSE_VENV) bash tests/containers/podman-setup.sh --tools-only \
  && BUILDAH_FORMAT=docker $(COMPOSE_VENV)/bin/podman-compose $(1); fi
endef

up: ## the whole stack in containers (docker compose, or podman-compose without docker); prints the URLs
	@$(call compose,up -d --build)
	@echo
	@echo "  dashboard    http://localhost:$${DASHBOARD_HOST_PORT:-8501}"
	@echo "  API docs     http://localhost:$${SCORER_HOST_PORT:-8000}/docs"
	@echo "  Grafana      http://localhost:$${GRAFANA_HOST_PORT:-3000}   (anonymous viewer; admin/admin to edit)"
	@echo "  Prometheus   http://localhost:$${PROMETHEUS_HOST_PORT:-9090}"
	@echo "  Kafka        localhost:$${KAFKA_HOST_PORT:-9092}"
	@echo "  make down removes the stack and its volumes"

down: ## remove the container stack: containers, network and volumes
	@$(call compose,down --volumes)

containers-check: ## build every image with podman and run the compose stack end to end
	PYTHON=$(PYTHON) bash tests/containers/check.sh

hadolint: ## lint every Dockerfile (also part of containers-check)
	@PYTHON=$(PYTHON) TOOLS_VENV=$(COMPOSE_VENV) bash tests/containers/podman-setup.sh --tools-only
	$(COMPOSE_VENV)/bin/hadolint services/*/Dockerfile tests/containers/images/*/Containerfile

clean: infra-down ## remove the virtual environment and local state
	rm -rf $(VENV) $(TOOLS) $(DEVSTACK) .mypy_cache .ruff_cache
