#!/usr/bin/env bash
# make containers-check: build every image with podman and run the compose stack end to end.
#   1. podman host settings and pinned tools; hadolint on the Dockerfile and the Containerfiles
#   2. base images from Debian packages where they cannot be pulled (skipped when current)
#   3. the four service images and the one-off images (the decision log's, the model registry's)
#      from the one Dockerfile (sizes and build times reported)
#   4. docker-compose.yml + compose.ci.yml up under its own project name, on free loopback ports;
#      the producer (a fixed run of about a minute) only once the rest is up and checked
#   5. each service container: uid 10001, read-only root filesystem (a write to / fails), and its
#      image HEALTHCHECK passes
#   6. verify_stack.py: a fixed number of transactions streamed through Kafka, scored, counted
#      in Redis and on the dashboard; POST /v1/score; Prometheus scrapes all four services
#   7. the model registry's image (compose profile models) on the stack's database: migrate,
#      register the default model into the artifact store's volume, its files verified, non-root
#      on a read-only root
#   8. everything torn down again, also on failure (trap)
# Environment: CHECK_TX_COUNT (1500), CHECK_TX_RATE (50 tx/s), KEEP_STACK=1 leaves it running.
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$PWD
here=$root/tests/containers
tools=$root/.tools/compose
python=$root/.venv/bin/python
project=fraud-check
services=(consumer scorer dashboard producer) # the producer last: the check starts it
# decisions: the one-off migrate before the consumer; models: the registry's commands (retrain)
images=("${services[@]}" decisions models)
started=$(date +%s)
step() { printf '\n=== containers-check: %s (%ds)\n' "$*" "$(($(date +%s) - started))"; }
since() { local ns=$(($(date +%s%N) - $1)); printf '%d.%d' $((ns / 1000000000)) $((ns / 100000000 % 10)); }

step "podman host settings and tools"
bash "$here/podman-setup.sh"
[ -x "$python" ] || { echo "run 'make setup' first (.venv is missing)" >&2; exit 1; }

step "hadolint"
"$tools/bin/hadolint" Dockerfile "$here"/images/*/Containerfile
echo "hadolint: no findings"

step "base images"
bash "$here/base-images.sh"

step "service images"
declare -A build_s size_mb
while read -r image size seconds; do
  svc=${image#localhost/fraud-}
  svc=${svc%%:*}
  build_s[$svc]=$seconds
  size_mb[$svc]=$size
  echo "$image  $size MB  built in $seconds s"
done < <(bash "$here/build-images.sh" dev "${images[@]}")
[ ${#build_s[@]} -eq ${#images[@]} ] || { echo "the images were not all built" >&2; exit 1; }

step "compose up"
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export SCORER_HOST_PORT DASHBOARD_HOST_PORT PROMETHEUS_HOST_PORT KAFKA_HOST_PORT REDIS_HOST_PORT
SCORER_HOST_PORT=$(free_port) DASHBOARD_HOST_PORT=$(free_port) PROMETHEUS_HOST_PORT=$(free_port)
KAFKA_HOST_PORT=$(free_port) REDIS_HOST_PORT=$(free_port)
export CHECK_TX_COUNT=${CHECK_TX_COUNT:-1500} CHECK_TX_RATE=${CHECK_TX_RATE:-50}
export CHECK_RUN_ID=check-$started
summary=$(mktemp --tmpdir containers-check.XXXXXX.json)
compose=("$tools/bin/podman-compose" -p "$project" -f docker-compose.yml -f "$here/compose.ci.yml")
with_producer=("${compose[@]}" --profile producer) # compose.ci.yml keeps the producer for later
models=("${compose[@]}" --profile models)          # one-off: `run --rm -T models <command>`
container() { echo "${project}_$1_1"; }

teardown() {
  local status=$?
  rm -f "$summary"
  if [ "$status" -ne 0 ]; then
    echo "--- containers-check failed; the last log lines of each container:" >&2
    for name in $(podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}'); do
      echo "--- $name ($(podman inspect --format '{{.State.Status}} exit={{.State.ExitCode}} restarts={{.RestartCount}}' "$name"))" >&2
      podman logs --tail 25 "$name" 2>&1 | grep -v 'systemd' >&2 || true
    done
  fi
  if [ "${KEEP_STACK:-0}" = 1 ]; then
    echo "KEEP_STACK=1: stack left running (project $project)"
  else
    step "compose down"
    "${with_producer[@]}" --profile models down --volumes -t 10 >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap teardown EXIT

"${with_producer[@]}" --profile models down --volumes -t 5 >/dev/null 2>&1 || true # leftovers
up_ns=$(date +%s%N)
up_at=$(printf '%d.%03d' $((up_ns / 1000000000)) $((up_ns % 1000000000 / 1000000)))
"${compose[@]}" up -d --no-build >/dev/null 2>&1 || { "${compose[@]}" up -d --no-build; exit 1; }
echo "up in $(since "$up_ns") s; ports: scorer $SCORER_HOST_PORT," \
  "dashboard $DASHBOARD_HOST_PORT, prometheus $PROMETHEUS_HOST_PORT, redis $REDIS_HOST_PORT"

step "non-root, read-only root filesystem, healthchecks"
for svc in "${services[@]}"; do
  if [ "$svc" = producer ]; then
    producer_at=$(date +%s.%N)
    "${with_producer[@]}" up -d --no-build producer >/dev/null 2>&1 ||
      { "${with_producer[@]}" up -d --no-build producer; exit 1; }
  fi
  name=$(container "$svc")
  user=$(podman inspect --format '{{.Config.User}}' "$name")
  readonly_rootfs=$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$name")
  uid=$(podman exec "$name" id -u)
  if [ "$user" != 10001 ] || [ "$uid" != 10001 ]; then
    echo "$svc runs as '$user' (uid $uid), not 10001" >&2
    exit 1
  fi
  [ "$readonly_rootfs" = true ] || { echo "$svc: root filesystem is not read-only" >&2; exit 1; }
  if podman exec "$name" sh -c 'echo x > /write-probe' 2>/dev/null; then
    echo "$svc: writing to / succeeded" >&2
    exit 1
  fi
  podman exec "$name" sh -c 'echo x > /tmp/write-probe' || { echo "$svc: /tmp is not writable" >&2; exit 1; }
  for _ in $(seq 60); do podman healthcheck run "$name" >/dev/null 2>&1 && break; sleep 1; done
  podman healthcheck run "$name" >/dev/null 2>&1 || { echo "$svc: HEALTHCHECK fails" >&2; exit 1; }
  echo "$svc: uid $uid, read-only root (write to / refused, /tmp writable), healthcheck passes"
done

step "compiled feature code, and ONNX Runtime telemetry off, in the images that compute features"
for svc in consumer scorer; do
  podman exec "$(container "$svc")" python -c 'import fraudcore.features
from fraudcore.compiled_kernel import in_use, status
assert in_use(), status()' || { echo "$svc: the feature code is not the compiled build" >&2; exit 1; }
  echo "$svc: feature code compiled (fraudcore.compiled_kernel)"
  # ONNX Runtime left to its default warns that it cannot keep a telemetry id on this root.
  said=$(podman exec "$(container "$svc")" python -c 'import fraudcore.model' 2>&1)
  ! grep -qi telemetry <<<"$said" || { echo "$svc: ONNX Runtime telemetry is on: $said" >&2; exit 1; }
  echo "$svc: ONNX Runtime telemetry off (ORT_DISABLE_TELEMETRY)"
done

step "end to end: $CHECK_TX_COUNT transactions at $CHECK_TX_RATE tx/s"
"$python" "$here/verify_stack.py" \
  --dashboard "http://127.0.0.1:$DASHBOARD_HOST_PORT" --scorer "http://127.0.0.1:$SCORER_HOST_PORT" \
  --prometheus "http://127.0.0.1:$PROMETHEUS_HOST_PORT" --redis "redis://127.0.0.1:$REDIS_HOST_PORT/0" \
  --run-id "$CHECK_RUN_ID" --count "$CHECK_TX_COUNT" --started-at "$up_at" \
  --producer-started-at "$producer_at" --report "$summary"

# The producer stops by itself after the count and the label delay; its one report must be clean.
timeout 120 podman wait "$(container producer)" >/dev/null
restarts=$(podman inspect --format '{{.RestartCount}}' "$(container producer)")
[ "$restarts" = 0 ] || { echo "the producer was restarted $restarts times" >&2; exit 1; }
report=$(podman logs "$(container producer)" 2>/dev/null | grep '^{"run_id"' | tail -n 1)
"$python" - "$report" "$CHECK_TX_COUNT" <<'EOF'
import json, sys
report, count = json.loads(sys.argv[1]), int(sys.argv[2])
assert report["transactions"] == count and report["delivery_errors"] == 0, report
print(f"producer: {report['transactions']} sent, {report['labels']} labels, "
      f"{report['delivery_errors']} delivery errors, {report['achieved_tps']} tx/s")
EOF

step "the model registry's commands (fraud-models) on the stack's database"
version=$("$python" -c 'import json; print(json.load(open("training/artifacts/model_card.json"))["model_version"])')
"${models[@]}" run --rm -T models migrate
"${models[@]}" run --rm -T models register /app/model --reason containers-check
shown=$("${models[@]}" run --rm -T models show "$version" --verify)
grep -q "\"path\": \"/var/lib/fraud-models/$version\"" <<<"$shown" ||
  { echo "fraud-models show --verify: $shown" >&2; exit 1; }
listed=$("${models[@]}" run --rm -T models list)
grep -q "^$version  *candidate " <<<"$listed" ||
  { echo "the default model is not listed as a candidate: $listed" >&2; exit 1; }
"${models[@]}" run --rm -T --entrypoint sh models -c \
  'test "$(id -u)" = 10001 && ! (echo x >/write-probe) 2>/dev/null && echo x >/tmp/write-probe' ||
  { echo "models: not uid 10001 on a read-only root with /tmp writable" >&2; exit 1; }
echo "models: $version registered and its stored files verified; uid 10001, read-only root"

step "summary"
printf '%-18s %10s %10s\n' image size build
for svc in "${images[@]}"; do
  printf '%-18s %7s MB %8s s\n' "fraud-$svc" "${size_mb[$svc]}" "${build_s[$svc]}"
done
cat "$summary"
echo "containers-check passed in $(($(date +%s) - started)) s"
