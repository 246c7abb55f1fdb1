{{/*
NetworkPolicy building blocks. Each component's policy selects its own pods for Ingress and
Egress, so anything not listed here is denied: the data path, DNS and Prometheus only.
*/}}
{{- define "fraud.netpol.dnsEgress" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.global.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.global.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{- define "fraud.netpol.kafkaEgress" -}}
- {{- if include "fraud.kafka.strimzi" . }}
  to:
    - podSelector:
        matchLabels:
          strimzi.io/cluster: {{ include "fraud.kafka.clusterName" . }}
          strimzi.io/broker-role: "true"
  {{- else if .Values.global.networkPolicy.kafkaPeers }}
  to:
    {{- toYaml .Values.global.networkPolicy.kafkaPeers | nindent 4 }}
  {{- end }}
  ports:
    {{- range (include "fraud.kafka.ports" . | fromJsonArray) }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}

{{- define "fraud.netpol.redisEgress" -}}
- {{- if include "fraud.redis.inRelease" . }}
  to:
    - podSelector:
        matchLabels:
          {{- include "fraud.siblingSelector" (list . "redis") | nindent 10 }}
  {{- else if .Values.global.networkPolicy.redisPeers }}
  to:
    {{- toYaml .Values.global.networkPolicy.redisPeers | nindent 4 }}
  {{- end }}
  ports:
    - port: {{ include "fraud.redis.port" . }}
      protocol: TCP
{{- end -}}

{{/* Ingress from Prometheus to one port, only when monitoring is on. (list ctx port) */}}
{{- define "fraud.netpol.prometheusIngress" -}}
{{- $ctx := index . 0 -}}
{{- if $ctx.Values.global.monitoring.enabled }}
- from:
    - namespaceSelector:
        {{- toYaml $ctx.Values.global.networkPolicy.prometheus.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml $ctx.Values.global.networkPolicy.prometheus.podSelector | nindent 8 }}
  ports:
    - port: {{ index . 1 }}
      protocol: TCP
{{- end }}
{{- end -}}

{{/* Policy skeleton: (list ctx ingressRulesYaml egressRulesYaml). Empty lists deny all. */}}
{{- define "fraud.netpol" -}}
{{- $ctx := index . 0 -}}
{{- $ingress := index . 1 | trim -}}
{{- $egress := index . 2 | trim -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "fraud.fullname" $ctx }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "fraud.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "fraud.selectorLabels" $ctx | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  {{- if $ingress }}
  ingress:
    {{- $ingress | nindent 4 }}
  {{- else }}
  ingress: []
  {{- end }}
  {{- if $egress }}
  egress:
    {{- $egress | nindent 4 }}
  {{- else }}
  egress: []
  {{- end }}
{{- end -}}
