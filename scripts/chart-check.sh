#!/usr/bin/env bash
# chart-check.sh — checks the Helm chart charts/email-relay without a cluster; non-zero on any failure.
#   1. helm lint --strict with the default values and with each charts/email-relay/ci/*-values.yaml
#      (all-features: every optional feature on; existing-secrets: every secret from your own Secrets);
#   2. helm template the same ways, and every rendered object validated offline against the
#      Kubernetes API schemas (tests/chart/validate.mjs: kubernetes-models, unknown fields rejected;
#      ServiceMonitor and KEDA objects by their required structure);
#   3. the tests over the rendered YAML (tests/chart/chart.test.mjs, node --test).
# Needs helm 3 and Node.js >= 20 with npm. helm: $HELM, else helm from PATH, else .run/tools/bin/helm,
# else — only in a checkout beside the project's shared folder — ../shared/tools/get-helm.sh fetches it.
set -euo pipefail
cd "$(dirname "$0")/.."
CHART=charts/email-relay
OUT=.run/chart
started=$(date +%s)

if [ -n "${HELM:-}" ]; then :
elif command -v helm >/dev/null; then HELM=$(command -v helm)
elif [ -x .run/tools/bin/helm ]; then HELM=$PWD/.run/tools/bin/helm
elif [ -f ../shared/tools/get-helm.sh ]; then
  bash ../shared/tools/get-helm.sh .run/tools/bin >&2
  HELM=$PWD/.run/tools/bin/helm
else
  echo "chart-check: helm not found. Install helm 3 (https://helm.sh/docs/intro/install/) and put it on PATH, or set HELM=/path/to/helm." >&2
  exit 2
fi
command -v node >/dev/null && command -v npm >/dev/null || { echo "chart-check: needs Node.js >= 20 and npm" >&2; exit 2; }
export HELM
echo "== helm: $("$HELM" version --short)"

# The validator's and the tests' npm packages (kubernetes-models, yaml), at their locked versions.
npm ci --prefix tests/chart --no-audit --no-fund --loglevel=error

rm -rf "$OUT"; mkdir -p "$OUT"
status=0
variants=(default)
for f in "$CHART"/ci/*-values.yaml; do variants+=("$f"); done
for v in "${variants[@]}"; do
  if [ "$v" = default ]; then name=default; args=(); else name=$(basename "$v" -values.yaml); args=(-f "$v"); fi
  echo "== $name: helm lint --strict"
  "$HELM" lint --strict "$CHART" "${args[@]}" | grep -v '^$' || status=1
  echo "== $name: helm template + schema validation"
  if "$HELM" template email-relay "$CHART" --namespace email-relay "${args[@]}" > "$OUT/$name.yaml"; then
    node tests/chart/validate.mjs "$OUT/$name.yaml" || status=1
  else
    status=1
  fi
done

echo "== tests over the rendered chart"
# spec for the reader; TAP to a file so scripts/test.sh can count these tests into its totals.
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$OUT/tests.tap" tests/chart/ || status=1

echo "== chart-check: $([ $status = 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - started )) s (rendered manifests in $OUT/)"
exit $status
