{{/* Names, labels, images and RBAC rules shared by the templates. */}}

{{- define "semroute.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "semroute.fullname" -}}
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

{{- define "semroute.selectorLabels" -}}
app.kubernetes.io/name: {{ include "semroute.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "semroute.labels" -}}
{{ include "semroute.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: semroute
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "semroute.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "semroute.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag, or repository@digest when a digest is set. Argument: an image values object. */}}
{{- define "semroute.imageRef" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

{{- define "semroute.image" -}}
{{- include "semroute.imageRef" .Values.image -}}
{{- end -}}

{{/* The default classifier image: classifier.image when it names a repository, else the operator's. */}}
{{- define "semroute.classifierImage" -}}
{{- if .Values.classifier.image.repository -}}
{{- include "semroute.imageRef" .Values.classifier.image -}}
{{- else -}}
{{- include "semroute.image" . -}}
{{- end -}}
{{- end -}}

{{- define "semroute.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) -}}true{{- end -}}
{{- end -}}

{{- define "semroute.leaseName" -}}
{{- default (printf "%s-leader" (include "semroute.fullname" .)) .Values.leaderElection.leaseName -}}
{{- end -}}

{{/*
The operator's permissions, shared by the ClusterRole (cluster mode) and the per-namespace Roles
(namespaced mode). Every resource is namespaced. Only the verbs the operator uses:
- its own API: read and watch SemanticRoutes, patch them (finalizer), patch status, and update
  semanticroutes/finalizers (needed where OwnerReferencesPermissionEnforcement is on, since rendered
  objects carry blockOwnerDeletion owner references);
- every kind it renders: read/watch (stores, pruning) and create/patch (server-side apply)/delete (prune);
- Secrets read-only, only to report missing referenced Secrets (ResolvedRefs); never copied;
- Gateways read-only (ResolvedRefs, the listener the EnvoyPatchPolicy targets);
- Events create/patch (one per condition transition and error).
*/}}
{{- define "semroute.rules" -}}
- apiGroups: ["semroute.io"]
  resources: ["semanticroutes"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["semroute.io"]
  resources: ["semanticroutes/status"]
  verbs: ["patch"]
- apiGroups: ["semroute.io"]
  resources: ["semanticroutes/finalizers"]
  verbs: ["update"]
- apiGroups: ["aigateway.envoyproxy.io"]
  resources: ["aigatewayroutes", "aiservicebackends", "backendsecuritypolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["gateway.envoyproxy.io"]
  resources: ["backends", "backendtrafficpolicies", "clienttrafficpolicies", "envoypatchpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["gateways"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}
