#!/usr/bin/env bash
# Installs the Debian packages the test suites need beyond Node.js:
#   python3-grpcio, python3-protobuf    the Python conformance client's runtime
#   protobuf-compiler                   protoc, which generates the client's stubs from proto/
#   protobuf-compiler-grpc              /usr/bin/grpc_python_plugin, protoc's gRPC plugin for Python
#   libprotobuf-dev                     the well-known types (google/protobuf/any.proto) protoc imports
#   prometheus                          prometheus and promtool, for the monitoring kit's tests (deploy/monitoring)
# Idempotent: when every package is already installed it does not touch apt at all.
# Never starts a service: the monitoring tests run their own prometheus process on a free port.
set -euo pipefail

PACKAGES=(python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc libprotobuf-dev prometheus)

# The dashboard's browser tests drive Debian's Chromium (/usr/bin/chromium) with playwright-core;
# no browser is downloaded by npm.
PACKAGES+=(chromium)

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
  is_installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "system packages: all present (${PACKAGES[*]})"
else
  if [[ "$(id -u)" != 0 ]]; then
    echo "system packages: missing ${missing[*]}; run this script as root (apt-get install)" >&2
    exit 1
  fi
  echo "system packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # prometheus ships an init script; with no policy-rc.d, dpkg would start it as a service on :9090.
  # Refuse every service start during this install (101 = action forbidden), then put things back.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1 </dev/null; then
    cat "$log" >&2
    rm -f "$log"
    echo "system packages: apt-get failed" >&2
    exit 1
  fi
  rm -f "$log"
fi

# The conformance client relies on these exact paths; fail here, clearly, rather than mid-test.
for tool in /usr/bin/protoc /usr/bin/grpc_python_plugin /usr/bin/python3 /usr/bin/prometheus /usr/bin/promtool; do
  [[ -x "$tool" ]] || { echo "system packages: $tool is missing" >&2; exit 1; }
done
[[ -x /usr/bin/chromium ]] || { echo "system packages: /usr/bin/chromium is missing (chromium)" >&2; exit 1; }
[[ -f /usr/include/google/protobuf/any.proto ]] || {
  echo "system packages: /usr/include/google/protobuf/any.proto is missing (libprotobuf-dev)" >&2
  exit 1
}
/usr/bin/python3 -c 'import grpc, google.protobuf' || {
  echo "system packages: /usr/bin/python3 cannot import grpc and google.protobuf" >&2
  exit 1
}
echo "system packages: ok ($(/usr/bin/protoc --version), grpcio $(/usr/bin/python3 -c 'import grpc; print(grpc.__version__)'), $(/usr/bin/promtool --version 2>&1 | head -n 1))"
