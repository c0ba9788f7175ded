"""Log lines: one JSON object each, the request's identity on them, never a secret or a body."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from aura_common.app import create_service_app
from aura_common.devdb import DatabaseUrls
from aura_common.logs import JsonFormatter
from aura_common.principal import PrincipalDep
from aura_common.settings import CommonSettings
from aura_common.testing.clients import running_client
from aura_common.testing.plugin import TEST_SECRET_KEY
from aura_common.tokens import access_token

REPO = Path(__file__).resolve().parents[3]
SECRET_PASSWORD = "hunter2-but-longer-secret"


def formatted(record_message: str, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("probe"))
    logger = logging.getLogger(f"test.logs.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.warning(record_message, extra=extra)
    return stream.getvalue()


class TestFormat:
    def test_newlines_stay_inside_one_line(self) -> None:
        out = formatted("first\nsecond\r\nthird", detail="a\nb", control="\x1b[31mred")
        assert out.count("\n") == 1 and out.endswith("\n")
        entry = json.loads(out)
        assert entry["message"] == "first\nsecond\r\nthird"
        assert entry["detail"] == "a\nb"
        assert entry["control"] == "\x1b[31mred"

    def test_exception_trace_is_one_field(self) -> None:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter("probe"))
        logger = logging.getLogger("test.logs.exc")
        logger.propagate = False
        logger.addHandler(handler)
        try:
            raise ValueError("line one\nline two")
        except ValueError:
            logger.exception("failed")
        lines = stream.getvalue().splitlines()
        assert len(lines) == 1
        assert "line one\nline two" in json.loads(lines[0])["exception"]

    def test_fields(self) -> None:
        entry = json.loads(formatted("hello"))
        assert entry["service"] == "probe"
        assert entry["level"] == "warning"
        assert entry["time"].endswith("+00:00")


class Login(BaseModel):
    email: str
    password: str


router = APIRouter()


@router.post("/login")
async def login(body: Login) -> dict[str, str]:
    return {"email": body.email}


@router.get("/me")
async def me(principal: PrincipalDep) -> dict[str, str]:
    return {"sub": principal.subject}


@pytest.fixture
async def client(database: DatabaseUrls) -> AsyncIterator[httpx.AsyncClient]:
    settings = CommonSettings(env="test", service_name="probe", database_url=database.app_url,
                              secret_key=TEST_SECRET_KEY)
    app = create_service_app(title="probe", settings=settings, schema="auth",
                             alembic_ini=REPO / "services" / "auth" / "alembic.ini",
                             routers=[router])
    async with running_client(app) as http:
        yield http


@pytest.fixture
def log_output(client: httpx.AsyncClient) -> io.StringIO:
    """What the service's JSON handler (installed by create_service_app) writes from now on."""
    stream = io.StringIO()
    handler = next(h for h in logging.getLogger().handlers
                   if isinstance(h.formatter, JsonFormatter))
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    return stream


class TestRequestLogs:
    async def test_access_line_has_identity_and_no_secrets(
        self, client: httpx.AsyncClient, log_output: io.StringIO,
    ) -> None:
        tenant, user = uuid.uuid4(), uuid.uuid4()
        settings = CommonSettings(env="test", secret_key=TEST_SECRET_KEY)
        token = access_token(settings, user_id=user, tenant_id=tenant, role="admin")
        assert (await client.post("/login", json={"email": "a@example.org",
                                                  "password": SECRET_PASSWORD})).status_code == 200
        bad = await client.post("/login", content=f'{{"password": "{SECRET_PASSWORD}", "x": ')
        assert bad.status_code == 422
        me = await client.get("/me", headers={"Authorization": f"Bearer {token}",
                                              "X-Request-ID": "req-123"})
        assert me.status_code == 200

        out = log_output.getvalue()
        assert SECRET_PASSWORD not in out
        assert token not in out and token.rsplit(".", 1)[1] not in out
        assert "a@example.org" not in out  # no request body, not even its harmless parts
        lines = [json.loads(line) for line in out.splitlines()]
        access = [line for line in lines if line["logger"] == "aura.access"]
        assert [line["status"] for line in access] == [200, 422, 200]
        last = access[-1]
        assert last["request_id"] == "req-123"
        assert last["tenant_id"] == str(tenant) and last["user_id"] == str(user)
        assert last["route"] == "/me" and last["method"] == "GET"
        assert isinstance(last["duration_ms"], float)
