{{/* Recommended labels; the selector pair (name, instance) never changes after install. */}}
{{- define "fraud.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fraud.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "fraud.labels" -}}
{{ include "fraud.selectorLabels" . }}
app.kubernetes.io/component: {{ include "fraud.component" . }}
app.kubernetes.io/part-of: fraud-detection
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" (include "fraud.name" .) .Chart.Version | replace "+" "_" | trunc 63 }}
{{- end -}}

{{/* Selector labels of a sibling component's pods (list ctx "scorer"). */}}
{{- define "fraud.siblingSelector" -}}
{{- $ctx := index . 0 -}}
app.kubernetes.io/name: {{ printf "fraud-%s" (index . 1) }}
app.kubernetes.io/instance: {{ $ctx.Release.Name }}
{{- end -}}

{{/* Labels kube-prometheus-stack selects ServiceMonitors/PodMonitors/PrometheusRules by. */}}
{{- define "fraud.monitoringLabels" -}}
{{ include "fraud.labels" . }}
{{- with .Values.global.monitoring.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
