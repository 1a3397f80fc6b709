"""gunicorn settings for the locations service: the shared defaults."""

from service_kit.gunicorn_defaults import *  # noqa: F403
