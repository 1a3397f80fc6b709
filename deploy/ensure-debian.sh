#!/usr/bin/env bash
# Make sure a Debian package's command is installed: apt-get it when we are
# root, else say how. Usage: deploy/ensure-debian.sh COMMAND [PACKAGE]
set -euo pipefail
command=$1
package=${2:-$1}
if command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "$command is missing. Install it once with: sudo apt-get install -y $package" >&2
    exit 1
fi
echo "Installing $package with apt-get..."
export DEBIAN_FRONTEND=noninteractive
# Keep a package's own service (nginx's) from starting: the platform runs it.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT  # removed whether apt-get works or not
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$package" >/dev/null
echo "$package installed."
