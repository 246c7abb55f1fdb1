{{/*
Hardening shared by every pod: the images run as uid 10001 with a read-only root filesystem
(writable /tmp is an emptyDir), no privilege escalation, no capabilities, the runtime's
default seccomp profile, and no service account token (no component calls the Kubernetes API).
*/}}
{{- define "fraud.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "fraud.containerSecurityContext" -}}
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
serviceAccountName: {{ include "fraud.fullname" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- include "fraud.podSecurityContext" . | nindent 2 }}
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
{{- end -}}

{{/* /tmp is the only writable path; sized so a runaway writer is evicted, not the node. */}}
{{- define "fraud.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit | default "64Mi" }}
{{- end -}}

{{- define "fraud.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}
