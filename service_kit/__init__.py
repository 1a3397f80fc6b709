"""Technical building blocks shared by the services behind one gateway.

A subpackage per concern, so a change has one room to go to:

- `web`: HTTP in and out (the API blueprint, problem+json errors, request
  ids, strict fields, paging, JSON and CSV bodies, health, calls to other
  services);
- `data`: the database (sessions per request, the driver-cursor fast path,
  bulk writes, column types, migrations);
- `access`: who calls and what it may do (bearer tokens, scopes, the
  service's own token for calling others);
- `telemetry`: what a service tells its operators (log lines, metrics).

`factory.create_base_app` wires each concern into a service's app with one
hook. Never imports a service and holds no domain code.
"""
