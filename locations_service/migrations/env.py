"""Alembic environment of the locations service."""

from locations_service.models import Base
from service_kit.data.migrate import run_env

run_env(Base.metadata)
