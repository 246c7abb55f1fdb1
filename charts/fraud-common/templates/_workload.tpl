{{/* The ServiceAccount each component runs as: its own, with no token and no RBAC. */}}
{{- define "fraud.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "fraud.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "fraud.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}

{{/* Replicas that must keep running: the fixed count, or the autoscaler's minimum. */}}
{{- define "fraud.minReplicas" -}}
{{- $auto := .Values.autoscaling | default dict -}}
{{- if and $auto (ne ($auto.mode | default "none") "none") -}}
{{- $auto.minReplicas -}}
{{- else -}}
{{- .Values.replicaCount -}}
{{- end -}}
{{- end -}}

{{/* A PodDisruptionBudget only where a voluntary eviction could otherwise take every pod. */}}
{{- define "fraud.pdb" -}}
{{- if gt (include "fraud.minReplicas" . | int) 1 -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "fraud.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "fraud.labels" . | nindent 4 }}
spec:
  minAvailable: {{ .Values.podDisruptionBudget.minAvailable }}
  selector:
    matchLabels:
      {{- include "fraud.selectorLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}

{{/* A CPU HorizontalPodAutoscaler for the Deployment, when autoscaling.mode is hpa. */}}
{{- define "fraud.hpa" -}}
{{- if eq .Values.autoscaling.mode "hpa" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "fraud.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "fraud.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "fraud.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}
{{- end -}}

{{/*
Deployment replicas: omitted while an autoscaler owns the count (a fixed value would fight it
on every upgrade).
*/}}
{{- define "fraud.replicas" -}}
{{- $auto := .Values.autoscaling | default dict -}}
{{- if or (not $auto) (eq ($auto.mode | default "none") "none") -}}
replicas: {{ .Values.replicaCount }}
{{- end -}}
{{- end -}}

{{/* HTTP probes on a named port: (list ctx livenessPath readinessPath portName). */}}
{{- define "fraud.probes" -}}
{{- $ctx := index . 0 -}}
{{- $port := index . 3 -}}
startupProbe:
  httpGet: {path: {{ index . 1 }}, port: {{ $port }}}
  {{- toYaml $ctx.Values.probes.startup | nindent 2 }}
livenessProbe:
  httpGet: {path: {{ index . 1 }}, port: {{ $port }}}
  {{- toYaml $ctx.Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet: {path: {{ index . 2 }}, port: {{ $port }}}
  {{- toYaml $ctx.Values.probes.readiness | nindent 2 }}
{{- end -}}
