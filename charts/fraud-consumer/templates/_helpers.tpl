{{/* The scorer the consumer calls: this release's scorer unless scorerUrl names another. */}}
{{- define "fraud-consumer.scorerUrl" -}}
{{- .Values.scorerUrl | default (printf "http://%s:8000" (include "fraud.sibling" (list . "scorer"))) -}}
{{- end -}}

{{- define "fraud-consumer.scorerPort" -}}
{{- $url := urlParse (include "fraud-consumer.scorerUrl" .) -}}
{{- $hostPort := splitList ":" $url.host -}}
{{- if eq (len $hostPort) 2 }}{{ last $hostPort | int }}{{ else if eq $url.scheme "https" }}443{{ else }}80{{ end -}}
{{- end -}}

{{- define "fraud-consumer.remote" -}}
{{- if eq .Values.scoringMode "remote" -}}true{{- end -}}
{{- end -}}

{{/* Embedded scoring with the model registry's models: the store mounted, MODEL_STORE_DIR set
(in remote mode the scorer serves them and the consumer logs what it answers). */}}
{{- define "fraud-consumer.registryModels" -}}
{{- if and (include "fraud.modelRegistry.enabled" .) (eq .Values.scoringMode "embedded") -}}true{{- end -}}
{{- end -}}

{{/* The producer's image, which writes the warm start's history export. */}}
{{- define "fraud-consumer.historyImage" -}}
{{- include "fraud.imageRef" (list .Values.warmStart.historyImage .) -}}
{{- end -}}

{{/* The decision log's one-off commands (`fraud-decisions`): migrate and maintain. */}}
{{- define "fraud-consumer.decisionsImage" -}}
{{- include "fraud.imageRef" (list .Values.decisionLog.image .) -}}
{{- end -}}

{{/* Their environment: the DSN (no password in it) and the password, or the DSN, from its Secret. */}}
{{- define "fraud-consumer.decisionsEnv" -}}
{{- with include "fraud.database.url" . }}
- name: DATABASE_URL
  value: {{ . | quote }}
{{- end }}
{{- include "fraud.database.secretEnv" . }}
{{- end -}}

{{/* The upkeep job's pods: their own name, so no consumer selector (policy, budget) takes them. */}}
{{- define "fraud-consumer.maintainSelector" -}}
app.kubernetes.io/name: fraud-decisions
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The retrain job's pods: their own name, so no consumer selector (policy, budget) takes them. */}}
{{- define "fraud-consumer.retrainSelector" -}}
app.kubernetes.io/name: fraud-models-retrain
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
