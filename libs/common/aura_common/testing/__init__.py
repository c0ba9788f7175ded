"""Test support shared by every suite: a real, migrated PostgreSQL and app clients."""
