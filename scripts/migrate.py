"""`make migrate`: every service's Alembic tree to head, in the order auth, gdpr, ai."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devenv import database_environment, migrate

if __name__ == "__main__":
    migrate(database_environment())
    print("migrated: every tree is at head")
