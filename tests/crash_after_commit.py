"""A test-only collections app that can die at the worst moment: after its
transaction committed and before one byte of the answer left.

A request with `X-Test-Crash: after-commit` makes the worker SIGKILL
itself there (gunicorn's master starts another). That is the crash the
idempotency key's storage is built for, and one a test cannot otherwise
time: the kill is the real signal, only its moment is chosen.

    gunicorn --config collections_service/gunicorn.conf.py \
        'tests.crash_after_commit:create_app()'
"""

import os
import signal

from collections_service.app import create_app as create_collections_app


def create_app():
    app = create_collections_app()
    answer = app.wsgi_app

    def wsgi_app(environ, start_response):
        # Flask has run the view and committed (db: commit after a success);
        # gunicorn sends nothing until the answer is returned.
        body = answer(environ, start_response)
        if environ.get("HTTP_X_TEST_CRASH") == "after-commit":
            os.kill(os.getpid(), signal.SIGKILL)
        return body

    app.wsgi_app = wsgi_app
    return app
