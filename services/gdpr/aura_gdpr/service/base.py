"""What every service of this package shares: who acts, version checks, changed fields."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from aura_common.errors import DomainError, PreconditionFailed, Unprocessable


@dataclass(frozen=True, slots=True)
class Actor:
    """The tenant a call is for and the user making it."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID

    @property
    def name(self) -> str:
        return str(self.user_id)


class PreconditionRequired(DomainError):
    status = 428
    type_ = "precondition-required"


ANY_VERSION = -1  # `If-Match: *`: the caller knowingly overwrites whatever is stored


def check_version(current: int, expected: int | None) -> None:
    """Optimistic concurrency: a write names the version it read (If-Match or `version`)."""
    if expected == ANY_VERSION:
        return
    if expected is None:
        raise PreconditionRequired(
            "Send the version you read, as If-Match or as `version` in the body.")
    if expected != current:
        raise PreconditionFailed(
            f"The record changed since you read it (version {expected}; it is now {current}).")


def validated(model: type[BaseModel], data: Mapping[str, Any]) -> BaseModel:
    """`data` checked as a whole against `model`; failures are a 422 naming each problem."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        messages = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                    for e in exc.errors()]
        raise Unprocessable("; ".join(messages)) from exc


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])
