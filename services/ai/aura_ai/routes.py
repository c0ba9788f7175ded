"""HTTP of the ai service: parse, authorise, call the service, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from aura_ai.repository import AuditRepository
from aura_ai.schemas import (
    AuditEntry,
    BreachAssessment,
    BreachRequest,
    ClassifyRequest,
    ClassifyResult,
    DraftRequest,
    EntityOut,
    RedactRequest,
    RedactResponse,
    StatusResponse,
)
from aura_ai.service import AIService, Caller, redact_text
from aura_ai.settings import AISettings
from aura_common.errors import NotFound
from aura_common.pagination import Page, PageParams, decode_cursor, encode_cursor, page_params
from aura_common.principal import Principal, PrincipalDep, ServicePrincipalDep, require_role
from aura_common.problems import PROBLEM_JSON, PROBLEM_RESPONSES, Problem, ProblemDetail
from aura_common.roles import Role
from aura_common.sessions import TenantSessionDep


def _problem(description: str) -> dict[str, Any]:
    return {"model": ProblemDetail, "content": {PROBLEM_JSON: {}}, "description": description}


MODEL_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    413: _problem("The text is larger than AI_MAX_INPUT_BYTES"),
    429: _problem("The tenant's AI_RATE_LIMIT is used up; see Retry-After"),
    502: _problem("The model's answer did not fit the schema; nothing was kept"),
    503: _problem("Ollama unreachable or the circuit breaker open; see Retry-After "
                  "(seconds) and Retry-After-Ms"),
    504: _problem("The model did not answer within AI_TIMEOUT_SECONDS"),
}

router = APIRouter(prefix="/api/ai", tags=["ai"], responses=PROBLEM_RESPONSES)
internal = APIRouter(prefix="/internal/ai", tags=["internal"], include_in_schema=False)
AuditReaderDep = Annotated[Principal, Depends(require_role(Role.ADMIN, Role.DPO))]
PageDep = Annotated[PageParams, Depends(page_params)]


def ai_service(request: Request) -> AIService:
    service: AIService = request.app.state.ai
    return service


ServiceDep = Annotated[AIService, Depends(ai_service)]


def user_caller(principal: Principal) -> Caller:
    return Caller(tenant_id=principal.tenant_id, user_id=principal.user_id)


@router.post("/redact", response_model=RedactResponse,
             responses={413: MODEL_RESPONSES[413]},
             summary="Replace personal data in a text by typed placeholders (no model involved)")
async def redact(body: RedactRequest, principal: PrincipalDep,
                 request: Request) -> RedactResponse:
    settings: AISettings = request.app.state.settings
    result = redact_text(settings, body.text)
    return RedactResponse(text=result.text, entities=[
        EntityOut(type=e.type, start=e.start, end=e.end, placeholder=e.placeholder)
        for e in result.entities])


@router.post("/classify", response_model=ClassifyResult, responses=MODEL_RESPONSES,
             summary="Suggest data categories, legal basis and retention for an activity")
async def classify(body: ClassifyRequest, principal: PrincipalDep,
                   service: ServiceDep) -> ClassifyResult:
    return await service.classify(user_caller(principal), body.text)


@internal.post("/classify", response_model=ClassifyResult)
async def classify_for_service(body: ClassifyRequest, principal: ServicePrincipalDep,
                               service: ServiceDep) -> ClassifyResult:
    caller = Caller(tenant_id=principal.tenant_id, service=principal.subject[:64])
    return await service.classify(caller, body.text)


@router.post("/assess-breach", response_model=BreachAssessment, responses=MODEL_RESPONSES,
             summary="Assess a breach's risk and whether authority and subjects must be told")
async def assess_breach(body: BreachRequest, principal: PrincipalDep,
                        service: ServiceDep) -> BreachAssessment:
    return await service.assess_breach(user_caller(principal), body)


@router.post(
    "/draft-response", responses={
        **MODEL_RESPONSES,
        200: {"description": "NDJSON, one event a line as the model writes: "
                             '`{"type":"delta","text":…}` …, then `{"type":"done",…}` or '
                             '`{"type":"error","status":…,"detail":…}`',
              "content": {"application/x-ndjson": {}}},
    },
    response_class=StreamingResponse,
    summary="Draft a reply letter to a data-subject request, streamed as it is written")
async def draft_response(body: DraftRequest, principal: PrincipalDep,
                         service: ServiceDep) -> StreamingResponse:
    events = await service.open_draft(user_caller(principal), body)
    return StreamingResponse(events, media_type="application/x-ndjson",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/status", response_model=StatusResponse,
            summary="The model, whether Ollama answers, and the circuit breaker's state")
async def status(principal: PrincipalDep, service: ServiceDep) -> StatusResponse:
    return await service.status()


@router.get("/audit", response_model=Page[AuditEntry],
            summary="The tenant's AI calls, newest first (admin, dpo)")
async def audit(principal: AuditReaderDep, session: TenantSessionDep,
                page: PageDep) -> Page[AuditEntry]:
    before = _cursor_id(page.cursor) if page.cursor else None
    rows = await AuditRepository(session).page(principal.tenant_id, before, page.limit + 1)
    items = [AuditEntry.model_validate(row) for row in rows[:page.limit]]
    cursor = encode_cursor([str(items[-1].id)]) if len(rows) > page.limit else None
    return Page[AuditEntry](items=items, next_cursor=cursor)


def _cursor_id(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(decode_cursor(cursor, 1)[0]))
    except ValueError as exc:
        raise Problem(400, "The cursor is not valid.", type_="invalid-cursor") from exc


@router.get("/audit/{call_id}", response_model=AuditEntry,
            summary="One AI call of the tenant (admin, dpo)")
async def audit_entry(call_id: uuid.UUID, principal: AuditReaderDep,
                      session: TenantSessionDep) -> AuditEntry:
    row = await AuditRepository(session).get(principal.tenant_id, call_id)
    if row is None:
        raise NotFound("No such AI call in this tenant.")
    return AuditEntry.model_validate(row)
