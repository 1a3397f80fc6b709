"""Checking answers against a service's own OpenAPI document."""

from openapi_schema_validator import OAS30Validator


def response_schema(document: dict, path: str, method: str, status: int = 200) -> dict:
    """The JSON schema of one operation's answer, its $refs resolvable."""
    response = document["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def check(document: dict, path: str, body, method: str = "get", status: int = 200) -> None:
    """Raise jsonschema's ValidationError when `body` breaks the documented shape
    (OpenAPI 3.0: `nullable` is honoured)."""
    OAS30Validator(response_schema(document, path, method, status)).validate(body)
