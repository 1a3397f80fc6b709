"""gunicorn settings for the embedded identity provider: the services'
defaults (one worker, threads, no control socket), its own log lines."""

from service_kit import gunicorn_defaults
from service_kit.gunicorn_defaults import *  # noqa: F403

logconfig_dict = gunicorn_defaults.log_config("issuer")
