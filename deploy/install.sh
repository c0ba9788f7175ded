#!/usr/bin/env bash
# Install (or update) AURA-GDPR on this host from the checkout this script lives in.
# Idempotent: run it again after every `git pull`; it changes only what is missing or stale.
#
#   sudo deploy/install.sh            create the user, the venv, /etc/aura, the units; daemon-reload
#   deploy/install.sh --dry-run       print what it would do, change nothing (no root needed)
#   deploy/install.sh --render DIR    only write the units, install path substituted, into DIR
#   sudo deploy/install.sh --skip-venv  the same as the first without touching the venv
#
# Environment: AURA_HOME (the checkout; default: the one holding this script), AURA_USER (aura),
# SYSTEMD_DIR (/etc/systemd/system), CONFIG_DIR (/etc/aura; the units read /etc/aura/aura.env),
# PYTHON (python3, 3.11 or newer). Nothing is started or enabled: see docs/operations.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AURA_HOME=${AURA_HOME:-$(dirname "$SCRIPT_DIR")}
AURA_USER=${AURA_USER:-aura}
SYSTEMD_DIR=${SYSTEMD_DIR:-/etc/systemd/system}
CONFIG_DIR=${CONFIG_DIR:-/etc/aura}
PYTHON=${PYTHON:-python3}
UNITS_SRC="$AURA_HOME/deploy/systemd"
DRY_RUN=0
SKIP_VENV=0
RENDER_DIR=""
STAGING=""

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }

# Every change to the system goes through here, so --dry-run shows exactly what would happen.
run() {
    if [[ $DRY_RUN == 1 ]]; then
        printf '+'; printf ' %q' "$@"; printf '\n'
    else
        "$@"
    fi
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
            --dry-run) DRY_RUN=1 ;;
            --skip-venv) SKIP_VENV=1 ;;
            --render) [[ $# -ge 2 ]] || die "--render needs a directory"; RENDER_DIR=$2; shift ;;
            -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) die "unknown argument: $1 (see --help)" ;;
        esac
        shift
    done
}

check_home() {
    # The path lands in unit files: no spaces, no systemd specifiers (%), no sed delimiter (#).
    [[ $AURA_HOME =~ ^/[A-Za-z0-9._/-]+$ ]] \
        || die "AURA_HOME must be an absolute path of letters, digits, '.', '_', '-', '/': $AURA_HOME"
    [[ -d $UNITS_SRC ]] || die "no unit files in $UNITS_SRC; is AURA_HOME the checkout?"
}

render_units() {  # $1: target directory
    local target=$1 unit
    mkdir -p "$target"
    for unit in "$UNITS_SRC"/*.service "$UNITS_SRC"/*.target; do
        sed "s#@AURA_HOME@#$AURA_HOME#g" "$unit" > "$target/$(basename "$unit")"
    done
}

ensure_user() {
    if getent passwd "$AURA_USER" > /dev/null; then
        say "user $AURA_USER exists"
    else
        say "creating system user $AURA_USER"
        run useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$AURA_USER"
    fi
}

ensure_venv() {
    local venv="$AURA_HOME/.venv"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$PYTHON is older than 3.11"
    if [[ -x $venv/bin/python ]]; then
        say "venv $venv exists"
    else
        say "creating venv $venv"
        run "$PYTHON" -m venv "$venv"
    fi
    say "installing the pinned requirements and the project (editable: the services find their"
    say "alembic.ini and migrations in the checkout)"
    run "$venv/bin/python" -m pip install --quiet --requirement "$AURA_HOME/requirements.txt"
    run "$venv/bin/python" -m pip install --quiet --no-deps --editable "$AURA_HOME"
    # The units run with a read-only file system: compile now, not at every start.
    run "$venv/bin/python" -m compileall -q "$AURA_HOME/libs" "$AURA_HOME/services" \
        "$AURA_HOME/gateway"
}

ensure_config() {
    run install -d -m 0750 -o root -g "$AURA_USER" "$CONFIG_DIR"
    if [[ -e $CONFIG_DIR/aura.env ]]; then
        say "$CONFIG_DIR/aura.env exists, left as it is"
    else
        say "writing $CONFIG_DIR/aura.env with a new SECRET_KEY: set DATABASE_URL in it"
        local key
        key=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(48))')
        if [[ $DRY_RUN == 1 ]]; then
            echo "+ (write $CONFIG_DIR/aura.env, mode 0640 root:$AURA_USER)"
        else
            (umask 0027 && env_template "$key" > "$CONFIG_DIR/aura.env")
            chown "root:$AURA_USER" "$CONFIG_DIR/aura.env"
        fi
    fi
    if [[ ! -e $CONFIG_DIR/migrate.env ]]; then
        say "writing $CONFIG_DIR/migrate.env (root only): set MIGRATION_DATABASE_URL in it"
        if [[ $DRY_RUN == 1 ]]; then
            echo "+ (write $CONFIG_DIR/migrate.env, mode 0600 root:root)"
        else
            (umask 0077 && migrate_env_template > "$CONFIG_DIR/migrate.env")
        fi
    fi
}

env_template() {
    cat <<EOF
# AURA-GDPR settings for every unit (systemd EnvironmentFile: KEY=value, no export, no spaces
# around '='). See docs/operations.md and docs/setup-db.md.
ENV=production
SECRET_KEY=$1
# The services' login role (member of aura_app, owns no table):
DATABASE_URL=postgresql+asyncpg://aura_service:CHANGE-ME@127.0.0.1:5432/aura
AUTH_URL=http://127.0.0.1:8001
GDPR_URL=http://127.0.0.1:8002
AI_URL=http://127.0.0.1:8003
# REDIS_URL=redis://127.0.0.1:6379/0
# OLLAMA_BASE_URL=http://127.0.0.1:11434
# AURA_GATEWAY_BIND_HOST=0.0.0.0
EOF
}

migrate_env_template() {
    cat <<'EOF'
# Read by aura-migrate.service only. The owner of the schemas (see docs/setup-db.md):
# MIGRATION_DATABASE_URL=postgresql+psycopg://aura_owner:CHANGE-ME@127.0.0.1:5432/aura
EOF
}

install_units() {
    local unit
    STAGING=$(mktemp -d)
    trap 'rm -rf "$STAGING"' EXIT
    render_units "$STAGING"
    for unit in "$STAGING"/*; do
        if cmp -s "$unit" "$SYSTEMD_DIR/$(basename "$unit")"; then
            say "$SYSTEMD_DIR/$(basename "$unit") is up to date"
        else
            say "installing $SYSTEMD_DIR/$(basename "$unit")"
            run install -m 0644 -o root -g root "$unit" "$SYSTEMD_DIR/$(basename "$unit")"
        fi
    done
    if [[ -d /run/systemd/system ]]; then
        run systemctl daemon-reload
    else
        say "systemd is not running here: skipped daemon-reload"
    fi
}

main() {
    parse_args "$@"
    check_home
    if [[ -n $RENDER_DIR ]]; then
        render_units "$RENDER_DIR"
        return
    fi
    [[ $DRY_RUN == 1 || $(id -u) == 0 ]] || die "run as root (or with --dry-run)"
    case $AURA_HOME in
        /home/*|/root/*|/run/user/*) die "the units' ProtectHome=yes hides $AURA_HOME from the \
services: put the checkout under /opt or /srv" ;;
    esac
    ensure_user
    if [[ $SKIP_VENV == 1 ]]; then say "venv left as it is (--skip-venv)"; else ensure_venv; fi
    ensure_config
    install_units
    say "done. First time: edit $CONFIG_DIR/aura.env and migrate.env, then"
    say "  systemctl enable --now aura.target"
    say "After an update: systemctl start aura-migrate, then restart the changed units."
}

main "$@"
