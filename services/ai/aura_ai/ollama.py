"""A small client of Ollama's HTTP API (`/api/chat`, `/api/tags`) over httpx.

Every failure becomes one of the exceptions below. `OllamaUnavailable` and its subclasses are
what the circuit breaker counts: the server cannot be reached, is too slow, or failed (5xx or
an error line in a stream). `OllamaRefused` (4xx, e.g. an unknown model) and `OllamaBadAnswer`
(a 200 whose body is not Ollama's shape) mean the server is up, and do not count.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

Message = dict[str, str]


class OllamaError(Exception):
    pass


class OllamaUnavailable(OllamaError):
    pass


class OllamaConnectError(OllamaUnavailable):
    pass


class OllamaTimeout(OllamaUnavailable):
    pass


class OllamaServerError(OllamaUnavailable):
    pass


class OllamaStreamError(OllamaUnavailable):
    """An `{"error": ...}` line or a broken connection after the stream began."""


class OllamaRefused(OllamaError):
    pass


class OllamaBadAnswer(OllamaError):
    pass


@dataclass(frozen=True, slots=True)
class ChatStats:
    """Counts and durations (nanoseconds) from Ollama's final `done: true` object."""

    prompt_eval_count: int | None = None
    eval_count: int | None = None
    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_duration: int | None = None
    eval_duration: int | None = None
    done_reason: str | None = None

    @classmethod
    def from_final(cls, body: dict[str, Any]) -> ChatStats:
        def number(key: str) -> int | None:
            value = body.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        reason = body.get("done_reason")
        return cls(number("prompt_eval_count"), number("eval_count"), number("total_duration"),
                   number("load_duration"), number("prompt_eval_duration"),
                   number("eval_duration"), reason if isinstance(reason, str) else None)


@dataclass(frozen=True, slots=True)
class ChatResult:
    content: str
    model: str
    stats: ChatStats


@dataclass(slots=True)
class ChatStream:
    """An answer being streamed: iterate `deltas()` for the text; `stats` is set at the end."""

    response: httpx.Response
    model: str
    stats: ChatStats | None = None
    _closed: bool = field(default=False)

    async def deltas(self) -> AsyncIterator[str]:
        try:
            async for line in self.response.aiter_lines():
                if not line.strip():
                    continue
                body = _json_object(line)
                if "error" in body:
                    raise OllamaStreamError(f"Ollama failed mid-answer: {str(body['error'])[:200]}")
                content = _message_content(body)
                if content:
                    yield content
                if body.get("done") is True:
                    self.stats = ChatStats.from_final(body)
                    return
        except httpx.TimeoutException as exc:
            raise OllamaTimeout("Ollama stopped sending within the read timeout") from exc
        except httpx.TransportError as exc:
            raise OllamaStreamError(f"the connection to Ollama broke: {type(exc).__name__}") \
                from exc
        finally:
            await self.aclose()
        raise OllamaStreamError("Ollama's stream ended without its final object")

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            # Also when the caller is being cancelled: the connection must go back or close.
            with anyio.CancelScope(shield=True):
                await self.response.aclose()


class OllamaClient:
    def __init__(self, base_url: str, model: str, *, connect_timeout: float,
                 read_timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.model = model
        self.read_timeout = read_timeout
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), transport=transport,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout),
            # Below uvicorn's and Ollama's own keep-alive, so a pooled connection is never one
            # the server is closing.
            limits=httpx.Limits(keepalive_expiry=4.0),
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def chat(self, messages: list[Message], *, schema: dict[str, Any] | None = None,
                   options: dict[str, Any] | None = None) -> ChatResult:
        """One answer, not streamed; `schema` asks for structured output (`format`)."""
        payload = self._payload(messages, stream=False, schema=schema, options=options)
        try:
            # The read timeout bounds each read; this bounds the whole answer.
            async with asyncio.timeout(self.read_timeout):
                response = await self.client.post("/api/chat", json=payload)
        except TimeoutError as exc:
            raise OllamaTimeout("Ollama did not answer within the timeout") from exc
        except httpx.TimeoutException as exc:
            raise _timeout(exc) from exc
        except httpx.TransportError as exc:
            raise _transport(exc) from exc
        _check_status(response.status_code, response.content)
        body = _json_object(response.text)
        if "error" in body:
            raise OllamaServerError(f"Ollama failed: {str(body['error'])[:200]}")
        if body.get("done") is not True:
            raise OllamaBadAnswer("Ollama's answer is not complete (done is not true)")
        return ChatResult(_message_content(body), str(body.get("model", self.model)),
                          ChatStats.from_final(body))

    async def chat_stream(self, messages: list[Message], *,
                          options: dict[str, Any] | None = None) -> ChatStream:
        """The stream, opened: the status is checked here, the body is read by the caller."""
        payload = self._payload(messages, stream=True, schema=None, options=options)
        request = self.client.build_request("POST", "/api/chat", json=payload)
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise _timeout(exc) from exc
        except httpx.TransportError as exc:
            raise _transport(exc) from exc
        if response.status_code >= 400:
            try:
                content = await response.aread()
            except httpx.HTTPError:
                content = b""
            finally:
                await response.aclose()
            _check_status(response.status_code, content)
        return ChatStream(response, self.model)

    async def tags(self, wait_seconds: float) -> list[str]:
        """Names of the models Ollama has; raises like the other calls."""
        try:
            response = await self.client.get("/api/tags", timeout=wait_seconds)
        except httpx.TimeoutException as exc:
            raise _timeout(exc) from exc
        except httpx.TransportError as exc:
            raise _transport(exc) from exc
        _check_status(response.status_code, response.content)
        models = _json_object(response.text).get("models")
        if not isinstance(models, list):
            raise OllamaBadAnswer("Ollama's /api/tags has no model list")
        return [str(m.get("name") or m.get("model")) for m in models if isinstance(m, dict)]

    def _payload(self, messages: list[Message], *, stream: bool,
                 schema: dict[str, Any] | None,
                 options: dict[str, Any] | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": self.model, "messages": messages, "stream": stream}
        if schema is not None:
            payload["format"] = schema
        if options:
            payload["options"] = options
        return payload


def _timeout(exc: httpx.TimeoutException) -> OllamaError:
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return OllamaConnectError("Ollama could not be reached in time")
    return OllamaTimeout("Ollama did not answer within the timeout")


def _transport(exc: httpx.TransportError) -> OllamaError:
    if isinstance(exc, httpx.ConnectError):
        return OllamaConnectError("Ollama is unreachable")
    return OllamaServerError(f"the connection to Ollama failed: {type(exc).__name__}")


def _check_status(status: int, content: bytes) -> None:
    if status < 400:
        return
    detail = _error_text(content)
    if status >= 500:
        raise OllamaServerError(f"Ollama answered {status}: {detail}")
    raise OllamaRefused(f"Ollama refused the call ({status}): {detail}")


def _error_text(content: bytes) -> str:
    try:
        body = json.loads(content)
    except ValueError:
        return content[:200].decode("utf-8", "replace")
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])[:200]
    return content[:200].decode("utf-8", "replace")


def _json_object(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise OllamaBadAnswer("Ollama's answer is not JSON") from exc
    if not isinstance(body, dict):
        raise OllamaBadAnswer("Ollama's answer is not a JSON object")
    return body


def _message_content(body: dict[str, Any]) -> str:
    message = body.get("message")
    if not isinstance(message, dict):
        raise OllamaBadAnswer("Ollama's answer has no message")
    content = message.get("content", "")
    if not isinstance(content, str):
        raise OllamaBadAnswer("Ollama's message content is not text")
    return content
