#!/usr/bin/env bash
# The gateway's assets and test tools from npm, exactly as package-lock.json
# pins them (once, and again when the lock file changes).
set -euo pipefail
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ ! package-lock.json -nt "$stamp" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing (the docs page and the API compatibility check need it)." \
        "Install Node.js 18 or newer, or: sudo apt-get install -y npm" >&2
    exit 1
fi
echo "Installing the gateway's npm packages (pinned)..."
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
echo "npm packages ready."
