"""Alembic environment of the auth service: schema `auth` only."""

from aura_auth.models import SCHEMA, Base
from aura_common.migrations import run_migrations

run_migrations(SCHEMA, Base.metadata)
