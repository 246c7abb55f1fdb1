{{/*
Kafka connection. Without global.kafka.bootstrapServers the umbrella chart runs a Strimzi
cluster and clients use its bootstrap Service on the plain listener (9092; SCRAM-SHA-512 on
that listener when auth is on), by its fully qualified name: KEDA's Kafka scaler connects
from the keda-operator pod in another namespace, where the short name does not resolve.
*/}}
{{- define "fraud.kafka.strimzi" -}}
{{- if not .Values.global.kafka.bootstrapServers -}}true{{- end -}}
{{- end -}}

{{- define "fraud.kafka.clusterName" -}}
{{- .Values.global.kafka.clusterName | default .Release.Name -}}
{{- end -}}

{{- define "fraud.kafka.bootstrapServers" -}}
{{- $service := printf "%s-kafka-bootstrap" (include "fraud.kafka.clusterName" .) -}}
{{- $fqdn := printf "%s.%s.svc.%s:9092" $service .Release.Namespace .Values.global.clusterDomain -}}
{{- .Values.global.kafka.bootstrapServers | default $fqdn -}}
{{- end -}}

{{- define "fraud.kafka.securityProtocol" -}}
{{- if .Values.global.kafka.securityProtocol -}}
{{- .Values.global.kafka.securityProtocol -}}
{{- else if .Values.global.kafka.auth.enabled -}}
SASL_PLAINTEXT
{{- else -}}
PLAINTEXT
{{- end -}}
{{- end -}}

{{/* The KafkaUser (and, with Strimzi, its Secret) of this client: <release>-<component>. */}}
{{- define "fraud.kafka.username" -}}
{{- .Values.kafkaUser.username | default (include "fraud.fullname" .) -}}
{{- end -}}

{{/* ConfigMap entries: connection and topic names, the settings' own variable names. */}}
{{- define "fraud.kafka.config" -}}
KAFKA_BOOTSTRAP_SERVERS: {{ include "fraud.kafka.bootstrapServers" . | quote }}
KAFKA_SECURITY_PROTOCOL: {{ include "fraud.kafka.securityProtocol" . | quote }}
KAFKA_CLIENT_ID: {{ include "fraud.fullname" . | quote }}
{{- if .Values.global.kafka.auth.enabled }}
KAFKA_SASL_MECHANISM: "SCRAM-SHA-512"
KAFKA_SASL_USERNAME: {{ include "fraud.kafka.username" . | quote }}
{{- end }}
TOPIC_TRANSACTIONS: {{ .Values.global.topics.transactions | quote }}
TOPIC_LABELS: {{ .Values.global.topics.labels | quote }}
TOPIC_SCORED: {{ .Values.global.topics.scored | quote }}
TOPIC_ALERTS: {{ .Values.global.topics.alerts | quote }}
TOPIC_DLQ: {{ .Values.global.topics.dlq | quote }}
{{- end -}}

{{/* Container env: the SCRAM password from the Strimzi-generated (or an existing) user Secret. */}}
{{- define "fraud.kafka.secretEnv" -}}
{{- if .Values.global.kafka.auth.enabled }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafkaUser.passwordSecret.name | default (include "fraud.kafka.username" .) }}
      key: {{ .Values.kafkaUser.passwordSecret.key }}
{{- end }}
{{- end -}}

{{/* Broker ports a client must reach: 9092 on Strimzi, else the ports in bootstrapServers. */}}
{{- define "fraud.kafka.ports" -}}
{{- $ports := list -}}
{{- if include "fraud.kafka.strimzi" . -}}
{{- $ports = list 9092 -}}
{{- else -}}
{{- range splitList "," .Values.global.kafka.bootstrapServers -}}
{{- $ports = append $ports (last (splitList ":" (trim .)) | int) -}}
{{- end -}}
{{- end -}}
{{- toJson (uniq $ports) -}}
{{- end -}}
