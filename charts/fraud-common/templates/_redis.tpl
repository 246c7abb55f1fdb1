{{/* Redis connection: this release's Redis chart unless global.redis.url names another. */}}
{{- define "fraud.redis.inRelease" -}}
{{- if not .Values.global.redis.url -}}true{{- end -}}
{{- end -}}

{{- define "fraud.redis.url" -}}
{{- .Values.global.redis.url | default (printf "redis://%s:6379/0" (include "fraud.sibling" (list . "redis"))) -}}
{{- end -}}

{{- define "fraud.redis.port" -}}
{{- $hostPort := splitList ":" (urlParse (include "fraud.redis.url" .)).host -}}
{{- if eq (len $hostPort) 2 }}{{ last $hostPort | int }}{{ else }}6379{{ end -}}
{{- end -}}

{{- define "fraud.redis.secretName" -}}
{{- .Values.global.redis.auth.existingSecret | default (include "fraud.sibling" (list . "redis-auth")) -}}
{{- end -}}

{{- define "fraud.redis.config" -}}
REDIS_URL: {{ include "fraud.redis.url" . | quote }}
{{- end -}}

{{- define "fraud.redis.secretEnv" -}}
{{- if .Values.global.redis.auth.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "fraud.redis.secretName" . }}
      key: {{ .Values.global.redis.auth.key }}
{{- end }}
{{- end -}}

{{/* The scorer's API key: the scorer checks it, the consumer sends it. */}}
{{- define "fraud.scorerApiKey.secretName" -}}
{{- .Values.global.scorerApiKey.existingSecret | default (include "fraud.sibling" (list . "scorer-api-key")) -}}
{{- end -}}

{{- define "fraud.scorerApiKey.secretEnv" -}}
{{- if .Values.global.scorerApiKey.enabled }}
- name: SCORER_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "fraud.scorerApiKey.secretName" . }}
      key: {{ .Values.global.scorerApiKey.key }}
{{- end }}
{{- end -}}

{{/* A ConfigMap's data: the wired entries, then the chart's `config` (settings names only). */}}
{{- define "fraud.configData" -}}
{{- $ctx := index . 0 -}}
{{- index . 1 }}
{{- range $name, $value := $ctx.Values.config }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}
