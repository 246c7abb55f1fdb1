{{/*
The decision log's PostgreSQL (global.database.provider). cnpg: the umbrella chart renders a
CloudNativePG Cluster; clients reach its read-write Service by its full name and take the
password from the Secret the operator writes (<cluster>-app, key password). external: an
existing PostgreSQL, its password (or whole DSN) from global.database.external.existingSecret.
none: no database setting renders. The password never appears in a ConfigMap: DATABASE_URL
there carries no password, or comes whole from the Secret.
*/}}
{{- define "fraud.database.enabled" -}}
{{- if ne (.Values.global.database.provider | default "none") "none" -}}true{{- end -}}
{{- end -}}

{{- define "fraud.database.cnpg" -}}
{{- if eq .Values.global.database.provider "cnpg" -}}true{{- end -}}
{{- end -}}

{{/* Settings that cannot work together stop the render with what to do instead. */}}
{{- define "fraud.database.validate" -}}
{{- $db := .Values.global.database -}}
{{- if eq $db.provider "external" -}}
{{- if not $db.external.existingSecret -}}
{{- fail "global.database.provider=external needs global.database.external.existingSecret: the Secret with the database's password (passwordKey) or whole DSN (uriKey)" -}}
{{- end -}}
{{- if and (not $db.external.uriKey) (not $db.external.host) -}}
{{- fail "global.database.provider=external needs global.database.external.host (or external.uriKey: the key of a whole DSN in existingSecret)" -}}
{{- end -}}
{{- else if $db.external.host -}}
{{- fail "global.database.external.host names an existing PostgreSQL: set global.database.provider=external too" -}}
{{- end -}}
{{- end -}}

{{- define "fraud.database.clusterName" -}}
{{- .Values.global.database.clusterName | default (include "fraud.sibling" (list . "db")) -}}
{{- end -}}

{{- define "fraud.database.port" -}}
{{- if include "fraud.database.cnpg" . }}5432{{ else }}{{ .Values.global.database.external.port | int }}{{ end -}}
{{- end -}}

{{/* The DSN without a password; empty when the whole DSN comes from the Secret. */}}
{{- define "fraud.database.url" -}}
{{- $db := .Values.global.database -}}
{{- if include "fraud.database.cnpg" . -}}
{{- $host := printf "%s-rw.%s.svc.%s" (include "fraud.database.clusterName" .) .Release.Namespace .Values.global.clusterDomain -}}
{{- printf "postgresql://%s@%s:5432/%s?sslmode=%s" $db.user $host $db.name $db.sslMode -}}
{{- else if not $db.external.uriKey -}}
{{- printf "postgresql://%s@%s:%d/%s?sslmode=%s" $db.user $db.external.host (int $db.external.port) $db.name $db.sslMode -}}
{{- end -}}
{{- end -}}

{{/* ConfigMap entries (none without a database, or when the DSN is a secret). */}}
{{- define "fraud.database.config" -}}
{{- include "fraud.database.validate" . -}}
{{- if include "fraud.database.enabled" . -}}
{{- with include "fraud.database.url" . -}}
DATABASE_URL: {{ . | quote }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Container env from the Secret: the whole DSN, or the password beside the ConfigMap's DSN. */}}
{{- define "fraud.database.secretEnv" -}}
{{- $db := .Values.global.database -}}
{{- if include "fraud.database.cnpg" . }}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "fraud.database.clusterName" . }}-app
      key: password
{{- else if eq $db.provider "external" }}
- name: {{ ternary "DATABASE_URL" "DATABASE_PASSWORD" (not (empty $db.external.uriKey)) }}
  valueFrom:
    secretKeyRef:
      name: {{ $db.external.existingSecret }}
      key: {{ $db.external.uriKey | default $db.external.passwordKey }}
{{- end }}
{{- end -}}

{{/* Egress to the database: the CNPG instances, or the external peers (any when none). */}}
{{- define "fraud.netpol.databaseEgress" -}}
{{- if include "fraud.database.enabled" . }}
- {{- if include "fraud.database.cnpg" . }}
  to:
    - podSelector:
        matchLabels:
          {{- include "fraud.database.selector" . | nindent 10 }}
  {{- else if .Values.global.networkPolicy.databasePeers }}
  to:
    {{- toYaml .Values.global.networkPolicy.databasePeers | nindent 4 }}
  {{- end }}
  ports:
    - port: {{ include "fraud.database.port" . }}
      protocol: TCP
{{- end }}
{{- end -}}

{{/* CloudNativePG's labels on the pods of this Cluster's PostgreSQL instances. */}}
{{- define "fraud.database.selector" -}}
cnpg.io/cluster: {{ include "fraud.database.clusterName" . }}
cnpg.io/podRole: instance
{{- end -}}

{{/*
The init container applying the schema before a pod writes or reads the database: the decision
log's migrations, and the model registry's with global.modelRegistry.enabled, by
`fraud-decisions migrate`: (list ctx image waitSeconds resources). Pods starting together queue
on the migrations' advisory locks; a schema already current is left alone.
*/}}
{{- define "fraud.database.migrate" -}}
{{- $ctx := index . 0 -}}
{{- $image := index . 1 -}}
{{- $command := list "fraud-decisions" "migrate" "--wait-s" (index . 2 | toString) -}}
{{- if include "fraud.modelRegistry.enabled" $ctx -}}
{{- $command = append $command "--model-registry" -}}
{{- end -}}
- name: migrate
  image: {{ include "fraud.imageRef" (list $image $ctx) }}
  imagePullPolicy: {{ $image.pullPolicy }}
  command: {{ toJson $command }}
  env:
    {{- with include "fraud.database.url" $ctx }}
    - name: DATABASE_URL
      value: {{ . | quote }}
    {{- end }}
    {{- include "fraud.database.secretEnv" $ctx | nindent 4 }}
  resources:
    {{- toYaml (index . 3) | nindent 4 }}
  securityContext:
    {{- include "fraud.containerSecurityContext" $ctx | nindent 4 }}
{{- end -}}
