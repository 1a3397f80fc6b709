"""Access control: who calls (a verified bearer token) and what it may do (scopes).

- `tokens`: JWTs verified against a JWKS (a file or a URL), algorithms fixed
  here, never taken from the token; verified tokens cached until they expire.
- `scopes`: what each blueprint's operations need (`collections:read`...).
- `guard`: the one request hook that refuses a request without the scope
  its operation needs (401, 403), and the OpenAPI description of it.
- `client`: this service's own token for calling others (OAuth 2.0 client
  credentials), renewed before it expires.
"""
