// Validates rendered manifests (helm template output) offline: built-in kinds against the
// Kubernetes API schemas (kubernetes-models, unknown fields rejected), the chart's custom resources
// by hand-written structural checks. Usage: node validate.mjs FILE... (or stdin). Exit 1 on any error.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { validateBuiltIn } from "./k8s-schema.mjs";
import { validateCustom } from "./crds.mjs";

const files = process.argv.length > 2 ? process.argv.slice(2) : [0];
let n = 0, bad = 0;
for (const f of files) {
  const label = f === 0 ? "stdin" : f;
  for (const doc of parseAllDocuments(readFileSync(f, "utf8"))) {
    if (doc.errors.length) { console.error(`FAIL ${label}: YAML: ${doc.errors[0].message}`); bad++; continue; }
    const obj = doc.toJS();
    if (!obj) continue;
    n++;
    const id = `${obj.apiVersion} ${obj.kind}/${obj.metadata?.name}`;
    const errors = validateCustom(obj) ?? await validateBuiltIn(obj);
    // Parts of custom resources that are built-in types, checked with the built-in schemas.
    const behavior = obj.kind === "ScaledObject" && obj.spec?.advanced?.horizontalPodAutoscalerConfig?.behavior;
    if (behavior) {
      const hpa = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "x" },
        spec: { scaleTargetRef: { kind: "Deployment", name: "x" }, maxReplicas: 1, behavior } };
      for (const err of await validateBuiltIn(hpa)) errors.push(`spec.advanced.horizontalPodAutoscalerConfig: ${err}`);
    }
    if (obj.kind === "ServiceMonitor" && obj.spec?.selector) {
      const sel = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "x" }, spec: { selector: obj.spec.selector } };
      for (const err of await validateBuiltIn(sel)) errors.push(`spec.selector (a LabelSelector): ${err}`);
    }
    if (errors.length) { bad++; console.error(`FAIL ${label}: ${id}\n  ${errors.join("\n  ")}`); }
  }
}
console.log(`${n} objects validated, ${bad} invalid`);
process.exit(bad || n === 0 ? 1 : 0);
