#!/usr/bin/env bash
# test.sh — provision PostgreSQL and RabbitMQ, build, run every test project; non-zero on any failure.
# Ends with the totals over all projects on one line: "N passed, N failed, N skipped".
#   CONFIGURATION (Debug|Release, default Debug), TEST_FILTER (a dotnet test --filter expression),
#   EMAILRELAY_TESTDATA (the sample corpus, default ../shared/testdata; tests needing it skip without it).
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIGURATION=${CONFIGURATION:-Debug}
RESULTS=${RESULTS:-$PWD/.run/test-results}

bash scripts/deps.sh
# The OpenAPI validator the integration tests run (@apidevtools/swagger-parser), at its locked version.
npm ci --prefix tests/openapi --no-audit --no-fund --loglevel=error
# The Standard Webhooks verifier the webhook integration tests check real deliveries with (standardwebhooks).
npm ci --prefix tests/webhooks-verify --no-audit --no-fund --loglevel=error
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
dotnet build EmailRelay.sln -c "$CONFIGURATION" -nologo -clp:NoSummary -v quiet

status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  args=(test "$project" -c "$CONFIGURATION" --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS")
  [ -n "${TEST_FILTER:-}" ] && args+=(--filter "$TEST_FILTER")
  dotnet "${args[@]}" || status=1
done

# The Helm chart: lint, render, schema validation and the tests over the rendered YAML (node).
# Its tests count into the totals; a failed lint/render/validation step counts as one failed test.
# Without helm (exit 2) the check is a named skip, not a silent pass.
echo "== chart (scripts/chart-check.sh)"
chart_status=0; bash scripts/chart-check.sh || chart_status=$?

# Figures the fault tests measured (duplicates after kill -9, ...), so they are on record in CI logs.
if compgen -G "$RESULTS/*.report" >/dev/null; then
  echo "== reports"; cat "$RESULTS"/*.report
fi

# A skip is a check not made: name each one with its reason (the console only says "Skipped").
skips=$(awk '
  /<UnitTestResult / { skip = /outcome="NotExecuted"/; name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name) }
  skip && /<Message>/ { reason = $0; sub(/.*<Message>/, "", reason); sub(/<\/Message>.*/, "", reason); print "  " name ": " reason; skip = 0 }
' "$RESULTS"/*.trx 2>/dev/null || true)
if [ "$chart_status" = 2 ]; then skips+=$'\n'"  chart-check: helm or Node.js not found"; fi
skips=${skips#$'\n'}
[ -n "$skips" ] && printf '== skipped\n%s\n' "$skips"

passed=0; failed=0; skipped=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); total=$(get total)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
# The chart's node tests, from the TAP summary chart-check.sh leaves behind.
tap=.run/chart/tests.tap
if [ "$chart_status" = 2 ]; then
  skipped=$((skipped + 1))
else
  tap_count() { local n; n=$(sed -n "s/^# $1 \([0-9]*\)$/\1/p" "$tap" 2>/dev/null | tail -n 1); echo "${n:-0}"; }
  cp=$(tap_count pass); cf=$(( $(tap_count fail) + $(tap_count cancelled) )); cs=$(tap_count skipped)
  passed=$((passed + cp)); failed=$((failed + cf)); skipped=$((skipped + cs))
  # lint, render or validation failed (or no TAP at all) while no chart test did: one failure on record.
  if [ "$chart_status" != 0 ] && [ "$cf" = 0 ]; then failed=$((failed + 1)); fi
fi
[ "$failed" -gt 0 ] && status=1
[ "$passed" -eq 0 ] && { echo "no test ran"; status=1; }
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
