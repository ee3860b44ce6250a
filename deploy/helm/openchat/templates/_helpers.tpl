{{/* The release's resource name: the release name, or release-openchat. */}}
{{- define "openchat.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the release's pods. */}}
{{- define "openchat.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every resource. */}}
{{- define "openchat.labels" -}}
{{ include "openchat.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret holding OPENCHAT_DATABASE_URL, OPENCHAT_SECRET, OPENCHAT_SMTP_URL. */}}
{{- define "openchat.secretName" -}}
{{- if .Values.secret.create -}}
{{ include "openchat.fullname" . }}
{{- else -}}
{{ required "secret.existingSecret must name a Secret when secret.create is false" .Values.secret.existingSecret }}
{{- end -}}
{{- end -}}
