"""`/api/gdpr/processors`: Art. 28 processors and their agreements."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from aura_common.pagination import Page
from aura_common.problems import PROBLEM_RESPONSES
from aura_common.sessions import TenantSessionDep
from aura_gdpr.domain.vocabulary import AgreementStatus
from aura_gdpr.routes.deps import (
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
from aura_gdpr.schemas import ProcessorCreate, ProcessorOut, ProcessorUpdate
from aura_gdpr.service.processors import ProcessorRecord, ProcessorService

router = APIRouter(prefix="/api/gdpr/processors", tags=["processors"],
                   responses=PROBLEM_RESPONSES)


def processor_out(record: ProcessorRecord, response: Response | None = None) -> ProcessorOut:
    processor = record.processor
    if response is not None:
        set_etag(response, processor.version)
    data = {name: getattr(processor, name) for name in ProcessorOut.model_fields
            if name != "activity_ids"}
    return ProcessorOut.model_validate({**data, "activity_ids": record.activity_ids})


@router.get("", response_model=Page[ProcessorOut], summary="Processors, newest first")
async def list_processors(principal: ReaderDep, session: TenantSessionDep, page: PageDep,
                          q: SearchText = None,
                          agreement_status: AgreementStatus | None = None,
                          ) -> Page[ProcessorOut]:
    rows = await ProcessorService(session).page(principal.tenant_id, q, agreement_status,
                                                after_id(page), page.limit + 1)
    return Page[ProcessorOut](items=[processor_out(r) for r in rows[: page.limit]],
                              next_cursor=next_cursor([r.processor.id for r in rows],
                                                      page.limit))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProcessorOut,
             summary="Add a processor")
async def create_processor(body: ProcessorCreate, principal: WriterDep,
                           session: TenantSessionDep, response: Response) -> ProcessorOut:
    record = await ProcessorService(session).create(actor(principal), body)
    response.headers["Location"] = f"/api/gdpr/processors/{record.processor.id}"
    return processor_out(record, response)


@router.get("/{processor_id}", response_model=ProcessorOut, summary="One processor")
async def get_processor(processor_id: uuid.UUID, principal: ReaderDep,
                        session: TenantSessionDep, response: Response) -> ProcessorOut:
    return processor_out(await ProcessorService(session).get(principal.tenant_id, processor_id),
                         response)


@router.patch("/{processor_id}", responses=VERSIONED, response_model=ProcessorOut,
              summary="Change a processor (If-Match required)")
async def update_processor(processor_id: uuid.UUID, body: ProcessorUpdate,
                           principal: WriterDep, session: TenantSessionDep, response: Response,
                           if_match: IfMatch = None) -> ProcessorOut:
    record = await ProcessorService(session).update(
        actor(principal), processor_id, body.model_dump(mode="json", exclude_unset=True,
                                                  exclude={"version"}),
        expected_version(if_match, body.version))
    return processor_out(record, response)


@router.delete("/{processor_id}", responses=VERSIONED, status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a processor (its links to activities go with it)")
async def delete_processor(processor_id: uuid.UUID, principal: WriterDep,
                           session: TenantSessionDep, if_match: IfMatch = None) -> Response:
    await ProcessorService(session).delete(actor(principal), processor_id,
                                           expected_version(if_match, None))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
