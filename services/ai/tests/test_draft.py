"""draft-response: NDJSON events as the model writes, errors mid-stream, and real streaming
over a socket (the in-process ASGI transport would buffer the whole body)."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from aura_ai.main import create_app
from aura_ai.models import AICall
from aura_ai.settings import AISettings
from aura_common.db import unit_of_work

from .conftest import ClientFactory, FakeOllama, user

DRAFT = "/api/ai/draft-response"
BODY = {"request_type": "access",
        "context": "Ms Roe (roe@example.com, IBAN DE89 3704 0044 0532 0130 00) asked for a copy"}


def events(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line]


async def outcomes(app: FastAPI, tenant_id: uuid.UUID) -> list[str]:
    async with unit_of_work(app.state.sessionmaker, tenant_id) as session:
        return list(await session.scalars(select(AICall.outcome).where(
            AICall.tenant_id == tenant_id)))


async def test_draft_streams_deltas_then_done(client: httpx.AsyncClient, app: FastAPI,
                                              fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "reply", "chunks": ["Dear ", "Ms ", "[NAME_1],"]})
    caller = user()
    response = await client.post(DRAFT, json=BODY, headers=caller.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert events(response.text) == [
        {"type": "delta", "text": "Dear "}, {"type": "delta", "text": "Ms "},
        {"type": "delta", "text": "[NAME_1],"},
        {"type": "done", "model": "llama3.2:3b", "prompt_tokens": 26, "answer_tokens": 282},
    ]
    [sent] = fake_ollama.received()
    assert sent["body"]["stream"] is True
    prompt = json.dumps(sent["body"]["messages"])
    assert "roe@example.com" not in prompt and "DE89" not in prompt and "Art. 15" in prompt
    assert await outcomes(app, caller.tenant_id) == ["ok"]


async def test_error_line_mid_stream_ends_the_draft_with_an_error_event(
        client: httpx.AsyncClient, app: FastAPI, fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "stream_error", "chunks": ["Dear "]},
                       {"kind": "drop", "chunks": ["Dear "]})
    caller = user()
    for _ in range(2):
        response = await client.post(DRAFT, json=BODY, headers=caller.headers)
        assert response.status_code == 200  # the stream had begun
        got = events(response.text)
        assert got[0] == {"type": "delta", "text": "Dear "}
        assert got[-1]["type"] == "error" and got[-1]["status"] == 502
    assert await outcomes(app, caller.tenant_id) == ["stream_error", "stream_error"]


async def test_refusal_before_the_stream_is_a_problem(client: httpx.AsyncClient,
                                                      fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "http_error", "status": 503, "error": "server busy"})
    response = await client.post(DRAFT, json=BODY, headers=user().headers)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
async def served_app(settings: AISettings) -> AsyncIterator[str]:
    """The app behind a real socket, served by uvicorn in this event loop."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it Nagle and delayed ACKs add about 40 ms to every small response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # listening already: early connections wait in the backlog
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning",
                                           lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await task
    sock.close()


async def test_chunks_reach_the_client_as_they_are_written(
        served_app: str, fake_ollama: FakeOllama) -> None:
    # The fake sends one chunk, then holds the rest until released: the first line can only
    # reach the client before the release if nothing on the way buffers the stream.
    fake_ollama.script({"kind": "reply", "chunks": ["one ", "two ", "three"], "hold_after": 1})
    async with httpx.AsyncClient(base_url=served_app) as http, \
            http.stream("POST", DRAFT, json=BODY, headers=user().headers) as response:
        assert response.status_code == 200
        lines = response.aiter_lines()
        assert json.loads(await anext(lines)) == {"type": "delta", "text": "one "}
        await asyncio.to_thread(fake_ollama.release)
        rest = [json.loads(line) async for line in lines if line]
    assert [e["type"] for e in rest] == ["delta", "delta", "done"]


async def test_client_leaving_mid_stream_is_audited_as_cancelled(
        served_app: str, settings: AISettings, fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "reply", "chunks": ["one ", "two"], "hold_after": 1})
    caller = user()
    async with httpx.AsyncClient(base_url=served_app) as http, \
            http.stream("POST", DRAFT, json=BODY, headers=caller.headers) as response:
        lines = response.aiter_lines()
        assert json.loads(await anext(lines))["type"] == "delta"
    # The client has gone; the server notices, closes Ollama's stream and writes the audit.
    reader = create_app(settings)
    async with reader.router.lifespan_context(reader):
        for _ in range(200):
            if await outcomes(reader, caller.tenant_id):
                break
            await asyncio.sleep(0.02)
        assert await outcomes(reader, caller.tenant_id) == ["cancelled"]
    await asyncio.to_thread(fake_ollama.release)


async def test_a_stream_that_stalls_ends_with_a_timeout_event(
        make_client: ClientFactory, fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "reply", "chunks": ["Dear ", "Sir"], "chunk_delay": 2})
    caller = user()
    async with make_client(ai_timeout_seconds=0.3) as http:
        response = await http.post(DRAFT, json=BODY, headers=caller.headers)
        got = events(response.text)
        assert got[0] == {"type": "delta", "text": "Dear "}
        assert got[-1]["type"] == "error" and got[-1]["status"] == 504
        assert await outcomes(http.app, caller.tenant_id) == ["timeout"]  # type: ignore[attr-defined]
