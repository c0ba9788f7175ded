"""Dependencies and helpers every gdpr router shares."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Response

from aura_common.pagination import PageParams, decode_cursor, encode_cursor, page_params
from aura_common.principal import Principal, require_role
from aura_common.problems import PROBLEM_JSON, PROBLEM_RESPONSES, Problem, ProblemDetail
from aura_common.roles import Role
from aura_gdpr.service.base import ANY_VERSION, Actor

# viewer reads; editor writes records; dpo and admin also sign off (transitions, notifications)
# and read the audit log.
ReaderDep = Annotated[Principal, Depends(require_role(Role.VIEWER, Role.EDITOR, Role.DPO,
                                                      Role.ADMIN))]
WriterDep = Annotated[Principal, Depends(require_role(Role.EDITOR, Role.DPO, Role.ADMIN))]
SignerDep = Annotated[Principal, Depends(require_role(Role.DPO, Role.ADMIN))]
PageDep = Annotated[PageParams, Depends(page_params)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]
# PostgreSQL refuses NUL in text; a query string carrying one is a 422, documented as such.
NO_NUL = r"^[^\x00]*$"
SearchText = Annotated[str | None, Query(min_length=1, max_length=200, pattern=NO_NUL)]
ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


EXTRA_PROBLEMS = {
    412: "The record changed since the version sent (If-Match or `version`)",
    428: "The write did not say which version it was based on",
    502: "An upstream service answered badly",
    503: "An upstream service or the database is unavailable; see Retry-After",
    504: "An upstream service did not answer in time",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The common problem responses plus `statuses`, for a route's OpenAPI entry."""
    extra: dict[int | str, dict[str, Any]] = {
        status: {"model": ProblemDetail, "content": {PROBLEM_JSON: {}},
                 "description": EXTRA_PROBLEMS[status]}
        for status in statuses}
    return {**PROBLEM_RESPONSES, **extra}


VERSIONED = problems(412, 428)
UPSTREAM = problems(502, 503, 504)


def actor(principal: Principal) -> Actor:
    return Actor(principal.tenant_id, principal.user_id)


def expected_version(if_match: str | None, body_version: int | None) -> int | None:
    """The version a write was based on: If-Match (`"3"`, `W/"3"`, `3`, or `*` for any) or
    `version` in the body."""
    header = None
    if if_match is not None and if_match.strip() == "*":
        header = ANY_VERSION
    elif if_match is not None:
        match = ETAG.match(if_match)
        if match is None:
            raise Problem(400, 'If-Match must carry the ETag you read, such as "3".',
                          type_="invalid-if-match")
        header = int(match.group(1))
    if header not in (None, ANY_VERSION) and body_version is not None and header != body_version:
        raise Problem(400, "If-Match and `version` disagree.", type_="invalid-if-match")
    return header if header is not None else body_version


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def after_id(page: PageParams) -> uuid.UUID | None:
    if page.cursor is None:
        return None
    try:
        return uuid.UUID(str(decode_cursor(page.cursor, 1)[0]))
    except ValueError as exc:
        raise Problem(400, "The cursor is not valid.", type_="invalid-cursor") from exc


def next_cursor(ids: list[uuid.UUID], limit: int) -> str | None:
    """Given up to `limit + 1` ids fetched, the cursor to the next page, if there is one."""
    return encode_cursor([str(ids[limit - 1])]) if len(ids) > limit else None
