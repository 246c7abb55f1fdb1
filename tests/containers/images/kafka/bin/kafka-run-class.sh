#!/usr/bin/env bash
# Runs a Kafka main class on the image's jars (a small subset of the upstream script).
# Usage: kafka-run-class.sh [JVM options starting with -] CLASS [ARGS...]
set -euo pipefail
jvm=()
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do jvm+=("$1"); shift; done
# shellcheck disable=SC2086 # option strings are word lists by contract, as upstream
exec java ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20} "${jvm[@]}" \
  -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="${KAFKA_LOG4J_CONFIG:-/opt/kafka/config/log4j2.properties}" \
  ${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' "$@"
