#!/usr/bin/env bash
# The four service images, built by podman from the one root Dockerfile (--build-arg SERVICE) on the
# base images of base-images.sh (run that first). The one place that knows how a service image is built:
# containers-check and make k8s-e2e both call it.
#   build-images.sh TAG [SERVICE...]  -> localhost/fraud-<service>:TAG for those services (default:
#   the four; "decisions" is the decision log's one-off image)
# Prints one line per image: "<image> <size MB> <build seconds>".
set -euo pipefail

cd "$(dirname "$0")/../.."
tag=${1:?usage: build-images.sh TAG [SERVICE...]}
shift
services=("$@")
[ ${#services[@]} -gt 0 ] || services=(producer consumer scorer dashboard)

for file in training/artifacts/model.onnx training/artifacts/model.json training/artifacts/model_card.json; do
  [ -f "$file" ] || { echo "$file is missing: the scorer and consumer images carry the model (make train)" >&2; exit 1; }
done
for svc in "${services[@]}"; do
  began=$(date +%s%N)
  log=$(mktemp --tmpdir "build-$svc.XXXXXX.log")
  # docker format keeps HEALTHCHECK (the OCI format has no such field).
  podman build --format docker --pull=never --build-arg "SERVICE=$svc" -t "localhost/fraud-$svc:$tag" \
    . >"$log" 2>&1 || { tail -n 40 "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
  ns=$(($(date +%s%N) - began))
  size=$(($(podman image inspect --format '{{.Size}}' "localhost/fraud-$svc:$tag") / 1000000))
  printf 'localhost/fraud-%s:%s %d %d.%d\n' "$svc" "$tag" "$size" $((ns / 1000000000)) $((ns / 100000000 % 10))
done
