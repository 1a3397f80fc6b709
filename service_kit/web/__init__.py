"""HTTP in and out: the API blueprint, problem+json errors, request ids,
strict fields, paging, JSON and CSV bodies, health, and calls to other services."""
