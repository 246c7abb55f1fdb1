{{/* The ServiceAccount each component runs as: its own, with no token and no RBAC. */}}
{{- define "fraud.serviceAccount" -}}
{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "fraud.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "fraud.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
{{- end -}}
{{- end -}}

{{/*
The autoscaler that actually renders: autoscaling.mode, except that a CPU autoscaler needs the
resource metrics API (metrics-server). Where the cluster does not serve metrics.k8s.io/v1beta1
(kind has no metrics-server) an HPA would show <unknown> forever and never scale, so none is
rendered and the Deployment runs autoscaling.minReplicas pods instead.
*/}}
{{- define "fraud.autoscaler" -}}
{{- $mode := (.Values.autoscaling | default dict).mode | default "none" -}}
{{- if and (eq $mode "hpa") (not (.Capabilities.APIVersions.Has "metrics.k8s.io/v1beta1")) -}}
{{- "unavailable" -}}
{{- else -}}
{{- $mode -}}
{{- end -}}
{{- end -}}

{{/* Replicas that must keep running: the fixed count, or the autoscaler's minimum. */}}
{{- define "fraud.minReplicas" -}}
{{- if eq (include "fraud.autoscaler" .) "none" -}}
{{- .Values.replicaCount -}}
{{- else -}}
{{- .Values.autoscaling.minReplicas -}}
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
{{- if eq (include "fraud.autoscaler" .) "hpa" -}}
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
{{- $mode := include "fraud.autoscaler" . -}}
{{- if eq $mode "none" -}}
replicas: {{ .Values.replicaCount }}
{{- else if eq $mode "unavailable" -}}
replicas: {{ .Values.autoscaling.minReplicas }}
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
