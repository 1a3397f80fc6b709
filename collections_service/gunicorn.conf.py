"""gunicorn settings for the collections service: the shared defaults."""

from service_kit import gunicorn_defaults
from service_kit.gunicorn_defaults import *  # noqa: F403

logconfig_dict = gunicorn_defaults.log_config("collections")
