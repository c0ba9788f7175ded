"""Alembic environment of the gdpr service: schema `gdpr` only."""

from aura_common.migrations import run_migrations
from aura_gdpr.models import SCHEMA, Base

run_migrations(SCHEMA, Base.metadata)
