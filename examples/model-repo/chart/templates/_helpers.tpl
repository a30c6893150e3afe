{{/* Every object is named from the release, so stable, canary and colour releases of one
application never collide. Release names are at most 53 characters; suffixes fit in 63. */}}
{{- define "model-server.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The application a release belongs to (label mlops.example/app), shared by its stable,
canary and colour releases: blueGreen.name, or the release name without the suffix the
release's role adds. */}}
{{- define "model-server.appName" -}}
{{- if .Values.blueGreen.name -}}
{{- .Values.blueGreen.name -}}
{{- else if and .Values.blueGreen.enabled (eq .Values.blueGreen.role "color") -}}
{{- trimSuffix (printf "-%s" .Values.blueGreen.color) .Release.Name -}}
{{- else if .Values.canary.enabled -}}
{{- trimSuffix "-canary" .Release.Name -}}
{{- else -}}
{{- .Release.Name -}}
{{- end -}}
{{- end -}}

{{- define "model-server.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{- define "model-server.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "model-server.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "model-server.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
mlops.example/app: {{ include "model-server.appName" . }}
{{- end -}}

{{/* Labels of the pods: what Services and Prometheus select on. */}}
{{- define "model-server.podLabels" -}}
{{ include "model-server.labels" . }}
track: {{ .Values.track }}
{{- if and .Values.blueGreen.enabled (eq .Values.blueGreen.role "color") }}
color: {{ .Values.blueGreen.color }}
{{- end }}
{{- end -}}

{{- define "model-server.isColor" -}}
{{- if and .Values.blueGreen.enabled (eq .Values.blueGreen.role "color") }}true{{ end -}}
{{- end -}}

{{- define "model-server.isRouter" -}}
{{- if and .Values.blueGreen.enabled (eq .Values.blueGreen.role "router") }}true{{ end -}}
{{- end -}}

{{/* Combinations the schema cannot express; each would deploy something that lies. */}}
{{- define "model-server.validate" -}}
{{- if and .Values.canary.enabled (ne .Values.track "canary") -}}
{{- fail "canary.enabled=true needs track=canary: the canary's metrics would be labelled stable" -}}
{{- end -}}
{{- if and .Values.canary.enabled .Values.blueGreen.enabled -}}
{{- fail "canary.enabled and blueGreen.enabled cannot both be true: a release is a canary or a colour" -}}
{{- end -}}
{{- end -}}
