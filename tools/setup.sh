#!/usr/bin/env bash
# Install geoplan into a virtual environment in the checkout (.venv/), on a stock
# Debian 12 / Ubuntu 24.04 with the system python3 (PEP 668 forbids a bare
# `pip install` there). Idempotent: a second run only checks.
#
#   bash tools/setup.sh            install (Python packages pinned in requirements.txt)
#   bash tools/setup.sh --test     also the system packages the tests use (Chromium, poppler, PostgreSQL/PostGIS)
#
# Then `.venv/bin/geoplan app` starts the app on the embedded demo. .ci/run calls
# this script too, so CI installs exactly as a user does.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

PY=${PYTHON:-python3}
# Debian/Ubuntu ship venv and ensurepip in a separate package.
if ! "$PY" -c "import venv, ensurepip" >/dev/null 2>&1; then
  ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  echo "== python3-venv (Debian's package for virtual environments)"
  apt_install "python${ver}-venv" || apt_install python3-venv
fi

need=()
# WeasyPrint (PDF reports) needs Pango; the reports' maps and PDFs need a font.
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  # the database tests run a throw-away PostgreSQL/PostGIS cluster (tools/pg_test_cluster.sh)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgresql-postgis)
  # the login tests run a real OpenID Connect provider (node-oidc-provider, tests/oidc)
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "== System packages: ${need[*]}"
  apt_install "${need[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "== Virtual environment .venv/"
  "$PY" -m venv .venv
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
echo "== Python packages (requirements.txt, pinned)"
.venv/bin/python -m pip install -q -r requirements.txt
.venv/bin/python -m pip install -q --no-deps -e .
echo "== Ready: .venv/bin/geoplan --help"
