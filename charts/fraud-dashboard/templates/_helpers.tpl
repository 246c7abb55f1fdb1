{{/* Where the users file Secret is mounted, and the file DASHBOARD_USERS_FILE names. */}}
{{- define "fraud-dashboard.usersDir" -}}/etc/fraud/access{{- end -}}

{{- define "fraud-dashboard.usersFile" -}}
{{- printf "%s/users" (include "fraud-dashboard.usersDir" .) -}}
{{- end -}}
