{{/*
The model registry's serving models (global.modelRegistry): the scorer, and the consumer when it
scores embedded, read the registry in global.database (its DSN and password as for the decision
log: the password, or the whole DSN, from the database's Secret) and the artifacts from a store
mounted read-only, and follow promotions and rollbacks without a restart.
*/}}
{{- define "fraud.modelRegistry.enabled" -}}
{{- $registry := .Values.global.modelRegistry | default dict -}}
{{- if $registry.enabled -}}
{{- if not (include "fraud.database.enabled" .) -}}
{{- fail "global.modelRegistry.enabled needs global.database.provider cnpg or external: the registry lives in that database" -}}
{{- end -}}
{{- if and (not $registry.store.existingClaim) (not $registry.store.volume) -}}
{{- fail "global.modelRegistry.enabled needs global.modelRegistry.store.existingClaim (or store.volume): the artifact store `fraud-models register` writes" -}}
{{- end -}}
true
{{- end -}}
{{- end -}}

{{/* ConfigMap entry: where the pods find the store. */}}
{{- define "fraud.modelRegistry.config" -}}
MODEL_STORE_DIR: {{ .Values.global.modelRegistry.store.mountPath | quote }}
{{- end -}}

{{- define "fraud.modelRegistry.mount" -}}
- name: model-store
  mountPath: {{ .Values.global.modelRegistry.store.mountPath }}
  readOnly: true
  {{- with .Values.global.modelRegistry.store.subPath }}
  subPath: {{ . }}
  {{- end }}
{{- end -}}

{{/* The store's volume: an existing claim, read-only, or the volume source given. */}}
{{- define "fraud.modelRegistry.volume" -}}
{{- $store := .Values.global.modelRegistry.store -}}
- name: model-store
  {{- if $store.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ $store.existingClaim }}
    readOnly: true
  {{- else }}
  {{- toYaml $store.volume | nindent 2 }}
  {{- end }}
{{- end -}}
