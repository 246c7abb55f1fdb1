{{/* The umbrella's own objects use the component "platform" in their labels. */}}
{{- define "fraud-detection.labels" -}}
app.kubernetes.io/name: fraud-detection
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: fraud-detection
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 }}
{{- end -}}

{{- define "fraud-detection.monitoringLabels" -}}
{{ include "fraud-detection.labels" . }}
{{- with .Values.global.monitoring.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Strimzi objects render only with the strimzi provider (not with an external Kafka). */}}
{{- define "fraud-detection.strimzi" -}}
{{- include "fraud.kafka.strimzi" . -}}
{{- end -}}

{{/* Replication: 3 copies where the pool has 3 nodes, fewer on a one-node kind cluster. */}}
{{- define "fraud-detection.replicationFactor" -}}
{{- min 3 (int .Values.kafka.replicas) -}}
{{- end -}}

{{- define "fraud-detection.minInsyncReplicas" -}}
{{- max 1 (sub (include "fraud-detection.replicationFactor" . | int) 1) -}}
{{- end -}}

{{/* Strimzi's labels on the pods of this cluster's Kafka exporter and brokers. */}}
{{- define "fraud-detection.clusterLabel" -}}
strimzi.io/cluster: {{ include "fraud.kafka.clusterName" . }}
{{- end -}}

{{/* Settings that cannot work together fail the render with what to do instead. */}}
{{- define "fraud-detection.validate" -}}
{{- include "fraud.kafka.validate" . -}}
{{- include "fraud.database.validate" . -}}
{{- $redisAuth := .Values.global.redis.auth -}}
{{- if and $redisAuth.enabled (not .Values.redis.enabled) (not $redisAuth.existingSecret) -}}
{{- fail "global.redis.auth.enabled with an existing Redis (redis.enabled=false) needs global.redis.auth.existingSecret: the Secret holding that Redis's password" -}}
{{- end -}}
{{- end -}}
