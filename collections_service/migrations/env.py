"""Alembic environment of the collections service."""

from collections_service.models import Base
from service_kit.data.migrate import run_env

run_env(Base.metadata)
