"""The audit chain: one row per write, hashed onto the tenant's previous row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from aura_common.db import utcnow
from aura_common.ids import new_id
from aura_gdpr.domain.audit_chain import GENESIS, audit_payload, chain_hash
from aura_gdpr.models import AuditEntry
from aura_gdpr.repository import AuditFilter, GdprRepository
from aura_gdpr.service.base import Actor

VERIFY_BATCH = 2000


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    broken: tuple[AuditEntry, str] | None  # the first broken row and what is wrong with it
    last_seq: int | None
    last_hash: str | None


class AuditTrail:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = GdprRepository(session)

    async def record(self, actor: Actor, action: str, entity_type: str, entity_id: object,
                     changed: Sequence[str] = ()) -> AuditEntry:
        await self.repo.lock_audit_chain(actor.tenant_id)
        head = await self.repo.audit_head(actor.tenant_id)
        seq, prev_hash = (head.seq + 1, head.hash) if head is not None else (1, GENESIS)
        entry_id, at = new_id(), utcnow()
        payload = audit_payload(tenant_id=actor.tenant_id, seq=seq, entry_id=entry_id, at=at,
                                actor=actor.name, action=action, entity_type=entity_type,
                                entity_id=str(entity_id), changed_fields=list(changed))
        entry = AuditEntry(tenant_id=actor.tenant_id, seq=seq, id=entry_id, at=at,
                           actor=actor.name, action=action, entity_type=entity_type,
                           entity_id=str(entity_id), changed_fields=list(changed),
                           prev_hash=prev_hash, hash=chain_hash(prev_hash, payload))
        self.repo.add(entry)
        await self.repo.flush()
        return entry

    async def page(self, tenant_id: uuid.UUID, f: AuditFilter, before_seq: int | None,
                   limit: int) -> list[AuditEntry]:
        return await self.repo.audit_page(tenant_id, f, before_seq, limit)

    async def verify(self, tenant_id: uuid.UUID) -> Verification:
        """Recompute the chain from the first row; stop at the first broken one."""
        expected_seq, prev_hash, checked = 1, GENESIS, 0
        async for entry in self.repo.stream_audit(tenant_id, VERIFY_BATCH):
            checked += 1
            problem = _problem(entry, expected_seq, prev_hash)
            if problem is not None:
                return Verification(checked, (entry, problem), None, None)
            expected_seq, prev_hash = entry.seq + 1, entry.hash
        return Verification(checked, None, expected_seq - 1 if checked else None,
                            prev_hash if checked else None)


def _problem(entry: AuditEntry, expected_seq: int, prev_hash: str) -> str | None:
    if entry.seq != expected_seq:
        return f"sequence gap: expected {expected_seq}"
    if entry.prev_hash != prev_hash:
        return "prev_hash does not match the previous row's hash"
    payload = audit_payload(tenant_id=entry.tenant_id, seq=entry.seq, entry_id=entry.id,
                            at=entry.at, actor=entry.actor, action=entry.action,
                            entity_type=entry.entity_type, entity_id=entry.entity_id,
                            changed_fields=entry.changed_fields)
    if chain_hash(prev_hash, payload) != entry.hash:
        return "hash does not match the row's content"
    return None
