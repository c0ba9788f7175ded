"""`/api/gdpr/consents`: the append-only consent ledger and the current state per purpose."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from aura_common.pagination import Page
from aura_common.problems import PROBLEM_RESPONSES
from aura_common.sessions import TenantSessionDep
from aura_gdpr.domain.vocabulary import ConsentAction
from aura_gdpr.routes.deps import (
    NO_NUL,
    PageDep,
    ReaderDep,
    SearchText,
    WriterDep,
    actor,
    after_id,
    next_cursor,
)
from aura_gdpr.schemas import ConsentEventOut, ConsentIn, ConsentState, ConsentStateItem
from aura_gdpr.service.consents import STATE_OF, ConsentService

router = APIRouter(prefix="/api/gdpr/consents", tags=["consents"], responses=PROBLEM_RESPONSES)
SubjectRef = Annotated[str, Query(min_length=1, max_length=200, pattern=NO_NUL)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConsentEventOut,
             summary="Append a grant or a withdrawal to the ledger")
async def record_consent(body: ConsentIn, principal: WriterDep, session: TenantSessionDep,
                         response: Response) -> ConsentEventOut:
    event = await ConsentService(session).record(actor(principal), body)
    response.headers["Location"] = f"/api/gdpr/consents/{event.id}"
    return ConsentEventOut.model_validate(event)


@router.get("", response_model=Page[ConsentEventOut], summary="Ledger events, newest first")
async def list_consents(principal: ReaderDep, session: TenantSessionDep, page: PageDep,
                        subject_ref: SearchText = None,
                        purpose: SearchText = None,
                        ) -> Page[ConsentEventOut]:
    events = await ConsentService(session).events(principal.tenant_id, subject_ref, purpose,
                                                  after_id(page), page.limit + 1)
    return Page[ConsentEventOut](
        items=[ConsentEventOut.model_validate(e) for e in events[: page.limit]],
        next_cursor=next_cursor([e.id for e in events], page.limit))


@router.get("/state", response_model=ConsentState,
            summary="A subject's current consent per purpose")
async def consent_state(subject_ref: SubjectRef, principal: ReaderDep,
                        session: TenantSessionDep) -> ConsentState:
    latest = await ConsentService(session).state(principal.tenant_id, subject_ref)
    return ConsentState(subject_ref=subject_ref, items=[
        ConsentStateItem(purpose=e.purpose, state=STATE_OF[ConsentAction(e.action)],
                         since=e.recorded_at, text_version=e.text_version, channel=e.channel,
                         event_id=e.id)
        for e in latest])
