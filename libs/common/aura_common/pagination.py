"""Keyset (cursor) pagination: `?limit=&cursor=` in, `{items, next_cursor}` out."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from aura_common.problems import Problem

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class PageParams(BaseModel):
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The sort key a cursor carries; a cursor not made by `encode_cursor` is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "The cursor is not valid.", type_="invalid-cursor") from exc
    if not isinstance(key, list) or len(key) != arity:
        raise Problem(400, "The cursor is not valid.", type_="invalid-cursor")
    return key


def decode_typed_cursor(cursor: str, *parsers: Callable[[Any], Any]) -> list[Any]:
    """The sort key, each part converted by its parser (`uuid.UUID`, `datetime.fromisoformat`,
    ...); a part that does not convert makes the cursor a 400, never a 500."""
    key = decode_cursor(cursor, len(parsers))
    try:
        return [parse(part) for parse, part in zip(parsers, key, strict=True)]
    except (TypeError, ValueError, AttributeError) as exc:
        raise Problem(400, "The cursor is not valid.", type_="invalid-cursor") from exc
