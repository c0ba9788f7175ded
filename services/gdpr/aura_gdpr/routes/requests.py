"""`/api/gdpr/requests`: data-subject requests, their clock, status and timeline."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from aura_common.pagination import Page
from aura_common.problems import PROBLEM_RESPONSES
from aura_common.sessions import TenantSessionDep
from aura_gdpr.clients import Upstreams, upstreams
from aura_gdpr.domain.vocabulary import RequestStatus, RequestType
from aura_gdpr.models import SubjectRequest
from aura_gdpr.routes.deps import (
    UPSTREAM,
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
    problems,
    set_etag,
)
from aura_gdpr.schemas import (
    ExtendIn,
    HolidayIn,
    HolidayOut,
    RequestCreate,
    RequestEventOut,
    RequestOut,
    RequestUpdate,
    TransitionIn,
)
from aura_gdpr.service.requests import RequestService, is_overdue

VERSIONED_UPSTREAM = problems(412, 428, 502, 503, 504)
router = APIRouter(prefix="/api/gdpr", tags=["requests"], responses=PROBLEM_RESPONSES)
UpstreamsDep = Annotated[Upstreams, Depends(upstreams)]


def request_out(request: SubjectRequest, response: Response | None = None) -> RequestOut:
    if response is not None:
        set_etag(response, request.version)
    return RequestOut.model_validate({
        **{name: getattr(request, name) for name in RequestOut.model_fields
           if name not in ("overdue", "extended")},
        "overdue": is_overdue(request), "extended": request.extended_at is not None})


@router.get("/requests", response_model=Page[RequestOut], summary="Requests, newest first")
async def list_requests(principal: ReaderDep, session: TenantSessionDep, page: PageDep,
                        status: RequestStatus | None = None, type: RequestType | None = None,
                        assignee_id: uuid.UUID | None = None,
                        overdue: bool | None = None) -> Page[RequestOut]:
    service = RequestService(session)
    f = service.request_filter(status=status, type=type, assignee_id=assignee_id,
                               overdue=overdue)
    rows = await service.page(principal.tenant_id, f, after_id(page), page.limit + 1)
    return Page[RequestOut](items=[request_out(r) for r in rows[: page.limit]],
                            next_cursor=next_cursor([r.id for r in rows], page.limit))


@router.post("/requests", status_code=status.HTTP_201_CREATED, response_model=RequestOut,
             responses=UPSTREAM,
             summary="Record a data-subject request; its due date is computed")
async def create_request(body: RequestCreate, principal: WriterDep, session: TenantSessionDep,
                         clients: UpstreamsDep, response: Response) -> RequestOut:
    if body.assignee_id is not None:
        await clients.check_assignee(principal.tenant_id, body.assignee_id)
    request = await RequestService(session).create(actor(principal), body)
    response.headers["Location"] = f"/api/gdpr/requests/{request.id}"
    return request_out(request, response)


@router.get("/requests/{request_id}", response_model=RequestOut, summary="One request")
async def get_request(request_id: uuid.UUID, principal: ReaderDep, session: TenantSessionDep,
                      response: Response) -> RequestOut:
    return request_out(await RequestService(session).get(principal.tenant_id, request_id),
                       response)


@router.patch("/requests/{request_id}", responses=VERSIONED_UPSTREAM, response_model=RequestOut,
              summary="Change the subject's details or the assignee (If-Match required)")
async def update_request(request_id: uuid.UUID, body: RequestUpdate, principal: WriterDep,
                         session: TenantSessionDep, clients: UpstreamsDep, response: Response,
                         if_match: IfMatch = None) -> RequestOut:
    patch = body.model_dump(exclude_unset=True, exclude={"version"})
    if patch.get("assignee_id") is not None:
        await clients.check_assignee(principal.tenant_id, patch["assignee_id"])
    request = await RequestService(session).update(actor(principal), request_id, patch,
                                                   expected_version(if_match, body.version))
    return request_out(request, response)


@router.post("/requests/{request_id}/transition", responses=VERSIONED, response_model=RequestOut,
             summary="Move a request along received → verifying → in_progress → "
                     "completed | rejected, or to withdrawn; 409 when not allowed")
async def transition_request(request_id: uuid.UUID, body: TransitionIn, principal: SignerDep,
                             session: TenantSessionDep, response: Response,
                             if_match: IfMatch = None) -> RequestOut:
    request = await RequestService(session).transition(
        actor(principal), request_id, body.to, body.reason, expected_version(if_match, None))
    return request_out(request, response)


@router.post("/requests/{request_id}/extend", response_model=RequestOut,
             summary="Extend once by two months (Art. 12(3)), before the first deadline")
async def extend_request(request_id: uuid.UUID, body: ExtendIn, principal: SignerDep,
                         session: TenantSessionDep, response: Response) -> RequestOut:
    request = await RequestService(session).extend(actor(principal), request_id, body.reason)
    return request_out(request, response)


@router.get("/requests/{request_id}/timeline", response_model=Page[RequestEventOut],
            summary="What happened to a request, oldest first")
async def request_timeline(request_id: uuid.UUID, principal: ReaderDep,
                           session: TenantSessionDep, page: PageDep) -> Page[RequestEventOut]:
    events = await RequestService(session).timeline(principal.tenant_id, request_id,
                                                    after_id(page), page.limit + 1)
    return Page[RequestEventOut](
        items=[RequestEventOut.model_validate(e) for e in events[: page.limit]],
        next_cursor=next_cursor([e.id for e in events], page.limit))


@router.get("/holidays", response_model=Page[HolidayOut],
            summary="The tenant's non-working days, which move request deadlines")
async def list_holidays(principal: ReaderDep, session: TenantSessionDep) -> Page[HolidayOut]:
    days = await RequestService(session).holidays(principal.tenant_id)
    return Page[HolidayOut](items=[HolidayOut.model_validate(d) for d in days],
                            next_cursor=None)


@router.put("/holidays/{day}", response_model=HolidayOut, summary="Add or rename a holiday")
async def put_holiday(day: date, body: HolidayIn, principal: SignerDep,
                      session: TenantSessionDep) -> HolidayOut:
    holiday = await RequestService(session).set_holiday(actor(principal), day, body.name)
    return HolidayOut.model_validate(holiday)


@router.delete("/holidays/{day}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a holiday")
async def delete_holiday(day: date, principal: SignerDep, session: TenantSessionDep) -> Response:
    await RequestService(session).delete_holiday(actor(principal), day)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
