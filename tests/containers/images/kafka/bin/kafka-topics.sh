#!/usr/bin/env bash
# kafka-topics.sh as in the Kafka distribution: TopicCommand from kafka-tools, logging at WARN.
set -euo pipefail
export KAFKA_LOG4J_ROOT_LOGLEVEL=${KAFKA_TOOLS_LOG4J_LOGLEVEL:-WARN}
KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
  exec "$(dirname "$0")/kafka-run-class.sh" -Xmx256m org.apache.kafka.tools.TopicCommand "$@"
