"""gunicorn settings for the analytics service: the shared defaults, and each
worker follows the collections change feed in a thread."""

import os

from service_kit import gunicorn_defaults
from service_kit.gunicorn_defaults import *  # noqa: F403

logconfig_dict = gunicorn_defaults.log_config("analytics")
# Twelve threads, not the services' four: a query spends most of its time
# waiting (for its catch-up with the feed, shared with the queries waiting
# beside it, and for PostgreSQL), and more of them waiting share each
# catch-up (docs/performance.md, issue 22). WEB_THREADS still decides.
threads = int(os.environ.get("WEB_THREADS", "12"))


def post_worker_init(worker):
    gunicorn_defaults.post_worker_init(worker)
    analytics = worker.wsgi.extensions["analytics"]
    if analytics.feed_poll:
        analytics.follower.follow_in_background(analytics.feed_poll)


def worker_exit(server, worker):
    """Stop following before the worker's connections close."""
    app = getattr(worker, "wsgi", None)  # None if the app never loaded
    if app is not None:
        app.extensions["analytics"].follower.stop()
