#!/usr/bin/env bash
# Installs what scripts/test.sh needs, and only what is missing:
#   apt (Debian 12): chromium, chromium-driver, postgresql-15, zlib1g-dev (gzip sync bodies)
#   pip:             selenium, pytest, xmlschema
# Idempotent: a second run installs nothing and runs no `apt-get update`.
# Prints one line per thing installed (and one line saying all is present).
# As a non-root user it cannot use apt: it says what is missing and goes on,
# so the later steps fail with their own clear errors if they need it.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export PIP_ROOT_USER_ACTION=ignore
PG_BIN=/usr/lib/postgresql/15/bin

log() { printf 'ensure-deps: %s\n' "$*"; }

# --- apt packages -----------------------------------------------------------
missing_apt=()
command -v chromium     >/dev/null 2>&1 || missing_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing_apt+=(chromium-driver)
[ -x "$PG_BIN/initdb" ]                 || missing_apt+=(postgresql-15)
[ -f /usr/include/zlib.h ]              || missing_apt+=(zlib1g-dev)

if [ "${#missing_apt[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "WARNING: not root, cannot apt-get install: ${missing_apt[*]}" >&2
        log "WARNING: run as root: apt-get install -y --no-install-recommends ${missing_apt[*]}" >&2
    else
        t0=$SECONDS
        # One retry on each apt step: mirrors occasionally hiccup.
        apt-get update -qq || { sleep 5; apt-get update -qq; }
        apt_install() {
            apt-get install -y -qq --no-install-recommends \
                -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
        }
        apt_install "${missing_apt[@]}" >/dev/null \
            || { sleep 5; apt_install "${missing_apt[@]}"; }
        for p in "${missing_apt[@]}"; do
            log "installed $p (apt, $((SECONDS - t0))s for the apt step)"
        done
    fi
fi

# --- Python packages --------------------------------------------------------
missing_pip=()
python3 -c 'import selenium' >/dev/null 2>&1 || missing_pip+=(selenium)
python3 -c 'import pytest'   >/dev/null 2>&1 || missing_pip+=(pytest)
# ADX exports are validated against an XSD in the end-to-end tests (pure Python).
python3 -c 'import xmlschema' >/dev/null 2>&1 || missing_pip+=(xmlschema)

if [ "${#missing_pip[@]}" -gt 0 ]; then
    t0=$SECONDS
    pip_err=$(mktemp)
    pip_args=(install --quiet --disable-pip-version-check --no-warn-script-location "${missing_pip[@]}")
    if ! python3 -m pip "${pip_args[@]}" 2>"$pip_err"; then
        # Non-root outside a virtualenv: fall back to the user site (on
        # Debian's own python3, PEP 668 wants --break-system-packages for that;
        # it touches ~/.local only).
        if [ "$(id -u)" -ne 0 ] && [ -z "${VIRTUAL_ENV:-}" ]; then
            log "pip could not install system-wide; trying the user site (~/.local)"
            python3 -m pip "${pip_args[@]}" --user 2>/dev/null \
                || python3 -m pip "${pip_args[@]}" --user --break-system-packages \
                || { log "ERROR: could not pip install ${missing_pip[*]}; use a virtualenv" >&2; exit 1; }
        else
            cat "$pip_err" >&2; rm -f "$pip_err"
            log "ERROR: pip install ${missing_pip[*]} failed" >&2
            exit 1
        fi
    fi
    rm -f "$pip_err"
    python3 -c 'import selenium, pytest, xmlschema'
    for p in "${missing_pip[@]}"; do
        log "installed $p (pip, $((SECONDS - t0))s for the pip step)"
    done
fi

if [ "${#missing_apt[@]}" -eq 0 ] && [ "${#missing_pip[@]}" -eq 0 ]; then
    log "all dependencies present"
fi
