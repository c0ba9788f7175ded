"""`/api/gdpr/activities`: the Art. 30 register."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import StreamingResponse

from aura_common.db import unit_of_work
from aura_common.pagination import Page
from aura_common.problems import PROBLEM_RESPONSES
from aura_common.sessions import TenantSessionDep, sessionmaker_of
from aura_gdpr.clients import Upstreams, upstreams
from aura_gdpr.domain.vocabulary import ActivityStatus, LegalBasis
from aura_gdpr.export import activity_out, csv_lines
from aura_gdpr.repository import ActivityFilter
from aura_gdpr.routes.deps import (
    UPSTREAM,
    VERSIONED,
    IfMatch,
    PageDep,
    ReaderDep,
    SearchText,
    WriterDep,
    actor,
    after_id,
    expected_version,
    next_cursor,
    set_etag,
)
from aura_gdpr.schemas import ActivityCreate, ActivityOut, ActivityUpdate, SuggestionOut
from aura_gdpr.service.activities import ActivityRecord, ActivityService
from aura_gdpr.settings import GdprSettings

router = APIRouter(prefix="/api/gdpr/activities", tags=["activities"],
                   responses=PROBLEM_RESPONSES)
CSV_FLUSH_ROWS = 500


def activity_filter(
    status: ActivityStatus | None = None,
    legal_basis: LegalBasis | None = None,
    has_special_categories: bool | None = None,
    dpia_required: bool | None = None,
    q: SearchText = None,
) -> ActivityFilter:
    return ActivityFilter(status=status, legal_basis=legal_basis,
                          has_special_categories=has_special_categories,
                          dpia_required=dpia_required, q=q)


FilterDep = Annotated[ActivityFilter, Depends(activity_filter)]


def _out(record: ActivityRecord, response: Response | None = None) -> ActivityOut:
    if response is not None:
        set_etag(response, record.activity.version)
    return activity_out(record.activity, record.processor_ids)


@router.get("", response_model=Page[ActivityOut], summary="The register, newest first")
async def list_activities(principal: ReaderDep, session: TenantSessionDep, page: PageDep,
                          f: FilterDep) -> Page[ActivityOut]:
    records = await ActivityService(session).page(principal.tenant_id, f, after_id(page),
                                                  page.limit + 1)
    return Page[ActivityOut](
        items=[_out(r) for r in records[: page.limit]],
        next_cursor=next_cursor([r.activity.id for r in records], page.limit))


@router.get("/export", summary="The register as CSV or JSON, streamed",
            responses={200: {"content": {"text/csv": {}, "application/json": {}}}})
async def export_activities(principal: ReaderDep, request: Request, f: FilterDep,
                            format: Literal["csv", "json"] = "csv") -> StreamingResponse:
    settings: GdprSettings = request.app.state.settings
    maker, tenant_id = sessionmaker_of(request), principal.tenant_id

    async def records() -> AsyncIterator[ActivityOut]:
        async with unit_of_work(maker, tenant_id) as session:
            stream = ActivityService(session).stream(tenant_id, f, settings.export_batch_size)
            async for activity, processor_ids in stream:
                yield activity_out(activity, processor_ids)

    body = _csv(records()) if format == "csv" else _json(records())
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return StreamingResponse(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="activities.{format}"'})


async def _csv(records: AsyncIterator[ActivityOut]) -> AsyncIterator[str]:
    yield csv_lines([], header=True)
    batch: list[ActivityOut] = []
    async for record in records:
        batch.append(record)
        if len(batch) >= CSV_FLUSH_ROWS:
            yield csv_lines(batch)
            batch = []
    if batch:
        yield csv_lines(batch)


async def _json(records: AsyncIterator[ActivityOut]) -> AsyncIterator[str]:
    yield "["
    separator = ""
    async for record in records:
        yield separator + record.model_dump_json()
        separator = ","
    yield "]"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ActivityOut,
             summary="Add a record of processing")
async def create_activity(body: ActivityCreate, principal: WriterDep, session: TenantSessionDep,
                          response: Response) -> ActivityOut:
    record = await ActivityService(session).create(actor(principal), body)
    response.headers["Location"] = f"/api/gdpr/activities/{record.activity.id}"
    return _out(record, response)


@router.get("/{activity_id}", response_model=ActivityOut, summary="One record of processing")
async def get_activity(activity_id: uuid.UUID, principal: ReaderDep, session: TenantSessionDep,
                       response: Response) -> ActivityOut:
    return _out(await ActivityService(session).get(principal.tenant_id, activity_id), response)


@router.patch("/{activity_id}", responses=VERSIONED, response_model=ActivityOut,
              summary="Change a record; send the version read as If-Match (412 when stale)")
async def update_activity(activity_id: uuid.UUID, body: ActivityUpdate, principal: WriterDep,
                          session: TenantSessionDep, response: Response,
                          if_match: IfMatch = None) -> ActivityOut:
    record = await ActivityService(session).update(
        actor(principal), activity_id, body.model_dump(mode="json", exclude_unset=True,
                                                  exclude={"version"}),
        expected_version(if_match, body.version))
    return _out(record, response)


@router.delete("/{activity_id}", responses=VERSIONED, status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a record of processing")
async def delete_activity(activity_id: uuid.UUID, principal: WriterDep,
                          session: TenantSessionDep, if_match: IfMatch = None) -> Response:
    await ActivityService(session).delete(actor(principal), activity_id,
                                          expected_version(if_match, None))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{activity_id}/suggest", responses=UPSTREAM, response_model=SuggestionOut,
             summary="Ask the ai service for categories and a legal basis; nothing is applied")
async def suggest(activity_id: uuid.UUID, principal: WriterDep, request: Request,
                  clients: Annotated[Upstreams, Depends(upstreams)]) -> SuggestionOut:
    # A short transaction of its own: no connection is held while the model thinks.
    async with unit_of_work(sessionmaker_of(request), principal.tenant_id) as session:
        record = await ActivityService(session).get(principal.tenant_id, activity_id)
    activity = record.activity
    # Only the description of the processing, never data about subjects, leaves the service.
    text = "\n".join([f"Name: {activity.name}", f"Description: {activity.description}",
                      "Purposes: " + "; ".join(str(p) for p in activity.purposes)])
    suggestion = await clients.classify(principal.tenant_id, text)
    return SuggestionOut(activity_id=activity.id, suggestion=suggestion)
