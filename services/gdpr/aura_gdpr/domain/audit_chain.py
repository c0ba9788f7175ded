"""The audit hash chain: each row's hash covers the previous hash and the row's canonical JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(row: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, datetimes as UTC ISO 8601 with microseconds."""
    return json.dumps(dict(row), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_encode)


def _encode(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def chain_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode()).hexdigest()


def audit_payload(*, tenant_id: object, seq: int, entry_id: object, at: datetime, actor: str,
                  action: str, entity_type: str, entity_id: str,
                  changed_fields: Sequence[str]) -> dict[str, Any]:
    """The fields the hash covers (everything but the two hashes)."""
    return {
        "tenant_id": str(tenant_id), "seq": seq, "id": str(entry_id), "at": at, "actor": actor,
        "action": action, "entity_type": entity_type, "entity_id": entity_id,
        "changed_fields": list(changed_fields),
    }
