#!/usr/bin/env bash
# Create .venv with the pinned packages (once, and again when a requirements
# file changes). Usage: deploy/bootstrap.sh PYTHON
set -euo pipefail
python=${1:-python3}
venv=.venv
stamp=$venv/.installed
if [ -f "$stamp" ] && [ -z "$(find requirements-dev.txt constraints.txt ./*_service/requirements.txt -newer "$stamp" 2>/dev/null)" ]; then
    exit 0
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Python 3.11 or newer is needed (tried: $python). Set PYTHON=..." >&2
    exit 1
fi
if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$venv"  # left half-made by an earlier failed attempt
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "Creating $venv..."
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        # Debian ships venv's pip bootstrap separately.
        if [ "$(id -u)" -eq 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            rm -rf "$venv" && "$python" -m venv "$venv"
        else
            echo "Cannot create a venv. Install it once with: sudo apt-get install -y python3-venv" >&2
            exit 1
        fi
    fi
fi
echo "Installing Python packages into $venv (pinned)..."
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r requirements-dev.txt -c constraints.txt
touch "$stamp"
echo "Python packages ready."
