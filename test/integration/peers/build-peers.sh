#!/usr/bin/env bash
# Builds or installs the programs the integration tests run against, each into
# its own folder of the cache, named after a hash of what pins it. A folder that
# exists is reused as it is; a changed pin builds a new one.
#
#   otelcol   OpenTelemetry Collector (otelcol-builder.yaml), from the Go module proxy
#   jaeger    Jaeger v2 (cmd/jaeger of github.com/jaegertracing/jaeger), from the Go module proxy
#   flowcept  Python Flowcept in a virtual environment (flowcept-requirements.txt), from PyPI
#   standards the standards' validators (prov, rocrate, roc-validator, openlineage-python,
#             jsonschema) in a virtual environment (standards-requirements.txt), from PyPI
#   runcrate  runcrate in a virtual environment of its own (runcrate-requirements.txt), from PyPI
#   chromium  Debian's chromium (apt-get), for the Jaeger UI test
#
# Cache: $FLOWCEPT_OTEL_CACHE, default ~/.cache/flowcept-otel. The script ends by
# writing $FLOWCEPT_OTEL_CACHE/peers.json: each peer's program, or why it is missing.
# A peer that cannot be built is reported and the others still built; with
# FLOWCEPT_OTEL_REQUIRE_PEERS=1 (CI) the script then fails.
#
#   bash test/integration/peers/build-peers.sh [otelcol|jaeger|flowcept|standards|runcrate|chromium ...]
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${FLOWCEPT_OTEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flowcept-otel}"
JAEGER_MODULE="github.com/jaegertracing/jaeger"
JAEGER_VERSION="v1.76.0"
OTELCOL_BUILDER="go.opentelemetry.io/collector/cmd/builder@v0.165.0"
REQUIRE="${FLOWCEPT_OTEL_REQUIRE_PEERS:-0}"

mkdir -p "$CACHE/peers"
exec 9>"$CACHE/.lock"
flock 9 # one build at a time per cache, whichever checkout runs it

declare -A RESULT
failed=0

exec 3>&1 # steps print here even inside a build whose output goes to its log
step() { printf '[peers] %s\n' "$*" >&3; }
hash_of() { sha256sum | cut -c1-16; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

# Runs a build function into a fresh folder and moves it into place when it succeeds.
# $1 peer name, $2 cache folder, $3 program inside it, $4 build function.
build_into() {
  local name="$1" dir="$2" program="$3" fn="$4" t0
  if [[ -x "$dir/$program" ]]; then
    step "$name: cached at $dir"
    RESULT[$name]="{\"program\": \"$dir/$program\"}"
    return 0
  fi
  t0=$(date +%s)
  local tmp="$dir.partial.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  step "$name: building into $dir"
  local log="$tmp/build.log"
  if "$fn" "$tmp" >"$log" 2>&1 && [[ -x "$tmp/$program" ]]; then
    rm -rf "$dir" && mv "$tmp" "$dir"
    step "$name: built in $(elapsed "$t0")"
    for old in "${dir%-*}"-*; do # builds of earlier pins
      [[ "$old" != "$dir" && -d "$old" ]] && step "$name: removing the earlier build $old" && rm -rf "$old"
    done
    RESULT[$name]="{\"program\": \"$dir/$program\"}"
  else
    local why
    why="$(grep -v '^go: downloading' "$log" | tail -n 3 | tr '\n"\\' '   ' | cut -c1-300)"
    step "$name: FAILED after $(elapsed "$t0"): $why (log: $log)"
    RESULT[$name]="{\"error\": \"$name could not be built: ${why//\"/\'}\"}"
    failed=1
  fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# Records why a peer cannot be had. $1 peer name, $2 reason.
missing() {
  step "$1: MISSING: $2"
  RESULT[$1]="{\"error\": \"$2\"}"
  failed=1
}

# --- OpenTelemetry Collector -------------------------------------------------
build_otelcol() {
  local out="$1"
  set -e
  step "otelcol: installing the collector builder $OTELCOL_BUILDER"
  GOBIN="$out/tools" go install "$OTELCOL_BUILDER"
  step "otelcol: generating the sources from otelcol-builder.yaml"
  sed "s|output_path: .*|output_path: $out/src|" "$HERE/otelcol-builder.yaml" >"$out/builder.yaml"
  "$out/tools/builder" --config "$out/builder.yaml" --skip-get-modules --skip-compilation
  cd "$out/src"
  go mod init otelcol-flowcept
  step "otelcol: resolving the pinned modules"
  # shellcheck disable=SC2046
  go get $(sed -n 's/^ *- gomod: \([^ ]*\) \(v[^ ]*\).*/\1@\2/p' "$out/builder.yaml") \
    go.opentelemetry.io/collector/otelcol@v0.165.0
  go get .
  step "otelcol: compiling (several minutes on a cold Go build cache)"
  go build -trimpath -o "$out/otelcol-flowcept" .
  "$out/otelcol-flowcept" components >"$out/components.txt"
}

# --- Jaeger v2 ---------------------------------------------------------------
build_jaeger() {
  local out="$1"
  set -e
  mkdir -p "$out/src" && cd "$out/src"
  go mod init jaeger-build
  step "jaeger: resolving $JAEGER_MODULE/cmd/jaeger@$JAEGER_VERSION"
  go get -tool "$JAEGER_MODULE/cmd/jaeger@$JAEGER_VERSION"
  # The module holds no built UI: cmd/query/app/ui/actual is empty, so this
  # binary serves Jaeger's placeholder page on the UI port (see docs/integration-tests.md).
  step "jaeger: compiling (several minutes on a cold Go build cache)"
  go build -trimpath -o "$out/jaeger" "$JAEGER_MODULE/cmd/jaeger"
}

# --- Python Flowcept ---------------------------------------------------------
build_flowcept() {
  local out="$1" python
  set -e
  python="$(command -v python3)"
  step "flowcept: creating a virtual environment with $python ($("$python" --version 2>&1))"
  "$python" -m venv "$out/venv"
  step "flowcept: pip install -r flowcept-requirements.txt"
  "$out/venv/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/flowcept-requirements.txt"
  "$out/venv/bin/python" -c 'import flowcept; print("flowcept", flowcept.__version__)'
}

# --- Python environments of pinned requirements -------------------------------
# $1 output folder; PY_REQUIREMENTS the requirements file; PY_CHECK a statement run by its python.
build_python_env() {
  local out="$1" python
  set -e
  python="$(command -v python3)"
  step "$(basename "$PY_REQUIREMENTS"): creating a virtual environment with $python ($("$python" --version 2>&1))"
  "$python" -m venv "$out/venv"
  step "$(basename "$PY_REQUIREMENTS"): pip install"
  "$out/venv/bin/pip" install --quiet --disable-pip-version-check -r "$PY_REQUIREMENTS"
  "$out/venv/bin/python" -c "$PY_CHECK"
}

peer_python_env() { # $1 peer name, $2 requirements file, $3 check
  if ! have python3; then missing "$1" "no python3 on PATH"; return; fi
  local key
  PY_REQUIREMENTS="$2" PY_CHECK="$3"
  key="$( (cat "$2"; echo "$3"; python3 --version; declare -f build_python_env) | hash_of)"
  build_into "$1" "$CACHE/peers/$1-$key" venv/bin/python build_python_env
}

peer_standards() {
  peer_python_env standards "$HERE/standards-requirements.txt" 'import prov, rocrate, rocrate_validator, openlineage.client, jsonschema, rfc3339_validator, rfc3986_validator; from importlib.metadata import version as v; print("prov", v("prov"), "rocrate", v("rocrate"), "roc-validator", v("roc-validator"), "openlineage-python", v("openlineage-python"))'
}

peer_runcrate() {
  peer_python_env runcrate "$HERE/runcrate-requirements.txt" 'import runcrate; from importlib.metadata import version as v; print("runcrate", v("runcrate"))'
}

peer_otelcol() {
  if ! have go; then missing otelcol "no Go toolchain (go) on PATH"; return; fi
  local key
  key="$( (cat "$HERE/otelcol-builder.yaml"; go version; declare -f build_otelcol) | hash_of)"
  build_into otelcol "$CACHE/peers/otelcol-$key" otelcol-flowcept build_otelcol
}

peer_jaeger() {
  if ! have go; then missing jaeger "no Go toolchain (go) on PATH"; return; fi
  local key
  key="$( (echo "$JAEGER_VERSION"; go version; declare -f build_jaeger) | hash_of)"
  build_into jaeger "$CACHE/peers/jaeger-$key" jaeger build_jaeger
}

peer_flowcept() {
  if ! have python3; then missing flowcept "no python3 on PATH"; return; fi
  local key
  key="$( (cat "$HERE/flowcept-requirements.txt"; python3 --version; declare -f build_flowcept) | hash_of)"
  build_into flowcept "$CACHE/peers/flowcept-$key" venv/bin/python build_flowcept
}

peer_chromium() {
  local bin=/usr/bin/chromium
  if [[ ! -x "$bin" ]] && have apt-get && [[ "$(id -u)" == 0 ]]; then
    step "chromium: apt-get install chromium (Debian's package)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >"$CACHE/peers/chromium-install.log" 2>&1 ||
      step "chromium: apt-get failed (log: $CACHE/peers/chromium-install.log)"
  fi
  if [[ -x "$bin" ]]; then
    step "chromium: $("$bin" --version 2>/dev/null | head -n 1) at $bin"
    RESULT[chromium]="{\"program\": \"$bin\"}"
  else
    missing chromium "Debian's chromium is not installed (apt-get install chromium)"
  fi
}

peers=("$@")
[[ ${#peers[@]} -eq 0 ]] && peers=(otelcol jaeger flowcept standards runcrate chromium)
t_all=$(date +%s)
for p in "${peers[@]}"; do
  case "$p" in
    otelcol | jaeger | flowcept | standards | runcrate | chromium) "peer_$p" ;;
    *) echo "unknown peer: $p (otelcol, jaeger, flowcept, standards, runcrate, chromium)" >&2; exit 2 ;;
  esac
done

# peers.json keeps the entries of peers not named in this run.
manifest="$CACHE/peers.json"
{
  echo "{"
  first=1
  for p in otelcol jaeger flowcept standards runcrate chromium; do
    entry="${RESULT[$p]:-}"
    if [[ -z "$entry" && -f "$manifest" ]] && have python3; then
      entry="$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1])).get(sys.argv[2]); print(json.dumps(e) if e else "")' "$manifest" "$p" 2>/dev/null)"
    fi
    [[ -z "$entry" ]] && continue
    [[ $first -eq 0 ]] && echo ","
    printf '  "%s": %s' "$p" "$entry"
    first=0
  done
  printf '\n}\n'
} >"$manifest.tmp" && mv "$manifest.tmp" "$manifest"
step "done in $(elapsed "$t_all"); manifest: $manifest"

if [[ $failed -ne 0 && "$REQUIRE" == 1 ]]; then
  step "a peer is missing and FLOWCEPT_OTEL_REQUIRE_PEERS=1: failing"
  exit 1
fi
exit 0
