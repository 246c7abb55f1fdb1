{{/*
Kafka connection. global.kafka.provider strimzi: the umbrella chart runs a Strimzi cluster and
clients use its bootstrap Service on the plain listener (9092; SCRAM-SHA-512 on that listener
when auth is on), by its fully qualified name: KEDA's Kafka scaler connects from the
keda-operator pod in another namespace, where the short name does not resolve. external: the
clients use global.kafka.bootstrapServers, with SASL and TLS settings from existing Secrets.
*/}}
{{- define "fraud.kafka.strimzi" -}}
{{- if eq (.Values.global.kafka.provider | default "strimzi") "strimzi" -}}true{{- end -}}
{{- end -}}

{{/* Settings that cannot work together stop the render with what to do instead. */}}
{{- define "fraud.kafka.validate" -}}
{{- $kafka := .Values.global.kafka -}}
{{- if include "fraud.kafka.strimzi" . -}}
{{- if $kafka.bootstrapServers -}}
{{- fail "global.kafka.bootstrapServers names an existing Kafka: set global.kafka.provider=external too (the strimzi provider runs its own cluster)" -}}
{{- end -}}
{{- if and $kafka.auth.enabled (ne $kafka.auth.mechanism "SCRAM-SHA-512") -}}
{{- fail "global.kafka.auth.mechanism: Strimzi's users are SCRAM-SHA-512" -}}
{{- end -}}
{{- else if not $kafka.bootstrapServers -}}
{{- fail "global.kafka.provider=external needs global.kafka.bootstrapServers (host:port[,host:port])" -}}
{{- end -}}
{{- if and $kafka.auth.enabled (eq $kafka.auth.mechanism "PLAIN") (not (hasSuffix "SSL" (include "fraud.kafka.securityProtocol" .))) -}}
{{- fail "global.kafka.auth.mechanism PLAIN sends the password as it is: turn on global.kafka.tls.enabled" -}}
{{- end -}}
{{- end -}}

{{- define "fraud.kafka.clusterName" -}}
{{- .Values.global.kafka.clusterName | default .Release.Name -}}
{{- end -}}

{{- define "fraud.kafka.bootstrapServers" -}}
{{- if include "fraud.kafka.strimzi" . -}}
{{- $service := printf "%s-kafka-bootstrap" (include "fraud.kafka.clusterName" .) -}}
{{- printf "%s.%s.svc.%s:9092" $service .Release.Namespace .Values.global.clusterDomain -}}
{{- else -}}
{{- .Values.global.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{- define "fraud.kafka.securityProtocol" -}}
{{- $kafka := .Values.global.kafka -}}
{{- $tls := and (not (include "fraud.kafka.strimzi" .)) $kafka.tls.enabled -}}
{{- if $kafka.securityProtocol -}}
{{- $kafka.securityProtocol -}}
{{- else -}}
{{- printf "%s%s" (ternary "SASL_" "" $kafka.auth.enabled) (ternary "SSL" "PLAINTEXT" $tls) -}}
{{- end -}}
{{- end -}}

{{/* Credentials shared by every client (external provider, auth.existingSecret set). */}}
{{- define "fraud.kafka.sharedSecret" -}}
{{- if and (not (include "fraud.kafka.strimzi" .)) .Values.global.kafka.auth.existingSecret -}}
{{- .Values.global.kafka.auth.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* The client's username when it is a plain value: its kafkaUser.username, or with Strimzi
the KafkaUser the umbrella chart creates (<release>-<component>). Empty: from the shared Secret. */}}
{{- define "fraud.kafka.username" -}}
{{- if .Values.kafkaUser.username -}}
{{- .Values.kafkaUser.username -}}
{{- else if not (include "fraud.kafka.sharedSecret" .) -}}
{{- include "fraud.fullname" . -}}
{{- end -}}
{{- end -}}

{{/* Secret and key of the client's password: (list name key). */}}
{{- define "fraud.kafka.passwordRef" -}}
{{- $user := .Values.kafkaUser -}}
{{- $shared := include "fraud.kafka.sharedSecret" . -}}
{{- if $user.passwordSecret.name -}}
{{- toJson (list $user.passwordSecret.name $user.passwordSecret.key) -}}
{{- else if $shared -}}
{{- toJson (list $shared .Values.global.kafka.auth.passwordKey) -}}
{{- else -}}
{{- toJson (list (include "fraud.kafka.username" .) $user.passwordSecret.key) -}}
{{- end -}}
{{- end -}}

{{/* Where a mounted CA certificate is read from (KAFKA_SSL_CA_LOCATION). */}}
{{- define "fraud.kafka.caDir" -}}/etc/fraud/kafka-ca{{- end -}}

{{- define "fraud.kafka.caMounted" -}}
{{- if and (not (include "fraud.kafka.strimzi" .)) .Values.global.kafka.tls.enabled .Values.global.kafka.tls.caSecret -}}true{{- end -}}
{{- end -}}

{{/* ConfigMap entries: connection and topic names, the settings' own variable names. */}}
{{- define "fraud.kafka.config" -}}
{{- include "fraud.kafka.validate" . -}}
KAFKA_BOOTSTRAP_SERVERS: {{ include "fraud.kafka.bootstrapServers" . | quote }}
KAFKA_SECURITY_PROTOCOL: {{ include "fraud.kafka.securityProtocol" . | quote }}
KAFKA_CLIENT_ID: {{ include "fraud.fullname" . | quote }}
{{- if .Values.global.kafka.auth.enabled }}
KAFKA_SASL_MECHANISM: {{ .Values.global.kafka.auth.mechanism | quote }}
{{- with include "fraud.kafka.username" . }}
KAFKA_SASL_USERNAME: {{ . | quote }}
{{- end }}
{{- end }}
{{- if include "fraud.kafka.caMounted" . }}
KAFKA_SSL_CA_LOCATION: {{ printf "%s/ca.crt" (include "fraud.kafka.caDir" .) | quote }}
{{- end }}
TOPIC_TRANSACTIONS: {{ .Values.global.topics.transactions | quote }}
TOPIC_LABELS: {{ .Values.global.topics.labels | quote }}
TOPIC_SCORED: {{ .Values.global.topics.scored | quote }}
TOPIC_ALERTS: {{ .Values.global.topics.alerts | quote }}
TOPIC_DLQ: {{ .Values.global.topics.dlq | quote }}
{{- end -}}

{{/* Container env: the SASL password (and a shared username) from their Secrets. */}}
{{- define "fraud.kafka.secretEnv" -}}
{{- if .Values.global.kafka.auth.enabled }}
{{- $password := include "fraud.kafka.passwordRef" . | fromJsonArray }}
{{- if not (include "fraud.kafka.username" .) }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "fraud.kafka.sharedSecret" . }}
      key: {{ .Values.global.kafka.auth.usernameKey }}
{{- end }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ index $password 0 }}
      key: {{ index $password 1 }}
{{- end }}
{{- end -}}

{{/* The CA certificate's volume and mount (external TLS with tls.caSecret). */}}
{{- define "fraud.kafka.caVolume" -}}
{{- if include "fraud.kafka.caMounted" . }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.global.kafka.tls.caSecret }}
    defaultMode: 0444
    items:
      - key: {{ .Values.global.kafka.tls.caKey }}
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "fraud.kafka.caMount" -}}
{{- if include "fraud.kafka.caMounted" . }}
- name: kafka-ca
  mountPath: {{ include "fraud.kafka.caDir" . }}
  readOnly: true
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
