#!/bin/sh
# Give one service's traffic a new routing: gateway-route SERVICE < upstream-file
#
# The deploy commands' compose backend pipes in the upstream file rendered
# from gateway/templates. It replaces that one file, runs nginx -t (and puts
# the old file back if nginx refuses), reloads nginx gracefully, keeps the
# file in the routing volume (so a restarted gateway routes the same way),
# and returns once the old workers have finished their requests.
set -eu
service=${1:?usage: gateway-route SERVICE < upstream-file}
config=${NGINX_CONF:-/etc/nginx/nginx.conf}
nginx_dir=$(dirname "$config")
routing_dir=${GATEWAY_ROUTING_DIR:-/etc/nginx/routing}
live="$nginx_dir/upstreams/$service.conf"

[ -f "$live" ] || { echo "gateway-route: no upstream file for $service" >&2; exit 2; }
cp "$live" "$live.previous"
cat > "$live.new"
mv "$live.new" "$live"
if ! nginx -t -q -c "$config"; then
    mv "$live.previous" "$live"
    echo "gateway-route: nginx -t refused the new routing; the old one stays" >&2
    exit 1
fi
rm "$live.previous"

master=$(cat "$(sed -n 's/^pid \(.*\);$/\1/p' "$config")")
old_workers=$(grep -l "^PPid:[[:space:]]*$master$" /proc/[0-9]*/status 2>/dev/null | cut -d/ -f3 | tr '\n' ' ')
nginx -s reload -c "$config"
mkdir -p "$routing_dir"
cp "$live" "$routing_dir/$service.conf"

# Old workers exit once their requests are done (worker_shutdown_timeout caps it).
waited=0
for pid in $old_workers; do
    while [ -d "/proc/$pid" ] && [ "$waited" -lt 1600 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
done
[ "$waited" -lt 1600 ] || { echo "gateway-route: old nginx workers still running" >&2; exit 1; }
