"""`/api/gdpr/breaches`: breaches against the 72-hour clock and the subject notice."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from aura_common.pagination import Page
from aura_common.problems import PROBLEM_RESPONSES
from aura_common.sessions import TenantSessionDep
from aura_gdpr.domain.vocabulary import RiskLevel
from aura_gdpr.models import Breach
from aura_gdpr.routes.deps import (
    VERSIONED,
    IfMatch,
    PageDep,
    ReaderDep,
    SignerDep,
    WriterDep,
    actor,
    after_id,
    expected_version,
    next_cursor,
    set_etag,
)
from aura_gdpr.schemas import (
    BreachCreate,
    BreachOut,
    BreachUpdate,
    NotifyAuthorityIn,
    NotifySubjectsIn,
)
from aura_gdpr.service.breaches import BreachService, breach_view

router = APIRouter(prefix="/api/gdpr/breaches", tags=["breaches"], responses=PROBLEM_RESPONSES)


def breach_out(breach: Breach, response: Response | None = None) -> BreachOut:
    if response is not None:
        set_etag(response, breach.version)
    return BreachOut.model_validate(breach_view(breach))


@router.get("", response_model=Page[BreachOut], summary="Breaches, newest first")
async def list_breaches(principal: ReaderDep, session: TenantSessionDep, page: PageDep,
                        risk_level: RiskLevel | None = None,
                        pending_authority: bool | None = None) -> Page[BreachOut]:
    rows = await BreachService(session).page(principal.tenant_id, risk_level, pending_authority,
                                             after_id(page), page.limit + 1)
    return Page[BreachOut](items=[breach_out(b) for b in rows[: page.limit]],
                           next_cursor=next_cursor([b.id for b in rows], page.limit))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=BreachOut,
             summary="Document a breach; the authority deadline is aware_at + 72 h")
async def create_breach(body: BreachCreate, principal: WriterDep, session: TenantSessionDep,
                        response: Response) -> BreachOut:
    breach = await BreachService(session).create(actor(principal), body)
    response.headers["Location"] = f"/api/gdpr/breaches/{breach.id}"
    return breach_out(breach, response)


@router.get("/{breach_id}", response_model=BreachOut, summary="One breach")
async def get_breach(breach_id: uuid.UUID, principal: ReaderDep, session: TenantSessionDep,
                     response: Response) -> BreachOut:
    return breach_out(await BreachService(session).get(principal.tenant_id, breach_id), response)


@router.patch("/{breach_id}", responses=VERSIONED, response_model=BreachOut,
              summary="Change a breach's documentation (If-Match required)")
async def update_breach(breach_id: uuid.UUID, body: BreachUpdate, principal: WriterDep,
                        session: TenantSessionDep, response: Response,
                        if_match: IfMatch = None) -> BreachOut:
    breach = await BreachService(session).update(
        actor(principal), breach_id, body.model_dump(mode="json", exclude_unset=True,
                                                  exclude={"version"}),
        expected_version(if_match, body.version))
    return breach_out(breach, response)


@router.post("/{breach_id}/notify-authority", response_model=BreachOut,
             summary="Record the notification of the supervisory authority (Art. 33)")
async def notify_authority(breach_id: uuid.UUID, body: NotifyAuthorityIn, principal: SignerDep,
                           session: TenantSessionDep, response: Response) -> BreachOut:
    breach = await BreachService(session).notify_authority(actor(principal), breach_id, body)
    return breach_out(breach, response)


@router.post("/{breach_id}/notify-subjects", response_model=BreachOut,
             summary="Record the communication to the data subjects (Art. 34)")
async def notify_subjects(breach_id: uuid.UUID, body: NotifySubjectsIn, principal: SignerDep,
                          session: TenantSessionDep, response: Response) -> BreachOut:
    breach = await BreachService(session).notify_subjects(actor(principal), breach_id, body)
    return breach_out(breach, response)
