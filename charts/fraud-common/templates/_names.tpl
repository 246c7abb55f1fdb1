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

{{- define "fraud.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
