{{/* The simulated world, as the producer's settings: the live stream and the warm start's
history export must agree on it (global.world). */}}
{{- define "fraud.world.config" -}}
{{- $world := .Values.global.world -}}
PRODUCER_SEED: {{ $world.seed | int | toString | quote }}
PRODUCER_CUSTOMERS: {{ $world.customers | int | toString | quote }}
PRODUCER_WORLD_START: {{ $world.start | quote }}
PRODUCER_HISTORY_DAYS: {{ $world.historyDays | int | toString | quote }}
{{- end -}}

{{/* The same, as container env entries (for the warm start's init container). */}}
{{- define "fraud.world.env" -}}
{{- range $name, $value := (include "fraud.world.config" . | fromYaml) }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Real seconds a decision waits in Redis for its label: 30 simulated days at the world's
speed, at least an hour (fraudcore.clock.marker_ttl_s; tests/k8s check they agree). */}}
{{- define "fraud.world.markerTtl" -}}
{{- max 3600 (ceil (divf 2592000 .Values.global.world.speed)) -}}
{{- end -}}
