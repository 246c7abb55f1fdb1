{{/*
Names. Component charts are named fraud-<component> and used under the alias <component> in
the umbrella chart (Helm then reports the alias as .Chart.Name), so the component is the chart
name without its prefix either way. Objects are named <release>-<component>; the charts derive
each other's Service and Secret names from this convention instead of passing them around.
*/}}
{{- define "fraud.component" -}}
{{- trimPrefix "fraud-" .Chart.Name -}}
{{- end -}}

{{- define "fraud.name" -}}
{{- printf "fraud-%s" (include "fraud.component" .) -}}
{{- end -}}

{{- define "fraud.fullname" -}}
{{- printf "%s-%s" .Release.Name (include "fraud.component" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The name of a sibling component's objects, e.g. (include "fraud.sibling" (list . "scorer")). */}}
{{- define "fraud.sibling" -}}
{{- $ctx := index . 0 -}}
{{- printf "%s-%s" $ctx.Release.Name (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* [registry/]repository then @digest, or :tag (the chart's appVersion when empty). (image ctx) */}}
{{- define "fraud.imageRef" -}}
{{- $image := index . 0 -}}
{{- $ref := $image.repository -}}
{{- with $image.registry }}{{ $ref = printf "%s/%s" (trimSuffix "/" .) $ref }}{{ end -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $ref $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref ($image.tag | default (index . 1).Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- define "fraud.image" -}}
{{- include "fraud.imageRef" (list .Values.image .) -}}
{{- end -}}

{{/* The pods' ServiceAccount: their own unless serviceAccount names an existing one. */}}
{{- define "fraud.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "fraud.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}
