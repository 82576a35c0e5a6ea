#!/usr/bin/env bash
# Installs the external tools that the integration tests in tests/ drive:
#
#   * Prometheus server + promtool  (Debian package `prometheus`)
#   * Alertmanager + amtool         (Debian package `prometheus-alertmanager`)
#   * VictoriaMetrics single node   (Debian package `victoria-metrics`)
#   * rotel OTLP collector          (PyPI package `rotel`, pinned, in .tools/venv)
#   * prometheus_client             (PyPI, pinned, in .tools/venv): the strict
#                                   text-format parser the scrape tests use
#                                   besides promtool
#
# and writes .tools/env, which exports AUTOBOT_PROMETHEUS_BIN,
# AUTOBOT_PROMTOOL_BIN, AUTOBOT_ALERTMANAGER_BIN, AUTOBOT_AMTOOL_BIN,
# AUTOBOT_VICTORIA_METRICS_BIN, AUTOBOT_ROTEL_BIN and AUTOBOT_PYTHON_BIN.
#
# Idempotent and non-interactive: safe to run on every CI run (CI=true, no
# stdin) and by hand. A second run finds everything in place and changes
# nothing. Needs root (or sudo) only when a Debian package is missing.
set -euo pipefail

ROTEL_VERSION="0.0.1a15"
PROMETHEUS_CLIENT_VERSION="0.21.1"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$ROOT/.tools"
VENV="$TOOLS_DIR/venv"
ENV_FILE="$TOOLS_DIR/env"

export DEBIAN_FRONTEND=noninteractive

log() { printf '[install-tools] %s\n' "$*"; }
die() {
    printf '[install-tools] ERROR: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- apt helpers
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    fi
fi

deb_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
    if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
        die "need root (or sudo) to install Debian package(s): $*"
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        $SUDO apt-get update -q </dev/null || die "apt-get update failed"
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    $SUDO apt-get install -y -q --no-install-recommends "$@" </dev/null \
        || die "apt-get install $* failed"
}

# ---------------------------------------------------------------- prometheus
PROMETHEUS_BIN=/usr/bin/prometheus
PROMTOOL_BIN=/usr/bin/promtool

if deb_installed prometheus && [ -x "$PROMETHEUS_BIN" ] && [ -x "$PROMTOOL_BIN" ]; then
    log "prometheus already installed: $(dpkg-query -W -f='${Version}' prometheus)"
else
    apt_install prometheus
fi
[ -x "$PROMETHEUS_BIN" ] || die "$PROMETHEUS_BIN missing after installing the prometheus package"
[ -x "$PROMTOOL_BIN" ] || die "$PROMTOOL_BIN missing after installing the prometheus package"
"$PROMETHEUS_BIN" --version >/dev/null 2>&1 || die "$PROMETHEUS_BIN --version failed"
"$PROMTOOL_BIN" --version >/dev/null 2>&1 || die "$PROMTOOL_BIN --version failed"

# The Debian package ships a system service listening on :9090. The tests run
# their own Prometheus on free loopback ports, so make sure the system one is
# not running (it may have been started by the package's postinst).
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-active --quiet prometheus 2>/dev/null; then
        log "stopping system prometheus service (systemd)"
        $SUDO systemctl stop prometheus || die "could not stop the prometheus service"
    fi
    if systemctl is-enabled --quiet prometheus 2>/dev/null; then
        log "disabling system prometheus service (systemd)"
        $SUDO systemctl disable prometheus >/dev/null 2>&1 || true
    fi
elif [ -x /etc/init.d/prometheus ]; then
    if /etc/init.d/prometheus status >/dev/null 2>&1; then
        log "stopping system prometheus service (init.d)"
        $SUDO /etc/init.d/prometheus stop || die "could not stop the prometheus service"
    fi
fi

# ------------------------------------------- alertmanager, victoria-metrics
# The tests start their own instances on free loopback ports; like the
# prometheus package, these ship system services that must not run.
stop_service() {
    local name="$1"
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        if systemctl is-active --quiet "$name" 2>/dev/null; then
            log "stopping system $name service (systemd)"
            $SUDO systemctl stop "$name" || die "could not stop the $name service"
        fi
        if systemctl is-enabled --quiet "$name" 2>/dev/null; then
            $SUDO systemctl disable "$name" >/dev/null 2>&1 || true
        fi
    elif [ -x "/etc/init.d/$name" ]; then
        if "/etc/init.d/$name" status >/dev/null 2>&1; then
            log "stopping system $name service (init.d)"
            $SUDO "/etc/init.d/$name" stop || die "could not stop the $name service"
        fi
    fi
}

ALERTMANAGER_BIN=/usr/bin/prometheus-alertmanager
AMTOOL_BIN=/usr/bin/amtool
VICTORIA_METRICS_BIN=/usr/bin/victoria-metrics
if deb_installed prometheus-alertmanager && [ -x "$ALERTMANAGER_BIN" ] && [ -x "$AMTOOL_BIN" ]; then
    log "prometheus-alertmanager already installed: $(dpkg-query -W -f='${Version}' prometheus-alertmanager)"
else
    apt_install prometheus-alertmanager
fi
if deb_installed victoria-metrics && [ -x "$VICTORIA_METRICS_BIN" ]; then
    log "victoria-metrics already installed: $(dpkg-query -W -f='${Version}' victoria-metrics)"
else
    apt_install victoria-metrics
fi
for bin in "$ALERTMANAGER_BIN" "$AMTOOL_BIN" "$VICTORIA_METRICS_BIN"; do
    [ -x "$bin" ] || die "$bin missing after installing its package"
done
"$ALERTMANAGER_BIN" --version >/dev/null 2>&1 || die "$ALERTMANAGER_BIN --version failed"
"$VICTORIA_METRICS_BIN" -version >/dev/null 2>&1 || die "$VICTORIA_METRICS_BIN -version failed"
stop_service prometheus-alertmanager
stop_service victoria-metrics

# ---------------------------------------------------------------- rotel
PY=""
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1; then
        PY="$(command -v "$candidate")"
        break
    fi
done

venv_python_ok() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1
}

rotel_bin_path() {
    "$VENV/bin/python" - <<'EOF' 2>/dev/null
import os, rotel
print(os.path.join(os.path.dirname(rotel.__file__), "rotel-agent"))
EOF
}

rotel_installed_version() {
    "$VENV/bin/python" -m pip show rotel 2>/dev/null | sed -n 's/^Version: //p'
}

ROTEL_BIN=""
if venv_python_ok && [ "$(rotel_installed_version)" = "$ROTEL_VERSION" ]; then
    ROTEL_BIN="$(rotel_bin_path || true)"
fi

if [ -n "$ROTEL_BIN" ] && [ -x "$ROTEL_BIN" ]; then
    log "rotel $ROTEL_VERSION already installed in $VENV"
else
    if ! venv_python_ok; then
        if [ -z "$PY" ] || ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            # Debian's python3 needs python3-venv for `python3 -m venv`.
            apt_install python3 python3-venv
            PY="$(command -v python3)" || die "python3 not found after installing it"
        fi
        log "creating venv $VENV"
        rm -rf "$VENV"
        mkdir -p "$TOOLS_DIR"
        "$PY" -m venv "$VENV" || die "python3 -m venv $VENV failed"
    fi
    log "pip install rotel==$ROTEL_VERSION"
    "$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
        "rotel==$ROTEL_VERSION" </dev/null || die "pip install rotel==$ROTEL_VERSION failed"
    [ "$(rotel_installed_version)" = "$ROTEL_VERSION" ] \
        || die "rotel $ROTEL_VERSION not installed in $VENV after pip install"
    ROTEL_BIN="$(rotel_bin_path)" || die "cannot locate the rotel package in $VENV"
fi
[ -x "$ROTEL_BIN" ] || die "rotel-agent binary not found/executable at $ROTEL_BIN"

# ------------------------------------------------------- prometheus_client
prometheus_client_version() {
    "$VENV/bin/python" -m pip show prometheus_client 2>/dev/null | sed -n 's/^Version: //p'
}
if [ "$(prometheus_client_version)" = "$PROMETHEUS_CLIENT_VERSION" ]; then
    log "prometheus_client $PROMETHEUS_CLIENT_VERSION already installed in $VENV"
else
    log "pip install prometheus_client==$PROMETHEUS_CLIENT_VERSION"
    "$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
        "prometheus_client==$PROMETHEUS_CLIENT_VERSION" </dev/null \
        || die "pip install prometheus_client==$PROMETHEUS_CLIENT_VERSION failed"
fi
"$VENV/bin/python" -c 'import prometheus_client.parser, prometheus_client.openmetrics.parser' \
    || die "prometheus_client parsers not importable from $VENV"
PYTHON_BIN="$VENV/bin/python"
"$ROTEL_BIN" --version >/dev/null 2>&1 || die "$ROTEL_BIN --version failed"

# ---------------------------------------------------------------- .tools/env
mkdir -p "$TOOLS_DIR"
ENV_CONTENT="# Written by scripts/install-tools.sh; source it to point the tests at the tools.
export AUTOBOT_PROMETHEUS_BIN=\"$PROMETHEUS_BIN\"
export AUTOBOT_PROMTOOL_BIN=\"$PROMTOOL_BIN\"
export AUTOBOT_ALERTMANAGER_BIN=\"$ALERTMANAGER_BIN\"
export AUTOBOT_AMTOOL_BIN=\"$AMTOOL_BIN\"
export AUTOBOT_VICTORIA_METRICS_BIN=\"$VICTORIA_METRICS_BIN\"
export AUTOBOT_ROTEL_BIN=\"$ROTEL_BIN\"
export AUTOBOT_PYTHON_BIN=\"$PYTHON_BIN\""
if [ -f "$ENV_FILE" ] && [ "$(cat "$ENV_FILE")" = "$ENV_CONTENT" ]; then
    log "$ENV_FILE up to date"
else
    printf '%s\n' "$ENV_CONTENT" >"$ENV_FILE"
    log "wrote $ENV_FILE"
fi

log "prometheus: $PROMETHEUS_BIN ($("$PROMETHEUS_BIN" --version 2>&1 | head -n1))"
log "promtool:   $PROMTOOL_BIN"
log "alertmanager: $ALERTMANAGER_BIN, amtool: $AMTOOL_BIN"
log "victoria-metrics: $VICTORIA_METRICS_BIN ($("$VICTORIA_METRICS_BIN" -version 2>&1 | head -n1))"
log "python (prometheus_client $PROMETHEUS_CLIENT_VERSION): $PYTHON_BIN"
log "rotel:      $ROTEL_BIN ($("$ROTEL_BIN" --version 2>&1 | head -n1), PyPI rotel==$ROTEL_VERSION)"
