{{/* Names and labels. */}}
{{- define "email-relay.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "email-relay.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "email-relay.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "email-relay.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: email-relay
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "api") */}}
{{- define "email-relay.selectorLabels" -}}
app.kubernetes.io/name: {{ include "email-relay.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "email-relay.componentLabels" -}}
{{ include "email-relay.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The image of a component: (dict "root" $ "image" .Values.api.image) */}}
{{- define "email-relay.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- if eq (toString $tag) "latest" -}}
{{- fail "image.tag must be a pinned version, never \"latest\"" -}}
{{- end -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}

{{/* "00:02:30" from seconds. */}}
{{- define "email-relay.timespan" -}}
{{- $s := int . -}}
{{- printf "%02d:%02d:%02d" (div $s 3600) (mod (div $s 60) 60) (mod $s 60) -}}
{{- end -}}

{{/* The sender's termination grace: Sender__ShutdownGrace + the SMTP command timeout + the 10 s
     the service adds (MassTransit stop 5 s + host shutdown 5 s) + a margin. */}}
{{- define "email-relay.senderTerminationGrace" -}}
{{- add (int .Values.sender.shutdownGraceSeconds) (int .Values.delivery.smarthost.commandTimeoutSeconds) 10 (int .Values.sender.terminationMarginSeconds) -}}
{{- end -}}

{{/* Secret names. The chart's own Secret holds whatever is not taken from an existing Secret. */}}
{{- define "email-relay.secretName" -}}
{{- include "email-relay.fullname" . -}}
{{- end -}}

{{- define "email-relay.smtpAuth" -}}
{{- if or .Values.delivery.smarthost.existingSecret .Values.delivery.smarthost.username -}}true{{- end -}}
{{- end -}}

{{- define "email-relay.bouncesSecretNeeded" -}}
{{- if or .Values.bounces.domain .Values.bounces.secret .Values.bounces.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "email-relay.dkimNeeded" -}}
{{- if or .Values.dkim.masterKey .Values.dkim.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* Npgsql connection string built from the values; the password is quoted ('' escapes ').
GSS Encryption Mode=Disable: the images carry no GSSAPI library, so Npgsql's GSS probe could only
fail (and log an error on every new connection); extraParameters may set it back. */}}
{{- define "email-relay.postgresConnectionString" -}}
{{- $p := .Values.postgres -}}
{{- $s := printf "Host=%s;Port=%d;Database=%s;Username=%s;Password='%s';SSL Mode=%s;GSS Encryption Mode=Disable" $p.host (int $p.port) $p.database $p.username (replace "'" "''" $p.password) $p.sslMode -}}
{{- if $p.extraParameters -}}{{- $s = printf "%s;%s" $s (trimPrefix ";" $p.extraParameters) -}}{{- end -}}
{{- $s -}}
{{- end -}}

{{/* The AMQP URI KEDA reads the queue with (credentials percent-encoded). */}}
{{- define "email-relay.amqpUri" -}}
{{- $r := .Values.rabbitmq -}}
{{- $user := urlquery $r.username | replace "+" "%20" -}}
{{- $pass := urlquery $r.password | replace "+" "%20" -}}
{{- $vhost := urlquery $r.virtualHost | replace "+" "%20" -}}
{{- printf "amqp://%s:%s@%s:%d/%s" $user $pass $r.host (int $r.port) $vhost -}}
{{- end -}}

{{/* The bootstrap key: the value, else the one already in the release's Secret, else a new one. */}}
{{- define "email-relay.bootstrapKey" -}}
{{- if .Values.auth.bootstrapKey -}}
{{- .Values.auth.bootstrapKey -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "email-relay.secretName" .) -}}
{{- if and $existing $existing.data (index $existing.data "bootstrap-key") -}}
{{- index $existing.data "bootstrap-key" | b64dec -}}
{{- else -}}
{{- printf "er_boot_%s" (randAlphaNum 40) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* secretKeyRef env entries shared by the services: (dict "root" $ "component" "sender") */}}
{{- define "email-relay.secretEnv" -}}
{{- $v := .root.Values -}}
{{- $own := include "email-relay.secretName" .root -}}
- name: ConnectionStrings__Postgres
  valueFrom:
    secretKeyRef:
      name: {{ default $own $v.postgres.existingSecret }}
      key: {{ ternary $v.postgres.existingSecretKey "postgres-connection-string" (not (empty $v.postgres.existingSecret)) }}
- name: RabbitMq__Username
  valueFrom:
    secretKeyRef:
      name: {{ default $own $v.rabbitmq.existingSecret }}
      key: {{ ternary $v.rabbitmq.existingSecretUsernameKey "rabbitmq-username" (not (empty $v.rabbitmq.existingSecret)) }}
- name: RabbitMq__Password
  valueFrom:
    secretKeyRef:
      name: {{ default $own $v.rabbitmq.existingSecret }}
      key: {{ ternary $v.rabbitmq.existingSecretPasswordKey "rabbitmq-password" (not (empty $v.rabbitmq.existingSecret)) }}
{{- if eq .component "api" }}
- name: Auth__BootstrapKey
  valueFrom:
    secretKeyRef:
      name: {{ default $own $v.auth.existingSecret }}
      key: {{ ternary $v.auth.existingSecretKey "bootstrap-key" (not (empty $v.auth.existingSecret)) }}
{{- end }}
{{- if and (eq .component "sender") (include "email-relay.smtpAuth" .root) }}
- name: Delivery__Smarthost__Username
  valueFrom:
    secretKeyRef:
      name: {{ default $own $v.delivery.smarthost.existingSecret }}
      key: {{ ternary $v.delivery.smarthost.existingSecretUsernameKey "smtp-username" (not (empty $v.delivery.smarthost.existingSecret)) }}
- name: Delivery__Smarthost__Password
  valueFrom:
    secretKeyRef:
      name: {{ default $own $v.delivery.smarthost.existingSecret }}
      key: {{ ternary $v.delivery.smarthost.existingSecretPasswordKey "smtp-password" (not (empty $v.delivery.smarthost.existingSecret)) }}
{{- end }}
{{- if eq .component "sender" }}
{{- range $name, $r := $v.delivery.routes }}
{{- if or $r.existingSecret $r.username }}
- name: Delivery__Routes__{{ $name }}__Username
  valueFrom:
    secretKeyRef:
      name: {{ default $own $r.existingSecret }}
      key: {{ ternary (default "username" $r.existingSecretUsernameKey) (printf "route-%s-username" ($name | lower)) (not (empty $r.existingSecret)) }}
- name: Delivery__Routes__{{ $name }}__Password
  valueFrom:
    secretKeyRef:
      name: {{ default $own $r.existingSecret }}
      key: {{ ternary (default "password" $r.existingSecretPasswordKey) (printf "route-%s-password" ($name | lower)) (not (empty $r.existingSecret)) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (has .component (list "sender" "tracking")) (include "email-relay.bouncesSecretNeeded" .root) }}
- name: Bounces__Secret
  valueFrom:
    secretKeyRef:
      name: {{ default $own $v.bounces.existingSecret }}
      key: {{ ternary $v.bounces.existingSecretKey "bounces-secret" (not (empty $v.bounces.existingSecret)) }}
{{- end }}
{{- if and (has .component (list "api" "sender")) (include "email-relay.dkimNeeded" .root) }}
- name: Dkim__MasterKey
  valueFrom:
    secretKeyRef:
      name: {{ default $own $v.dkim.existingSecret }}
      key: {{ ternary $v.dkim.existingSecretKey "dkim-master-key" (not (empty $v.dkim.existingSecret)) }}
{{- end }}
{{- end -}}

{{/* Settings that are missing for a real install (listed by NOTES.txt). */}}
{{- define "email-relay.missingSettings" -}}
{{- $v := .Values -}}
{{- if not $v.postgres.existingSecret -}}
{{- if not $v.postgres.host }}
- postgres.host (or postgres.existingSecret)
{{- end }}
{{- if not $v.postgres.password }}
- postgres.password (or postgres.existingSecret)
{{- end }}
{{- end }}
{{- if not $v.rabbitmq.host }}
- rabbitmq.host
{{- end }}
{{- if and (not $v.rabbitmq.existingSecret) (not $v.rabbitmq.password) }}
- rabbitmq.password (or rabbitmq.existingSecret)
{{- end }}
{{- if and (eq $v.delivery.mode "smarthost") (not $v.delivery.smarthost.host) }}
- delivery.smarthost.host (or delivery.mode=direct)
{{- end }}
{{- if and (not $v.dkim.masterKey) (not $v.dkim.existingSecret) }}
- dkim.masterKey (or dkim.existingSecret): without it no sending domain can be added{{ if $v.senders.requireVerifiedDomain }}, so nothing can be sent{{ end }}
{{- end }}
{{- end -}}

{{/* The kubernetes.io/tls Secret of the SMTP submission listener: the user's or the chart's own. */}}
{{- define "email-relay.submissionTlsSecret" -}}
{{- default (printf "%s-submission-tls" (include "email-relay.fullname" .)) .Values.submission.tls.existingSecret -}}
{{- end -}}

{{/* The api container's SMTP submission settings (submission.enabled); the certificate from the
mounted kubernetes.io/tls Secret. */}}
{{- define "email-relay.submissionEnv" -}}
{{- $s := .Values.submission -}}
- name: Submission__Port
  value: {{ $s.containerPort | quote }}
- name: Submission__ImplicitTlsPort
  value: {{ ternary $s.implicitTlsContainerPort 0 $s.implicitTls | quote }}
- name: Submission__ListenAddress
  value: "0.0.0.0"
- name: Submission__CertificatePath
  value: /etc/emailrelay/submission-tls/tls.crt
- name: Submission__KeyPath
  value: /etc/emailrelay/submission-tls/tls.key
{{- with $s.hostname }}
- name: Submission__Hostname
  value: {{ . | quote }}
{{- end }}
- name: Submission__MaxConnections
  value: {{ $s.maxConnections | quote }}
- name: Submission__MaxConnectionsPerAddress
  value: {{ $s.maxConnectionsPerAddress | quote }}
- name: Submission__FailedAuthLimit
  value: {{ $s.failedAuthLimit | quote }}
- name: Submission__FailedAuthWindow
  value: {{ $s.failedAuthWindow | quote }}
{{- end -}}
