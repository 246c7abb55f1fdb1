{{/* NOTES.txt lines every component chart shares: what the cluster lacks for this release. */}}
{{- define "fraud.notes.capabilities" -}}
{{- if eq (include "fraud.autoscaler" .) "unavailable" }}
Note: autoscaling.mode is hpa but this cluster serves no metrics API (metrics.k8s.io/v1beta1,
from metrics-server), so no HorizontalPodAutoscaler was created and {{ .Values.autoscaling.minReplicas }} pod(s) run.
Install metrics-server and upgrade to get the autoscaler.
{{- end }}
{{- if and .Values.global.monitoring.enabled (not (include "fraud.monitoring.on" .)) }}
Note: monitoring is on but this cluster lacks the Prometheus Operator's CRDs
(monitoring.coreos.com/v1), so no ServiceMonitor/PodMonitor was created. Install
kube-prometheus-stack (k8s/monitoring) and upgrade, or set global.monitoring.enabled=false.
{{- end }}
{{- end -}}
