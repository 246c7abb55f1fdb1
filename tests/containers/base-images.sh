#!/usr/bin/env bash
# Base images that cannot be pulled here (no registry), built from Debian bookworm packages with
# mmdebstrap and tagged with the names the Dockerfile and docker-compose.yml use:
#   docker.io/library/python:3.11-slim   Debian's python3.11 (FROM of every Dockerfile stage)
#   docker.io/apache/kafka:4.1.1         the Maven Central broker jars on Debian's JRE
#   docker.io/library/redis:7            Debian's redis-server 7.0
#   docker.io/library/postgres:15        Debian's PostgreSQL 15
#   docker.io/prom/prometheus:v3.5.0     Debian's prometheus 2.42 (same entry point and paths)
# Each stand-in carries the label io.github.fraud-detection.recipe (a hash of how it was made). An
# image that exists with the current recipe, or without the label (a real upstream image someone
# pulled), is kept: the cold build runs once per machine. FORCE=1 rebuilds everything.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
images=$here/images
cache=${FRAUD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fraud-detection}
# shellcheck source=tests/containers/rootfs.sh
. "$here/rootfs.sh"

# layer NAME PARENT_RECIPE CONTEXT: CONTEXT/Containerfile on top of a rootfs image, tagged NAME;
# its recipe covers the parent's and the context's files, so a changed parent rebuilds it too.
layer() {
  local recipe
  recipe=$( { echo "$2"; find "$3" -type f ! -name '*.jar' -print0 | sort -z | xargs -0 cat; } |
    recipe_of -)
  up_to_date "$1" "$recipe" && return 0
  echo "build: $1"
  podman build --quiet --pull=never --label "$label=$recipe" -t "$1" -f "$3/Containerfile" "$3" \
    >/dev/null
}

python_rootfs=$( { cat /dev/null "${host_cas[@]}"; echo python3 venv pip passwd v1; } | recipe_of -)
rootfs localhost/fraud-ci/python:bookworm "$python_rootfs" "$ca_hook" \
  python3 python3-venv python3-pip python-is-python3 ca-certificates passwd
layer docker.io/library/python:3.11-slim "$python_rootfs" "$images/python"

jre_rootfs=$(echo openjdk-17-jre-headless passwd v1 | recipe_of -)
rootfs localhost/fraud-ci/jre:bookworm "$jre_rootfs" true openjdk-17-jre-headless passwd
# The Kafka build context: the image's files plus the jars Maven resolves (cached between runs).
jars=$cache/kafka-image-4.1.1
if [ ! -e "$jars/.complete" ] || [ "$images/kafka/pom.xml" -nt "$jars/.complete" ]; then
  rm -rf "$jars" && mkdir -p "$jars"
  mvn -q -B -Dstyle.color=never -f "$images/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$jars" >/dev/null
  touch "$jars/.complete"
fi
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp -r "$images/kafka/." "$context/"
mkdir -p "$context/libs"
cp -l "$jars"/*.jar "$context/libs/" 2>/dev/null || cp "$jars"/*.jar "$context/libs/"
layer docker.io/apache/kafka:4.1.1 "$jre_rootfs $(find "$jars" -name '*.jar' -printf '%f\n' | sort | recipe_of -)" "$context"

redis_rootfs=$(echo redis-server v1 | recipe_of -)
rootfs localhost/fraud-ci/redis-rootfs:bookworm "$redis_rootfs" true redis-server
layer docker.io/library/redis:7 "$redis_rootfs" "$images/redis"

postgres_rootfs=$(echo postgresql-15 passwd v1 | recipe_of -)
rootfs localhost/fraud-ci/postgres-rootfs:bookworm "$postgres_rootfs" true postgresql-15 passwd
layer docker.io/library/postgres:15 "$postgres_rootfs" "$images/postgres"

prometheus_rootfs=$(echo prometheus wget v1 | recipe_of -)
rootfs localhost/fraud-ci/prometheus-rootfs:bookworm "$prometheus_rootfs" true prometheus wget
layer docker.io/prom/prometheus:v3.5.0 "$prometheus_rootfs" "$images/prometheus"

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E '^docker.io/(library/python:3.11-slim|apache/kafka:4.1.1|library/redis:7|library/postgres:15|prom/prometheus:v3.5.0) ' || true
