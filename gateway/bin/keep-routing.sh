#!/bin/sh
# Run by the nginx image's entrypoint after it rendered the templates: the
# upstreams it rendered route to blue; put back the routing the last deploy,
# rollback or canary chose (kept in the routing volume by gateway-route).
set -eu
for kept in /etc/nginx/routing/*.conf; do
    [ -f "$kept" ] || continue
    cp "$kept" "/etc/nginx/upstreams/$(basename "$kept")"
done
