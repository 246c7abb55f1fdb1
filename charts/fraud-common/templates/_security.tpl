{{/*
Hardening shared by every pod: the images run as uid 10001 with a read-only root filesystem
(writable /tmp is an emptyDir), no privilege escalation, no capabilities, the runtime's
default seccomp profile, and no service account token unless asked for (no component calls
the Kubernetes API). podSecurityContext and containerSecurityContext are merged over these
(e.g. another uid for your own image); the namespace's Pod Security level still judges the
result. Users' extra volumes and mounts ride along with /tmp's.
*/}}
{{- define "fraud.podSecurityContext" -}}
{{- $hardened := include "fraud.podSecurityContext.hardened" . | fromYaml -}}
{{- toYaml (mergeOverwrite $hardened (.Values.podSecurityContext | default dict)) -}}
{{- end -}}

{{- define "fraud.containerSecurityContext" -}}
{{- $hardened := include "fraud.containerSecurityContext.hardened" . | fromYaml -}}
{{- toYaml (mergeOverwrite $hardened (.Values.containerSecurityContext | default dict)) -}}
{{- end -}}

{{- define "fraud.podSecurityContext.hardened" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "fraud.containerSecurityContext.hardened" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The pod spec fields every component shares (service account, scheduling, hardening). */}}
{{- define "fraud.podCommon" -}}
serviceAccountName: {{ include "fraud.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
enableServiceLinks: false
securityContext:
  {{- include "fraud.podSecurityContext" . | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- range . }}
  - {{- toYaml (merge (dict) . (dict "labelSelector" (dict "matchLabels" (include "fraud.selectorLabels" $ | fromYaml)))) | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
A pod template's metadata: the chart's labels plus podLabels (which cannot replace the chart's
own), podAnnotations plus the chart's (list ctx annotations), e.g. a config checksum that rolls
the pods when their configuration changes.
*/}}
{{- define "fraud.podMetadata" -}}
{{- $ctx := index . 0 -}}
{{- $labels := include "fraud.labels" $ctx | fromYaml -}}
labels:
  {{- toYaml (merge (dict) $labels $ctx.Values.podLabels) | nindent 2 }}
{{- with (merge (dict) (index . 1) $ctx.Values.podAnnotations) }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The user's extra env entries, volumes and mounts (empty strings when there are none). */}}
{{- define "fraud.extraEnv" -}}
{{- with .Values.extraEnv }}{{ toYaml . }}{{ end -}}
{{- end -}}

{{/* /tmp is the only writable path; sized so a runaway writer is evicted, not the node. */}}
{{- define "fraud.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit | default "64Mi" }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "fraud.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end -}}
