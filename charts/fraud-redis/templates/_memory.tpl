{{/*
A memory quantity in bytes (a float), or nothing when it is not one this parser knows: Redis's
kb/mb/gb (powers of 1024, as redis.conf reads them) and Kubernetes' plain, k/M/G/T and
Ki/Mi/Gi/Ti forms. A plain number in YAML comes as a float already.
*/}}
{{- define "fraud-redis.bytes" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) -}}
{{- float64 . -}}
{{- else -}}
{{- $units := dict "" 1.0 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "kb" 1024.0 "mb" 1048576.0 "gb" 1073741824.0 -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" (toString .) -}}
{{- $unit := trimPrefix $number (toString .) -}}
{{- if and $number (hasKey $units $unit) -}}
{{- mulf (float64 $number) (get $units $unit) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Refuse a memory limit under 2.5x maxmemory: an append-only file rewrite forks Redis and every
page written meanwhile is copied against the limit, up to the whole dataset on a slow rewrite
(a full 200mb dataset peaked at 265-319 MiB under load), so a tighter limit gets Redis
OOM-killed mid-rewrite. No limit, or one this chart cannot read, is left to the user.
*/}}
{{- define "fraud-redis.checkMemory" -}}
{{- $limit := dig "limits" "memory" "" (.Values.resources | default dict) -}}
{{- if $limit -}}
{{- $limitBytes := include "fraud-redis.bytes" $limit -}}
{{- $maxBytes := include "fraud-redis.bytes" .Values.maxmemory -}}
{{- if and $limitBytes $maxBytes -}}
{{- $needed := mulf 2.5 (float64 $maxBytes) -}}
{{- if lt (float64 $limitBytes) $needed -}}
{{- fail (printf "resources.limits.memory %v is under 2.5x maxmemory %v (%.0f MiB needed): an append-only file rewrite copies up to the whole dataset against the limit, and Redis would be OOM-killed mid-rewrite; raise the limit or lower maxmemory" $limit .Values.maxmemory (divf $needed 1048576.0)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
