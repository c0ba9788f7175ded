"""`/api/gdpr/audit` (admin, dpo) and `/api/gdpr/dashboard`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from aura_common.pagination import Page, decode_cursor, encode_cursor
from aura_common.problems import PROBLEM_RESPONSES, Problem
from aura_common.sessions import TenantSessionDep
from aura_gdpr.repository import AuditFilter
from aura_gdpr.routes.deps import NO_NUL, PageDep, ReaderDep, SignerDep
from aura_gdpr.schemas import AuditEntryOut, AuditVerification, BrokenLink, Dashboard
from aura_gdpr.service.audit import AuditTrail
from aura_gdpr.service.dashboard import DashboardService

router = APIRouter(prefix="/api/gdpr", tags=["audit"], responses=PROBLEM_RESPONSES)
Short = Annotated[str | None, Query(max_length=100, pattern=NO_NUL)]


@router.get("/audit", response_model=Page[AuditEntryOut], summary="The audit log, newest first")
async def list_audit(principal: SignerDep, session: TenantSessionDep, page: PageDep,
                     entity_type: Short = None, entity_id: Short = None, actor: Short = None,
                     action: Short = None) -> Page[AuditEntryOut]:
    before = None
    if page.cursor is not None:
        value = decode_cursor(page.cursor, 1)[0]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
            raise Problem(400, "The cursor is not valid.", type_="invalid-cursor")
        before = value
    f = AuditFilter(entity_type=entity_type, entity_id=entity_id, actor=actor, action=action)
    rows = await AuditTrail(session).page(principal.tenant_id, f, before, page.limit + 1)
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page[AuditEntryOut](items=[AuditEntryOut.model_validate(r) for r in rows],
                               next_cursor=encode_cursor([rows[-1].seq]) if more else None)


@router.get("/audit/verify", response_model=AuditVerification,
            summary="Recompute the tenant's hash chain; the first broken link, if any")
async def verify_audit(principal: SignerDep, session: TenantSessionDep) -> AuditVerification:
    result = await AuditTrail(session).verify(principal.tenant_id)
    broken = result.broken
    first = None if broken is None else BrokenLink(seq=broken[0].seq, id=broken[0].id,
                                                   reason=broken[1])
    return AuditVerification(valid=broken is None, checked=result.checked, first_broken=first,
                             last_seq=result.last_seq, last_hash=result.last_hash)


@router.get("/dashboard", response_model=Dashboard, tags=["dashboard"],
            summary="Counts, overdue requests, deadlines within 7 days and 24 hours")
async def dashboard(principal: ReaderDep, session: TenantSessionDep) -> Dashboard:
    return Dashboard.model_validate(await DashboardService(session).overview(principal.tenant_id))
