"""Alembic environment of the ai service: schema `ai` only."""

from aura_ai.models import SCHEMA, Base
from aura_common.migrations import run_migrations

run_migrations(SCHEMA, Base.metadata)
