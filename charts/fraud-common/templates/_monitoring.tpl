{{/*
Scrape objects. The `job` label is set to fraud-<component> explicitly: the alert rules and
dashboard select on job="fraud-producer" etc., whatever the release or Service is called.
They render only where the cluster serves the Prometheus Operator's API: without it an
install would fail on "no matches for kind ServiceMonitor".
*/}}
{{- define "fraud.monitoring.on" -}}
{{- if and .Values.global.monitoring.enabled (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1") -}}true{{- end -}}
{{- end -}}
{{- define "fraud.jobRelabeling" -}}
relabelings:
  - action: replace
    targetLabel: job
    replacement: {{ include "fraud.name" . }}
{{- end -}}

{{/* PodMonitor for workers that serve /metrics without a Service: (list ctx portName). */}}
{{- define "fraud.podMonitor" -}}
{{- $ctx := index . 0 -}}
{{- if include "fraud.monitoring.on" $ctx -}}
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: {{ include "fraud.fullname" $ctx }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "fraud.monitoringLabels" $ctx | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "fraud.selectorLabels" $ctx | nindent 6 }}
  podMetricsEndpoints:
    - port: {{ index . 1 }}
      path: /metrics
      interval: {{ $ctx.Values.global.monitoring.interval }}
      {{- include "fraud.jobRelabeling" $ctx | nindent 6 }}
{{- end -}}
{{- end -}}

{{/* ServiceMonitor for components with a Service: (list ctx portName). */}}
{{- define "fraud.serviceMonitor" -}}
{{- $ctx := index . 0 -}}
{{- if include "fraud.monitoring.on" $ctx -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "fraud.fullname" $ctx }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "fraud.monitoringLabels" $ctx | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "fraud.selectorLabels" $ctx | nindent 6 }}
  endpoints:
    - port: {{ index . 1 }}
      path: /metrics
      interval: {{ $ctx.Values.global.monitoring.interval }}
      {{- include "fraud.jobRelabeling" $ctx | nindent 6 }}
{{- end -}}
{{- end -}}
