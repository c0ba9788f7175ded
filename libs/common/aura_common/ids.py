"""Time-ordered primary keys."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A UUIDv7: unique, and sorted by creation time, which keeps B-tree inserts local."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)
