#!/usr/bin/env bash
# The units a deploy must restart: those whose code changed between two revisions.
#
#   deploy/changed-units.sh OLD [NEW]      (NEW defaults to HEAD; run inside the checkout)
#   sudo systemctl restart $(deploy/changed-units.sh "$old")
#
# Shared code (libs/common, the pinned requirements, pyproject.toml, the uvicorn log config)
# restarts all four; a service's folder (its tests excepted) or its unit restarts that one;
# docs, tests and benchmarks restart nothing.
set -euo pipefail

[[ $# -ge 1 && $# -le 2 ]] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ALL=(aura-auth aura-gdpr aura-ai aura-gateway)

unit_of() {
    case $1 in
        libs/common/tests/*) ;;
        libs/common/*|requirements.txt|pyproject.toml|deploy/uvicorn-log.json) echo "${ALL[@]}" ;;
        services/*/tests/*|gateway/tests/*) ;;
        services/auth/*) echo aura-auth ;;
        services/gdpr/*) echo aura-gdpr ;;
        services/ai/*) echo aura-ai ;;
        gateway/*) echo aura-gateway ;;
        deploy/systemd/aura-*.service) basename "$1" .service ;;
    esac
}

git diff --name-only "$1" "${2:-HEAD}" | while read -r path; do unit_of "$path"; done \
    | tr ' ' '\n' | grep -v '^$' | grep -vx aura-migrate | sort -u || true
