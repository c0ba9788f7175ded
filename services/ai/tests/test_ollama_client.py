"""The Ollama client's edge cases, with respx standing in for the server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from aura_ai.ollama import (
    OllamaBadAnswer,
    OllamaClient,
    OllamaConnectError,
    OllamaRefused,
    OllamaServerError,
    OllamaStreamError,
    OllamaTimeout,
)

BASE = "http://ollama.test"
MESSAGES = [{"role": "user", "content": "hi"}]
FINAL = {"model": "m", "created_at": "2024-01-01T00:00:00Z",
         "message": {"role": "assistant", "content": '{"a": 1}'}, "done_reason": "stop",
         "done": True, "total_duration": 5_000_000_000, "load_duration": 1_000_000,
         "prompt_eval_count": 26, "prompt_eval_duration": 300_000_000, "eval_count": 42,
         "eval_duration": 4_000_000_000}


@pytest.fixture
async def ollama() -> AsyncIterator[OllamaClient]:
    client = OllamaClient(BASE, "m", connect_timeout=0.5, read_timeout=2)
    yield client
    await client.aclose()


def ndjson(*objects: dict[str, object]) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def chunk(text: str) -> dict[str, object]:
    return {"model": "m", "created_at": "2024-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text}, "done": False}


@respx.mock
async def test_chat_sends_schema_and_reads_stats(ollama: OllamaClient) -> None:
    route = respx.post(f"{BASE}/api/chat").mock(return_value=httpx.Response(200, json=FINAL))
    result = await ollama.chat(MESSAGES, schema={"type": "object"}, options={"temperature": 0})
    sent = json.loads(route.calls.last.request.content)
    assert sent == {"model": "m", "messages": MESSAGES, "stream": False,
                    "format": {"type": "object"}, "options": {"temperature": 0}}
    assert result.content == '{"a": 1}'
    assert (result.stats.prompt_eval_count, result.stats.eval_count) == (26, 42)
    assert result.stats.total_duration == 5_000_000_000


@pytest.mark.parametrize(("response", "error"), [
    (httpx.Response(500, json={"error": "llama runner process has terminated"}),
     OllamaServerError),
    (httpx.Response(503, text="busy"), OllamaServerError),
    (httpx.Response(404, json={"error": "model 'm' not found, try pulling it first"}),
     OllamaRefused),
    (httpx.Response(200, text="<html>"), OllamaBadAnswer),
    (httpx.Response(200, json=[1, 2]), OllamaBadAnswer),
    (httpx.Response(200, json={**FINAL, "done": False}), OllamaBadAnswer),
    (httpx.Response(200, json={**FINAL, "message": {"content": 3}}), OllamaBadAnswer),
    (httpx.Response(200, json={"error": "out of memory"}), OllamaServerError),
])
@respx.mock
async def test_chat_failures(ollama: OllamaClient, response: httpx.Response,
                             error: type[Exception]) -> None:
    respx.post(f"{BASE}/api/chat").mock(return_value=response)
    with pytest.raises(error):
        await ollama.chat(MESSAGES)


@pytest.mark.parametrize(("raised", "error"), [
    (httpx.ConnectError("refused"), OllamaConnectError),
    (httpx.ConnectTimeout("slow connect"), OllamaConnectError),
    (httpx.ReadTimeout("slow answer"), OllamaTimeout),
    (httpx.RemoteProtocolError("peer closed"), OllamaServerError),
])
@respx.mock
async def test_transport_failures(ollama: OllamaClient, raised: Exception,
                                  error: type[Exception]) -> None:
    respx.post(f"{BASE}/api/chat").mock(side_effect=raised)
    with pytest.raises(error):
        await ollama.chat(MESSAGES)


@respx.mock
async def test_stream_yields_deltas_then_stats(ollama: OllamaClient) -> None:
    respx.post(f"{BASE}/api/chat").mock(return_value=httpx.Response(
        200, content=ndjson(chunk("Dear "), chunk("Sir"), {**FINAL, "message": {
            "role": "assistant", "content": ""}})))
    stream = await ollama.chat_stream(MESSAGES)
    assert [d async for d in stream.deltas()] == ["Dear ", "Sir"]
    assert stream.stats is not None and stream.stats.eval_count == 42


@respx.mock
async def test_error_line_mid_stream_is_an_error_despite_status_200(
        ollama: OllamaClient) -> None:
    respx.post(f"{BASE}/api/chat").mock(return_value=httpx.Response(
        200, content=ndjson(chunk("Dear "), {"error": "an error was encountered while running "
                                                      "the model"})))
    stream = await ollama.chat_stream(MESSAGES)
    seen: list[str] = []
    with pytest.raises(OllamaStreamError, match="mid-answer"):
        async for delta in stream.deltas():
            seen.append(delta)
    assert seen == ["Dear "]


@respx.mock
async def test_stream_that_ends_without_final_object(ollama: OllamaClient) -> None:
    respx.post(f"{BASE}/api/chat").mock(return_value=httpx.Response(
        200, content=ndjson(chunk("Dear "))))
    stream = await ollama.chat_stream(MESSAGES)
    with pytest.raises(OllamaStreamError, match="without its final object"):
        _ = [d async for d in stream.deltas()]


@respx.mock
async def test_stream_refused_before_it_starts(ollama: OllamaClient) -> None:
    respx.post(f"{BASE}/api/chat").mock(return_value=httpx.Response(
        500, json={"error": "boom"}))
    with pytest.raises(OllamaServerError, match="boom"):
        await ollama.chat_stream(MESSAGES)


@respx.mock
async def test_tags_lists_model_names(ollama: OllamaClient) -> None:
    respx.get(f"{BASE}/api/tags").mock(return_value=httpx.Response(
        200, json={"models": [{"name": "llama3.2:3b", "model": "llama3.2:3b"}]}))
    assert await ollama.tags(1.0) == ["llama3.2:3b"]
