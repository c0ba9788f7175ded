"""The roles a user holds within a tenant, and the role of service tokens."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # users and everything
    DPO = "dpo"  # everything GDPR; signs off requests and breach notifications
    EDITOR = "editor"  # creates and edits records
    VIEWER = "viewer"  # reads


SERVICE_ROLE = "service"
USER_ROLES = frozenset(r.value for r in Role)
