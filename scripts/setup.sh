#!/usr/bin/env bash
# Installs what Berth needs to run locally and to run its tests:
# Java (for DynamoDB Local), skopeo, podman, buildah, the docker CLI, docker-registry and AWS CLI v2 (real-client tests), Chromium (console tests) and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
# podman and buildah push large layers through the upload gateway in the tests (vfs storage, no runtime needed).
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
# The tests use docker's CLI only, never its daemon; Debian packages the CLI in docker.io.
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
# Debian's docker-registry (distribution) is the source registry of the `berth copy` tests and the push benchmark.
command -v docker-registry >/dev/null 2>&1 || [[ -x /usr/bin/docker-registry ]] || missing+=(docker-registry)
# Debian's awscli package is v2 at /usr/bin/aws; an aws elsewhere on PATH may be v1.
[[ -x /usr/bin/aws || ( $(uname) == Darwin && -n $(command -v aws) ) ]] || missing+=(awscli)
# The web console's tests drive Debian's Chromium through playwright-core, which downloads no browser.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    echo "Installing ${missing[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v brew >/dev/null 2>&1; then
    for package in "${missing[@]}"; do
      case $package in
        default-jre-headless) brew install openjdk ;;
        docker.io) brew install docker ;;
        docker-registry) brew install distribution ;;
        chromium) brew install --cask chromium ;;
        *) brew install "$package" ;;
      esac
    done
  else
    echo "Please install: ${missing[*]} (Java 17+, skopeo, podman, buildah, the docker CLI, docker-registry (distribution), AWS CLI v2, Chromium), then run this again." >&2
    exit 1
  fi
fi

if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
