{{/* Fixed names: the seeds' `kubectl ... sandbox-manager -n sandbox-system` must work for any release name. */}}
{{- define "ka.managerName" -}}sandbox-manager{{- end -}}
{{- define "ka.controllerName" -}}sandbox-controller-manager{{- end -}}

{{- define "ka.labels" -}}
app.kubernetes.io/part-of: kruise-agents
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ka.managerSelector" -}}
app.kubernetes.io/name: sandbox-manager
component: sandbox-manager
{{- end -}}

{{- define "ka.controllerSelector" -}}
app.kubernetes.io/name: sandbox-controller-manager
control-plane: sandbox-controller-manager
{{- end -}}

{{- define "ka.image" -}}
{{- $ := index . 0 -}}{{- $repo := index . 1 -}}
{{- $tag := default $.Chart.AppVersion $.Values.image.tag -}}
{{- if $.Values.image.registry -}}{{ printf "%s/%s:%s" $.Values.image.registry $repo $tag }}{{- else -}}{{ printf "%s:%s" $repo $tag }}{{- end -}}
{{- end -}}

{{/* The E2B domain without a port: Ingress hosts and certificates never carry one. */}}
{{- define "ka.host" -}}{{ first (splitList ":" .Values.e2b.domain) }}{{- end -}}

{{- define "ka.ingressHosts" -}}
{{- $host := include "ka.host" . -}}
{{- $hosts := list -}}
{{- if has .Values.ingress.mode (list "native" "both") }}{{ $hosts = append $hosts (printf "*.%s" $host) }}{{ end -}}
{{- if has .Values.ingress.mode (list "private" "both") }}{{ $hosts = append $hosts $host }}{{ end -}}
{{- toJson $hosts -}}
{{- end -}}

{{- define "ka.adminSecretName" -}}
{{- default "sandbox-manager-admin-key" .Values.e2b.adminKey.existingSecret -}}
{{- end -}}

{{- define "ka.sandboxKeySecretName" -}}
{{- default "kruise-agents-sandbox-key" .Values.sandboxKey.existingSecret -}}
{{- end -}}

{{/* The manager's API key store (its config default kruise.e2b.key-secret-name). */}}
{{- define "ka.keyStoreName" -}}e2b-key-store{{- end -}}

{{/* The control-plane key, on both Deployments. */}}
{{- define "ka.sandboxKeyEnv" -}}
- name: KRUISE_SANDBOX_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "ka.sandboxKeySecretName" . }}
      key: {{ .Values.sandboxKey.secretKey }}
{{- end -}}

{{/* The management interface (/q/*) of both services: env, container port. */}}
{{- define "ka.managementEnv" -}}
- name: QUARKUS_MANAGEMENT_PORT
  value: {{ .Values.management.port | quote }}
{{- end -}}

{{- define "ka.managementPort" -}}
- name: management
  containerPort: {{ .Values.management.port }}
{{- end -}}

{{/* Label of the Services that expose the management port (and only those). */}}
{{- define "ka.metricsServiceLabel" -}}
app.kubernetes.io/component: metrics
{{- end -}}

{{/* Restricted pod security: non-root, read-only root fs (Quarkus writes only to /tmp), no caps. */}}
{{- define "ka.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "ka.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Probes on the management port: the public port answers /q/* as an unknown path. */}}
{{- define "ka.probes" -}}
{{- $p := index . 1 -}}{{- $port := "management" -}}
startupProbe:
  httpGet: {path: /q/health/started, port: {{ $port }}}
  periodSeconds: 2
  failureThreshold: {{ $p.startupFailureThreshold }}
livenessProbe:
  httpGet: {path: /q/health/live, port: {{ $port }}}
  initialDelaySeconds: {{ $p.initialDelaySeconds }}
  periodSeconds: {{ $p.periodSeconds }}
  failureThreshold: {{ $p.failureThreshold }}
readinessProbe:
  httpGet: {path: /q/health/ready, port: {{ $port }}}
  initialDelaySeconds: {{ $p.initialDelaySeconds }}
  periodSeconds: {{ $p.periodSeconds }}
  failureThreshold: {{ $p.failureThreshold }}
{{- end -}}

{{/* What no sandbox may reach, comma-separated: the cloud metadata service, the control plane and
     the pod network. The chart's NetworkPolicy and the sandbox-manager (which keeps them out of
     every sandbox's own egress policy) read the same list. */}}
{{- define "ka.sandboxDeniedCidrs" -}}
{{- $np := .Values.networkPolicy -}}
{{- concat (list "169.254.169.254/32") $np.controlPlaneCIDRs $np.podCIDRs | uniq | join "," -}}
{{- end -}}
