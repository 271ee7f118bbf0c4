#!/usr/bin/env bash
# emailrelay.sh — operator commands that run without the relay (no database, no broker).
#   scripts/emailrelay.sh parse-bounce FILE...   parse saved bounce messages ('-' reads standard input)
# Each command builds what it runs once (Release, quietly, only when the sources are newer than the
# build) and runs it from the caller's directory, so file paths are printed as given.
#   CONFIGURATION (Release).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONFIGURATION=${CONFIGURATION:-Release}

usage() {
  cat <<'EOF'
usage: scripts/emailrelay.sh COMMAND [ARGS...]

commands:
  parse-bounce FILE...   print one JSON line per recipient of each saved bounce, DSN, complaint or
                         auto-reply: {"file","recipient","status","reply_code","reason","hard","format"}
                         (null where unknown; one line with a null recipient when none is found).
                         Exits 1 if a file could not be read, after parsing the others.
  help                   this text
EOF
}

# Builds a project unless its dll is newer than every source it is built from.
built_dll() {
  local project=$1 name
  name=$(basename "$project")
  local dll="$ROOT/$project/bin/$CONFIGURATION/net10.0/$name.dll"
  local newer=""
  if [ -f "$dll" ]; then
    newer=$(find "$ROOT/$project" "$ROOT/shared" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" "$ROOT/global.json" \
      \( -name bin -o -name obj \) -prune -o -type f -newer "$dll" -print -quit)
  fi
  if [ ! -f "$dll" ] || [ -n "$newer" ]; then
    # Silent unless it fails, and never on stdout: that is the command's (JSON lines).
    local out
    if ! out=$(dotnet build "$ROOT/$project" -c "$CONFIGURATION" -nologo -v quiet -clp:NoSummary 2>&1); then
      printf '%s\n' "$out" >&2
      printf 'emailrelay.sh: building %s failed\n' "$project" >&2
      exit 1
    fi
  fi
  printf '%s\n' "$dll"
}

parse_bounce() {
  [ $# -gt 0 ] || { usage >&2; exit 2; }
  local dll
  dll=$(built_dll services/EmailRelay.Tracking)
  exec dotnet "$dll" parse-bounce "$@"
}

case "${1:-}" in
  parse-bounce) shift; parse_bounce "$@" ;;
  help|-h|--help) usage ;;
  "") usage >&2; exit 2 ;;
  *) printf 'emailrelay.sh: unknown command %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
esac
