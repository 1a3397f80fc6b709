"""gunicorn settings for the analytics service: the shared defaults."""

from service_kit.gunicorn_defaults import *  # noqa: F403
