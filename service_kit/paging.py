"""Keyset paging: opaque cursors and the RFC 8288 `Link: rel="next"` header.

A cursor carries the sort it was made for and the sort key of the last row
returned; the next page starts strictly after that key, so rows inserted
between two fetches neither repeat nor shift a page.
"""

import base64
import binascii
import json
from urllib.parse import urlencode

from flask import request

from service_kit.errors import Unprocessable


def encode_cursor(sort: str, key: list) -> str:
    raw = json.dumps([sort, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list:
    """Return the key a cursor carries; 422 if it is not ours or not for `sort`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise bad_cursor("Not a valid cursor.") from error
    if not isinstance(decoded, list) or len(decoded) < 2 or decoded[0] != sort:
        raise bad_cursor("The cursor belongs to another sort order or is damaged.")
    return decoded[1:]


def bad_cursor(message: str) -> Unprocessable:
    """The error for a cursor that cannot be used (422 naming `cursor`)."""
    return Unprocessable(f"cursor: {message}", errors={"cursor": [message]})


def next_link(cursor: str) -> str:
    """The `Link` header value for the page after this one."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    params.append(("cursor", cursor))
    return f'<{request.base_url}?{urlencode(params)}>; rel="next"'
