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
# ONNX Runtime's Linux wheels upload usage telemetry to Microsoft, and keep a device id under
# ~/.cache, unless this is set: nothing that a target runs (tests, training, benchmarks, make
# dev) calls out. The images set it too (Dockerfile).
export ORT_DISABLE_TELEMETRY ?= 1

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup kernel system-packages fresh-check lint format test test-unit test-integration monitoring infra-up infra-down dev bench bench-pipeline bench-sections batch-cost profile chaos audit soak train drift-reference evaluate ablate misses live-eval lifecycle benchmark-handbook handbook-seeds benchmark-handbook-published clean decision-log-size \
	k8s-tools k8s-deps k8s-sync k8s-docs k8s-check k8s-api-tools k8s-api-up k8s-api-down k8s-api-check k8s-upstream \
	k8s-e2e k8s-e2e-clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

system-packages: ## the Debian packages and toolchains the suite needs (apt-get as root or via sudo; part of setup)
	@PYTHON=$(PYTHON) bash tools/setup/system-packages.sh

$(TOOLS)/bin/uv: | system-packages
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on this project's machines) nothing
# else writes it, and every process the tests start would compile its imports again (about 10 s
# of CPU for a consumer or scorer).
setup: system-packages $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv) ## system packages (see system-packages), then .venv with every package and tool (idempotent)
	$(UV) sync --all-packages --frozen --compile-bytecode --python $(PYTHON)
	@$(RUN)/python -m compileall -q services/*/src tools/*/src training/src
	@$(MAKE) --no-print-directory kernel
	npm ci --prefix services/dashboard/frontend --no-audit --no-fund --loglevel=error
	npm run --prefix services/dashboard/frontend --silent build
	@$(RUN)/fraud-devstack fetch-kafka >/dev/null && echo "Kafka jars cached"

kernel: ## the per-payment feature code compiled by mypyc (fraudcore.compiled_kernel; make setup runs it; about 20 s)
	@$(RUN)/python -m fraudcore.kernel_build build

lint: ## ruff (lint + format check) and mypy --strict
	$(RUN)/ruff check .
	$(RUN)/ruff format --check .
	$(RUN)/mypy services tools training/src tests/containers

format: ## apply ruff's fixes and formatting
	$(RUN)/ruff check --fix .
	$(RUN)/ruff format .

# make test: TEST_WORKERS pytest-xdist workers (0: in one process), each with its own session Kafka,
# Redis and PostgreSQL
# (most tests wait on brokers, label delays and browsers, so workers beyond the cores still pay);
# the chaos cases share one worker (tests/conftest.py), and the few tests that assert a wall-clock
# bound of about a second (marker alone) run after, one at a time. Both passes run; either failing
# (exit 5, nothing selected, included) fails the target. Select with TEST_MARKERS, not -m.
TEST_WORKERS ?= 3
TEST_MARKERS ?= not soak and not load and not k8s_api

test: kernel ## the whole suite: unit and integration tests against a real Kafka broker and Redis, TEST_WORKERS=3 in parallel (the API server checks: make k8s-api-check)
	@status=0; \
	$(RUN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "($(TEST_MARKERS)) and not alone" $(PYTEST_ARGS) || status=$$?; \
	$(RUN)/pytest -m "($(TEST_MARKERS)) and alone" $(PYTEST_ARGS) || status=$$?; \
	exit $$status

test-unit: kernel ## fast unit tests only
	$(RUN)/pytest -m "not integration and not slow and not soak and not load and not k8s_api" $(PYTEST_ARGS)

test-integration: kernel ## integration tests only
	$(RUN)/pytest -m integration $(PYTEST_ARGS)

monitoring: ## regenerate Grafana dashboards, alert rules and scrape configs (commit the result)
	$(RUN)/fraud-monitoring generate --root $(CURDIR)

# --- Kubernetes: static checks of charts/, k8s/ and skaffold.yaml (no cluster needed) -------------
# helm and kustomize are built from the Go module proxy, checkov installed from PyPI (frozen
# requirements), each once into a versioned folder of the cache (versions as in fraud_k8scheck.tools).
FRAUD_CACHE_DIR ?= $(HOME)/.cache/fraud-detection
HELM_VERSION := v3.19.5
KUSTOMIZE_VERSION := v5.7.1
CHECKOV_VERSION := 3.3.30
HELM_DOCS_VERSION := v1.14.2
HELM := $(FRAUD_CACHE_DIR)/helm-$(HELM_VERSION)/helm
HELM_DOCS := $(FRAUD_CACHE_DIR)/helm-docs-$(HELM_DOCS_VERSION)/helm-docs
KUSTOMIZE := $(FRAUD_CACHE_DIR)/kustomize-$(KUSTOMIZE_VERSION)/kustomize
CHECKOV := $(FRAUD_CACHE_DIR)/checkov-$(CHECKOV_VERSION)/bin/checkov
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
K8S_CHARTS := fraud-producer fraud-consumer fraud-scorer fraud-dashboard fraud-redis fraud-detection

$(HELM):
	GOBIN=$(dir $(HELM)) GOTOOLCHAIN=local $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(HELM_DOCS):
	GOBIN=$(dir $(HELM_DOCS)) GOTOOLCHAIN=local $(GO) install github.com/norwoodj/helm-docs/cmd/helm-docs@$(HELM_DOCS_VERSION)

$(KUSTOMIZE):
	GOBIN=$(dir $(KUSTOMIZE)) GOTOOLCHAIN=local $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

$(CHECKOV):
	rm -rf $(FRAUD_CACHE_DIR)/checkov-$(CHECKOV_VERSION)
	$(PYTHON) -m venv $(FRAUD_CACHE_DIR)/checkov-$(CHECKOV_VERSION)
	$(FRAUD_CACHE_DIR)/checkov-$(CHECKOV_VERSION)/bin/pip install --quiet --no-deps \
		-r k8s/tools/checkov-requirements.txt

k8s-tools: $(HELM) $(KUSTOMIZE) $(CHECKOV) $(HELM_DOCS) ## helm, kustomize, checkov and helm-docs for k8s-check, once into the cache

# k8s-deps (also skaffold's pre-deploy hook) takes the pinned helm when it is cached, else the
# user's helm on PATH, and builds the pinned one only when there is neither.
PATH_HELM := $(shell command -v helm 2>/dev/null)
DEPS_HELM = $(if $(wildcard $(HELM)),$(HELM),$(or $(PATH_HELM),$(HELM)))

k8s-deps: $(if $(wildcard $(HELM))$(PATH_HELM),,$(HELM)) ## package the charts' local (file://) dependencies
	@for chart in $(K8S_CHARTS); do \
		$(DEPS_HELM) dependency build --skip-refresh charts/$$chart >/dev/null || exit 1; done

k8s-sync: ## copy the shared globals, schema definitions and settings names into every chart
	$(RUN)/fraud-k8scheck sync

k8s-docs: $(HELM_DOCS) ## regenerate each chart's README.md from its values.yaml (helm-docs)
	$(HELM_DOCS) --chart-search-root charts --ignore-file charts/.helmdocsignore --log-level warning

k8s-check: k8s-tools k8s-deps ## helm lint + strict schema validation + NetworkPolicy/env/security tests + checkov
	FRAUD_HELM=$(HELM) FRAUD_KUSTOMIZE=$(KUSTOMIZE) FRAUD_CHECKOV=$(CHECKOV) FRAUD_HELM_DOCS=$(HELM_DOCS) FRAUD_K8S_REQUIRED=1 \
		$(RUN)/pytest -m k8s tests/k8s $(PYTEST_ARGS)

# --- Kubernetes: a real control plane on loopback (etcd, kube-apiserver, controller-manager,
# scheduler of the pinned release, three kwok nodes), built once from the Go module proxy into
# versioned folders of the cache (versions in fraud_k8sapi.versions) -------------------------
KUBERNETES_VERSION := v1.34.2
ETCD_VERSION := v3.6.6
KWOK_VERSION := v0.7.0

k8s-api-tools: ## build Kubernetes, etcd and kwok into the cache once (NODE=1: kubelet and kube-proxy too)
	GO=$(GO) $(RUN)/fraud-k8sapi build $(if $(NODE),--node)

k8s-api-up: k8s-api-tools $(HELM) ## a control plane with kwok nodes in the background; kubeconfig in .devstack/kubeconfig
	$(RUN)/fraud-k8sapi up --dir $(DEVSTACK)

k8s-api-down: ## stop what k8s-api-up started
	$(RUN)/fraud-k8sapi down --dir $(DEVSTACK)

k8s-api-check: k8s-api-tools k8s-tools ## every chart scenario installed, upgraded, rolled back and uninstalled on a real API server
	FRAUD_HELM=$(HELM) FRAUD_K8S_REQUIRED=1 $(RUN)/pytest -m k8s_api tests/k8s_api $(PYTEST_ARGS)

# --- Kubernetes: the platform in pods on a real single-node cluster (kubelet and kube-proxy of the
# same release, Debian's containerd, runc and CNI plugins, CoreDNS), payments end to end. Needs
# root (the node's bridge, iptables, mounts); one node per machine. QUICK=1 (what CI runs): every
# case with fewer payments, report in .devstack instead of the committed reports/k8s_e2e.{json,md}
# (the full run's, checked by tests/k8s_e2e). IMAGES=TAG: import the service images build-images.sh
# made under TAG from this checkout (CI: containers-check's `dev`) instead of building them again.
k8s-e2e: $(HELM) ## the platform on a real kubelet, end to end: every pod Ready, exact accounting under faults; reports/k8s_e2e.json
	GO=$(GO) $(RUN)/fraud-k8sapi build --node
	FRAUD_HELM=$(HELM) $(RUN)/fraud-k8se2e run --dir $(DEVSTACK)/k8s-e2e \
		$(if $(QUICK),--quick --out $(DEVSTACK)/k8s_e2e_quick.json,--out reports/k8s_e2e.json) \
		$(if $(IMAGES),--reuse-images $(IMAGES))

k8s-e2e-clean: ## remove what an interrupted make k8s-e2e left on the host (processes, mounts, chains, links)
	$(RUN)/fraud-k8se2e clean --dir $(DEVSTACK)/k8s-e2e

k8s-upstream: ## the operators' CRDs and roles in k8s/schemas made again from their registries
	GO=$(GO) $(RUN)/python -c "from fraud_k8sapi import upstream; print(*upstream.refresh(), sep='\n')"

chaos: kernel ## the fault-injection suite; rewrites reports/reliability.json (CI compares against it)
	FRAUD_UPDATE_REPORTS=1 $(RUN)/pytest -m chaos $(PYTEST_ARGS)

audit: ## pip-audit of every locked dependency (fails on a known vulnerability)
	@$(UV) export --frozen --all-packages --no-emit-workspace --no-hashes -q > $(VENV)/audit-requirements.txt
	@$(RUN)/pip-audit -r $(VENV)/audit-requirements.txt --disable-pip --no-deps --progress-spinner off \
	  --desc off 2>&1 | tee $(VENV)/audit.log | grep -v "could not be audited" || true
	@if grep -q "could not be audited" $(VENV)/audit.log; then \
	  echo "WARNING: $$(grep -c 'could not be audited' $(VENV)/audit.log) dependencies could not be audited: the vulnerability service (PyPI JSON API) is not reachable from here"; fi
	@! grep -qE "^Found [1-9][0-9]* known vulnerabilit" $(VENV)/audit.log

.PHONY: dashboard-load dev-world screenshots
dashboard-load: ## 50 SSE clients on the dashboard at 2,000 tx/s; rewrites reports/dashboard_load.json
	FRAUD_UPDATE_REPORTS=1 $(RUN)/pytest -m load tests/dashboard/test_load.py $(PYTEST_ARGS)

dev-world: ## make dev's world (56-day warm start, 175x) for 150 s against the model card's alert rate; rewrites reports/dev_world.json
	FRAUD_UPDATE_REPORTS=1 $(RUN)/pytest -m load tests/tools/devstack/test_dev_world.py $(PYTEST_ARGS)

screenshots: ## the dashboard, review queue and decision page in Chromium on a live pipeline; rewrites reports/screenshots/
	FRAUD_UPDATE_REPORTS=1 $(RUN)/pytest -m integration tests/dashboard/test_browser.py tests/dashboard/test_analyst_pages.py tests/dashboard/test_analyst_verdict_browser.py $(PYTEST_ARGS)

bench: kernel ## the performance benchmark (QUICK=1: under 3 minutes); writes reports/bench.{json,md}
	$(RUN)/fraud-bench $(if $(QUICK),--quick) --model-dir training/artifacts --out reports

bench-pipeline: kernel ## the headline alone (floors, embedded / remote / naive at 100, 1,000, 5,000 tx/s, sustainable rates, CPU per payment, scorer API; QUICK=1), written into reports/bench.{json,md} with the sections kept
	$(RUN)/fraud-bench pipeline $(if $(QUICK),--quick) --model-dir training/artifacts --out reports

bench-sections: kernel ## variant sections alone (SECTIONS="transactions decision_log rules rules_interleaved challenger scale fetch_batching", default all; QUICK=1), written into reports/bench.{json,md}
	$(RUN)/fraud-bench sections $(SECTIONS) $(if $(QUICK),--quick) --model-dir training/artifacts --out reports

batch-cost: kernel ## the consumer's CPU per batch at batch sizes 1, 4, 16, 64 in process (embedded model, a real Redis), by stage; prints a table with the load average
	$(RUN)/fraud-bench batch-cost --model-dir training/artifacts

PROFILE_RATE ?= 5000
profile: kernel ## the consumer under py-spy at PROFILE_RATE tx/s (default 5000), embedded and remote, 20 s each; flame graphs and summaries in reports/profiles/
	for mode in embedded remote; do \
		$(RUN)/fraud-bench profile --mode $$mode --rate $(PROFILE_RATE) --seconds 20 --model-dir training/artifacts --out reports || exit 1; \
	done

decision-log-size: ## bytes per decision and per label in PostgreSQL (a simulated week); rewrites reports/decision_log_size.json
	$(RUN)/fraud-bench log-size --model-dir training/artifacts --out reports

soak: ## 10 minutes at 2,000 tx/s: no loss, flat memory, bounded Redis (not in CI); reports/soak.json
	$(RUN)/fraud-bench soak --model-dir training/artifacts --out reports

infra-up: ## local Kafka broker + Redis in the background; endpoints in .devstack/env
	$(RUN)/fraud-devstack up --dir $(DEVSTACK)

dev: ## the whole platform as local processes on a local Kafka and Redis (no containers)
	$(RUN)/fraud-devstack dev --dir $(DEVSTACK) $(if $(HISTORY_DAYS),--history-days $(HISTORY_DAYS))

infra-down: ## stop what infra-up (or dev) started
	$(RUN)/fraud-devstack down --dir $(DEVSTACK)

TRAIN_DAYS ?= 63
WORLD := data/world-$(TRAIN_DAYS)d-seed42.parquet

train: kernel ## dataset -> EDA -> training -> evaluation -> ONNX export into training/artifacts/, then drift-reference
	$(RUN)/fraud-producer dataset --days $(TRAIN_DAYS) --seed 42 --out $(WORLD)
	$(RUN)/fraud-train eda --data $(WORLD) --out reports/eda
	$(RUN)/fraud-train train --data $(WORLD) --artifacts training/artifacts --reports reports/training
	$(RUN)/fraud-train drift-reference --data $(WORLD) --model-dir training/artifacts

# The model stays as trained: only the card gains its drift_reference (the test week's histograms).
drift-reference: ## the committed model card's training reference for drift (seconds; the dataset made if absent)
	@test -f $(WORLD) || $(RUN)/fraud-producer dataset --days $(TRAIN_DAYS) --seed 42 --out $(WORLD)
	$(RUN)/fraud-train drift-reference --data $(WORLD) --model-dir training/artifacts

# The committed model stays as trained: evaluate only reads it (and the world train made).
evaluate: kernel ## the committed model's test week with bootstrap intervals, policy, incidents, costs, the known-card rule (minutes; the dataset made if absent); reports/evaluation.{json,md}
	@test -f $(WORLD) || $(RUN)/fraud-producer dataset --days $(TRAIN_DAYS) --seed 42 --out $(WORLD)
	$(RUN)/fraud-train evaluate --data $(WORLD) --model-dir training/artifacts --out reports

# Seeds 1 and 2, never the model's 42: features are chosen on worlds the model is not judged on.
ABLATION_WORLDS := data/ablation/world-49d-seed1.parquet data/ablation/world-49d-seed2.parquet
ablate: ## what each group of the features the model added (habits, terminal share, shop frauds) carries, dropped one at a time against the inputs before them, and what each candidate (fraudcore.features.candidates) would add: two worlds, quick protocol, paired card-bootstrap intervals (about an hour on a shared machine; VARIANTS="model_inputs model_inputs+X": only those, minutes); reports/tmp/ablation.{json,md}
	@for world in $(ABLATION_WORLDS); do seed=$${world##*seed}; test -f $$world || $(RUN)/fraud-producer dataset --days 49 --seed $${seed%.parquet} --out $$world; done
	$(RUN)/fraud-train ablate --data $(ABLATION_WORLDS) --out reports/tmp $(if $(VARIANTS),--variants $(VARIANTS))

misses: ## what the model's inputs miss at the review budget on the ablation worlds: category anomalies by position in their incident and by the card's habits, skimmed terminals with the budget freed of the weak scenarios (minutes); reports/tmp/misses.{json,md}
	@for world in $(ABLATION_WORLDS); do seed=$${world##*seed}; test -f $$world || $(RUN)/fraud-producer dataset --days 49 --seed $${seed%.parquet} --out $$world; done
	$(RUN)/fraud-train misses --data $(ABLATION_WORLDS) --out reports/tmp

live-eval: ## the real pipeline on the world's clock, two simulated weeks after the warm start, beside the model card; reports/live_eval.{json,md}
	$(RUN)/fraud-train live-eval --model-dir training/artifacts --out reports

# Not part of make test: minutes of a real pipeline; tests/training/lifecycle checks the report.
lifecycle: ## champion, live on the world's clock, spending shift, drift alert, retrain from the log, gate, shadow, promote; reports/lifecycle.{json,md}
	$(RUN)/fraud-train lifecycle --out reports

benchmark-handbook: ## the handbook's published table replicated on its simulator (~7 min)
	$(RUN)/fraud-train benchmark handbook --out reports/handbook_benchmark.json

TREE_METHOD ?= hist
handbook-seeds: ## our features on the handbook's simulated data, seeds 0-2, its protocol, with and without shop_frauds (about 25 min; TREE_METHOD=exact for exact trees); reports/tmp/handbook_seeds.{json,md}
	$(RUN)/fraud-train benchmark handbook-seeds --seeds 0 1 2 --tree-method $(TREE_METHOD) --out reports/tmp/handbook_seeds.json

# The handbook's own dataset: git clone https://github.com/Fraud-Detection-Handbook/simulated-data-raw data/simulated-data-raw
HANDBOOK_DATA ?= data/simulated-data-raw/data
benchmark-handbook-published: ## the same protocol on the handbook's published dataset, exact trees (~20 min; HANDBOOK_DATA: its daily .pkl files)
	@test -d $(HANDBOOK_DATA) || { echo "no $(HANDBOOK_DATA): clone github.com/Fraud-Detection-Handbook/simulated-data-raw into data/simulated-data-raw"; exit 2; }
	$(RUN)/fraud-train benchmark handbook --data $(HANDBOOK_DATA) --tree-method exact --out reports/handbook_benchmark_published.json

# Containers: docker compose where a Docker engine answers, otherwise podman-compose (pinned in
# tests/containers/requirements-tools.txt, installed into .tools/compose). BUILDAH_FORMAT=docker
# keeps the images' HEALTHCHECKs when podman builds them.
COMPOSE_VENV := $(TOOLS)/compose
.PHONY: up down containers-check hadolint
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

fresh-check: ## make setup, make dev and smoke tests in a bare Debian 12 container (podman), from a clean clone of HEAD
	bash tools/fresh-check/run.sh

containers-check: ## build every image with podman and run the compose stack end to end
	PYTHON=$(PYTHON) bash tests/containers/check.sh

hadolint: ## lint the Dockerfile and the Containerfiles (also part of containers-check)
	@PYTHON=$(PYTHON) TOOLS_VENV=$(COMPOSE_VENV) bash tests/containers/podman-setup.sh --tools-only
	$(COMPOSE_VENV)/bin/hadolint Dockerfile tests/containers/images/*/Containerfile

clean: infra-down ## remove the virtual environment and local state
	rm -rf $(VENV) $(TOOLS) $(DEVSTACK) .mypy_cache .ruff_cache

.PHONY: queue-bench rules-backtest-bench rules-engine-bench
queue-bench: ## the review queue's first page under 1,000,000 logged decisions (fresh PostgreSQL, real dashboard); reports/queue_bench.{json,md}
	$(RUN)/python -m fraud_bench.queue_bench --out reports $(if $(DECISIONS),--decisions $(DECISIONS))

rules-backtest-bench: ## rules backtested over 1,000,000 logged decisions (fresh PostgreSQL); reports/rules_backtest.{json,md}
	$(RUN)/python -m fraud_bench.rules_backtest_bench --out reports $(if $(DECISIONS),--decisions $(DECISIONS))

rules-engine-bench: ## the rules engine alone: CPU us per payment with 0, 10, 100 active rules, the set compiled whole against one rule at a time (prints a table with the load average)
	$(RUN)/python -m fraud_bench.rules_engine_bench
