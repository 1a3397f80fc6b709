"""Retrying a POST safely: `Idempotency-Key` (Stripe's semantics, the IETF
httpapi draft's statuses).

The first request with a key runs as usual, and its answer is stored with
the key in the service's own database, in the same transaction as the
write: no crash can leave one without the other. The same key again, from
the same client (the token's `sub`), with the same body: the stored answer
(status, body, `Location`) with `Idempotent-Replayed: true`, and nothing
new is stored. The same key with another body: 422. While the first is
still running: 409. Only successes are stored; a failed request stored
nothing, so its retry runs afresh. Keys are kept 24 hours, then pruned.
"""

import functools
import hashlib
import re
import time
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request
from sqlalchemy import delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from service_kit.data import db
from service_kit.web.errors import Conflict, DomainError, Unprocessable

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
PRUNE_EVERY_SECONDS = 600
# How long a retry waits for the first request's transaction before it is
# told that one is still running.
WAIT_FOR_THE_FIRST = "200ms"
_VALID = re.compile(r"^[\x21-\x7e]{1,255}$")
_LOCK_TIMEOUT = "55P03"
HEADER_DOC = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Up to 255 visible ASCII characters: a retry with the same key and body"
    " answers what the first did (Idempotent-Replayed: true) and stores nothing new;"
    " keys are kept 24 hours, per client.",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
}


class BadKey(DomainError):
    def __init__(self):
        message = "Up to 255 visible ASCII characters."
        super().__init__(f"{HEADER}: {message}", errors={HEADER: [message]})


class KeyInUse(Conflict):
    def __init__(self):
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            headers={"Retry-After": "1"},
        )


class KeyReused(Unprocessable):
    def __init__(self):
        message = "Already used with another request; use a new key for a new request."
        super().__init__(f"{HEADER}: {message}", errors={HEADER: [message]})


def idempotent(view):
    """Mark a POST view as taking an Idempotency-Key."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _VALID.match(key):
            raise BadKey()
        subject = g.get("subject") or ""
        stored = _claim(subject, key, _fingerprint())
        if stored is not None:
            return _replay(stored)
        db.one_transaction()
        response = current_app.make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            _record(subject, key, response)
        return response

    return wrapper


def _fingerprint() -> str:
    seen = hashlib.sha256(f"{request.method} {request.path} {request.mimetype}\n".encode())
    seen.update(request.get_data())
    return seen.hexdigest()


def _claim(subject: str, key: str, fingerprint: str):
    """None when this request may run with the key; else the stored row."""
    session = db.session
    table = current_app.extensions["idempotency"]
    _prune(session, table)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    claim = dialect.insert(table).values(
        subject=subject, key=key, fingerprint=fingerprint, created_at=datetime.now(UTC)
    )
    if dialect is postgresql:
        session.execute(text(f"SET LOCAL lock_timeout = '{WAIT_FOR_THE_FIRST}'"))
    try:
        claimed = session.execute(claim.on_conflict_do_nothing().returning(table.c.key)).first()
    except OperationalError as error:
        if getattr(error.orig, "pgcode", None) == _LOCK_TIMEOUT:
            raise KeyInUse() from error
        raise
    if dialect is postgresql:
        session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    if claimed is not None:
        return None
    row = session.execute(select(table).where(table.c.subject == subject, table.c.key == key)).one()
    if row.fingerprint != fingerprint:
        raise KeyReused()
    return row


def _record(subject: str, key: str, response) -> None:
    table = current_app.extensions["idempotency"]
    db.session.execute(
        table.update()
        .where(table.c.subject == subject, table.c.key == key)
        .values(
            status=response.status_code,
            body=response.get_data(),
            content_type=response.content_type,
            location=response.headers.get("Location"),
        )
    )


def _replay(row):
    response = current_app.response_class(
        row.body, status=row.status, content_type=row.content_type
    )
    if row.location:
        response.headers["Location"] = row.location
    response.headers[REPLAYED] = "true"
    return response


_last_prune = [float("-inf")]


def _prune(session, table) -> None:
    """Drop keys older than KEEP, at most every PRUNE_EVERY_SECONDS per process."""
    now = time.monotonic()
    if now - _last_prune[0] < PRUNE_EVERY_SECONDS:
        return
    _last_prune[0] = now
    session.execute(delete(table).where(table.c.created_at < datetime.now(UTC) - KEEP))
