#!/usr/bin/env bash
# Make sure nginx is installed: apt-get it when we are root, else say how.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "nginx is missing. Install it once with: sudo apt-get install -y nginx" >&2
    exit 1
fi
echo "Installing nginx with apt-get..."
export DEBIAN_FRONTEND=noninteractive
# Keep the package's own service from starting: the platform runs nginx itself.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT  # removed whether apt-get works or not
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends nginx >/dev/null
echo "nginx installed: $(nginx -v 2>&1)"
