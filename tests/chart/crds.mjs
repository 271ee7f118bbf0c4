// The custom resources the chart renders (Prometheus Operator's ServiceMonitor, KEDA's ScaledObject
// and TriggerAuthentication) have no schema in kubernetes-models: these are hand-written checks of
// their apiVersion/kind, required structure and field names (from each project's CRD reference).
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v) => typeof v === "string" && v.length > 0;
const int = (v) => Number.isInteger(v);

function only(obj, allowed, at, errors) {
  for (const k of Object.keys(obj ?? {})) if (!allowed.includes(k)) errors.push(`${at}.${k}: unknown field`);
}
function meta(o, errors) {
  if (!isObj(o.metadata) || !str(o.metadata.name)) errors.push("metadata.name: required");
  only(o, ["apiVersion", "kind", "metadata", "spec"], "", errors);
  if (!isObj(o.spec)) errors.push("spec: required object");
}

const checks = {
  "monitoring.coreos.com/v1/ServiceMonitor"(o, e) {
    meta(o, e);
    const s = o.spec ?? {};
    only(s, ["selector", "namespaceSelector", "endpoints", "jobLabel", "targetLabels", "podTargetLabels", "sampleLimit", "attachMetadata"], "spec", e);
    if (!isObj(s.selector)) e.push("spec.selector: required object");
    else only(s.selector, ["matchLabels", "matchExpressions"], "spec.selector", e);
    if (!Array.isArray(s.endpoints) || s.endpoints.length === 0) e.push("spec.endpoints: required non-empty list");
    for (const [i, ep] of (s.endpoints ?? []).entries()) {
      only(ep, ["port", "targetPort", "path", "scheme", "interval", "scrapeTimeout", "honorLabels", "honorTimestamps",
        "relabelings", "metricRelabelings", "tlsConfig", "bearerTokenSecret", "authorization", "params", "followRedirects"], `spec.endpoints[${i}]`, e);
      if (!str(ep.port) && ep.targetPort === undefined) e.push(`spec.endpoints[${i}]: port or targetPort required`);
      for (const d of ["interval", "scrapeTimeout"]) if (ep[d] !== undefined && !/^(\d+(ms|s|m|h))+$/.test(ep[d])) e.push(`spec.endpoints[${i}].${d}: not a duration`);
    }
    if (s.namespaceSelector) only(s.namespaceSelector, ["any", "matchNames"], "spec.namespaceSelector", e);
  },
  "keda.sh/v1alpha1/ScaledObject"(o, e) {
    meta(o, e);
    const s = o.spec ?? {};
    only(s, ["scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod", "idleReplicaCount", "minReplicaCount",
      "maxReplicaCount", "fallback", "advanced", "triggers"], "spec", e);
    if (!isObj(s.scaleTargetRef) || !str(s.scaleTargetRef.name)) e.push("spec.scaleTargetRef.name: required");
    else only(s.scaleTargetRef, ["apiVersion", "kind", "name", "envSourceContainerName"], "spec.scaleTargetRef", e);
    for (const k of ["pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount"]) if (s[k] !== undefined && !int(s[k])) e.push(`spec.${k}: integer`);
    if (s.advanced !== undefined) {
      only(s.advanced, ["horizontalPodAutoscalerConfig", "restoreToOriginalReplicaCount", "scalingModifiers"], "spec.advanced", e);
      only(s.advanced.horizontalPodAutoscalerConfig, ["name", "behavior"], "spec.advanced.horizontalPodAutoscalerConfig", e);
    }
    if (int(s.minReplicaCount) && int(s.maxReplicaCount) && s.minReplicaCount > s.maxReplicaCount) e.push("spec: minReplicaCount > maxReplicaCount");
    if (!Array.isArray(s.triggers) || s.triggers.length === 0) e.push("spec.triggers: required non-empty list");
    for (const [i, t] of (s.triggers ?? []).entries()) {
      only(t, ["type", "name", "metadata", "authenticationRef", "metricType", "useCachedMetrics"], `spec.triggers[${i}]`, e);
      if (!str(t.type)) e.push(`spec.triggers[${i}].type: required`);
      if (!isObj(t.metadata)) e.push(`spec.triggers[${i}].metadata: required object`);
      for (const [k, v] of Object.entries(t.metadata ?? {})) if (typeof v !== "string") e.push(`spec.triggers[${i}].metadata.${k}: must be a string`);
      if (t.type === "rabbitmq") {
        const m = t.metadata ?? {};
        if (!str(m.queueName)) e.push(`spec.triggers[${i}].metadata.queueName: required`);
        if (!["QueueLength", "MessageRate"].includes(m.mode)) e.push(`spec.triggers[${i}].metadata.mode: QueueLength or MessageRate`);
        if (!/^\d+(\.\d+)?$/.test(m.value ?? "")) e.push(`spec.triggers[${i}].metadata.value: a number as a string`);
        if (m.host !== undefined && /:\/\/[^/]*:[^/]*@/.test(m.host)) e.push(`spec.triggers[${i}].metadata.host: credentials in plain metadata`);
        if (!m.host && !m.hostFromEnv && !t.authenticationRef) e.push(`spec.triggers[${i}]: host, hostFromEnv or authenticationRef required`);
      }
      if (t.authenticationRef) only(t.authenticationRef, ["name", "kind"], `spec.triggers[${i}].authenticationRef`, e);
    }
  },
  "keda.sh/v1alpha1/TriggerAuthentication"(o, e) {
    meta(o, e);
    const s = o.spec ?? {};
    only(s, ["secretTargetRef", "env", "hashiCorpVault", "podIdentity", "azureKeyVault", "configMapTargetRef"], "spec", e);
    for (const [i, r] of (s.secretTargetRef ?? []).entries()) {
      only(r, ["parameter", "name", "key"], `spec.secretTargetRef[${i}]`, e);
      for (const k of ["parameter", "name", "key"]) if (!str(r[k])) e.push(`spec.secretTargetRef[${i}].${k}: required`);
    }
  },
};

/** null when the apiVersion/kind is not a known custom resource, else a list of error strings. */
export function validateCustom(obj) {
  const check = checks[`${obj.apiVersion}/${obj.kind}`];
  if (!check) return null;
  const errors = [];
  check(obj, errors);
  return errors;
}
