"""Alembic environment of the analytics service."""

from analytics_service.models import Base
from service_kit.data.migrate import run_env

run_env(Base.metadata)
