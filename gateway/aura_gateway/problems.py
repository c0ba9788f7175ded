"""problem+json answered straight from plain ASGI code, without a Request object."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus

from starlette.types import Scope, Send

from aura_common.context import request_id_var
from aura_common.problems import PROBLEM_BASE, PROBLEM_JSON


class GatewayProblem(Exception):
    def __init__(self, status: int, detail: str, *, type_: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type_ = type_
        self.headers = dict(headers or {})


async def send_problem(scope: Scope, send: Send, problem: GatewayProblem) -> None:
    body = {
        "type": PROBLEM_BASE + problem.type_,
        "title": HTTPStatus(problem.status).phrase,
        "status": problem.status,
        "detail": problem.detail,
        "instance": scope.get("path"),
    }
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    payload = json.dumps(body).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()),
               (b"content-length", str(len(payload)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in problem.headers.items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
