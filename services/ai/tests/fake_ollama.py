"""A fake Ollama server for the tests: a raw ASGI app run as a real uvicorn process.

It speaks Ollama's wire format (`/api/chat` with `stream` false and true — NDJSON lines ending
in a `done: true` object with counts and nanosecond durations — and `/api/tags`), and plays
what the test scripted, one step per request:

    POST /_control/script   {"steps": [{"kind": "reply", "content": "..."}, ...]}
    POST /_control/reset    forget the script and the requests received
    GET  /_control/received every request body received on /api/*, in order

Step kinds: `reply` (content, optional `chunks` for streams), `http_error` (status, error),
`stream_error` (chunks sent, then an `{"error": ...}` line under status 200), `drop` (the
connection breaks after part of the body), `garbage` (200 with a body that is not JSON). Any
step may carry `delay` (seconds before the answer), `chunk_delay` (between stream lines) and
`hold_after` (stream that many chunks, then wait for POST /_control/release).
A step with `"route": "tags"` applies to /api/tags instead of /api/chat. With nothing scripted,
a request with a JSON schema in `format` gets the smallest value the schema accepts, as a JSON
string in `message.content`, like a grammar-constrained model's answer.

Run: python fake_ollama.py PORT
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import deque
from datetime import UTC, datetime
from typing import Any

MODEL = "llama3.2:3b"
script: dict[str, deque[dict[str, Any]]] = {"chat": deque(), "tags": deque()}
received: list[dict[str, Any]] = []
release = asyncio.Event()

Send = Any
Receive = Any


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def final_object(model: str, content: str, *, stream: bool) -> dict[str, Any]:
    return {
        "model": model, "created_at": now(),
        "message": {"role": "assistant", "content": "" if stream else content},
        "done_reason": "stop", "done": True,
        "total_duration": 4_883_583_458, "load_duration": 1_334_875,
        "prompt_eval_count": 26, "prompt_eval_duration": 342_546_000,
        "eval_count": 282, "eval_duration": 4_535_599_000,
    }


def chunk_object(model: str, content: str) -> dict[str, Any]:
    return {"model": model, "created_at": now(),
            "message": {"role": "assistant", "content": content}, "done": False}


async def read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def respond(send: Send, status: int, body: bytes,
                  content_type: bytes = b"application/json; charset=utf-8") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def respond_json(send: Send, status: int, payload: Any) -> None:
    await respond(send, status, json.dumps(payload).encode())


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path, method = scope["path"], scope["method"]
    body = await read_body(receive)
    if path.startswith("/_control/"):
        await control(path, method, body, send)
    elif path == "/api/tags" and method == "GET":
        received.append({"path": path})
        await tags(send)
    elif path == "/api/chat" and method == "POST":
        request = json.loads(body)
        received.append({"path": path, "body": request})
        await chat(request, send)
    else:
        await respond_json(send, 404, {"error": "404 page not found"})


async def control(path: str, method: str, body: bytes, send: Send) -> None:
    if path == "/_control/script" and method == "POST":
        for step in json.loads(body)["steps"]:
            script[step.get("route", "chat")].append(step)
        await respond_json(send, 200, {"queued": sum(len(q) for q in script.values())})
    elif path == "/_control/reset" and method == "POST":
        for queue in script.values():
            queue.clear()
        received.clear()
        release.clear()
        await respond_json(send, 200, {})
    elif path == "/_control/release" and method == "POST":
        release.set()
        await respond_json(send, 200, {})
    elif path == "/_control/received":
        await respond_json(send, 200, received)
    else:
        await respond_json(send, 404, {"error": "unknown control"})


async def tags(send: Send) -> None:
    step = script["tags"].popleft() if script["tags"] else {"kind": "reply"}
    await asyncio.sleep(step.get("delay", 0))
    if step["kind"] == "http_error":
        await respond_json(send, step.get("status", 500), {"error": step.get("error", "boom")})
        return
    await respond_json(send, 200, {"models": [{
        "name": MODEL, "model": MODEL, "modified_at": "2024-09-25T14:52:32.5Z",
        "size": 2019393189,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "details": {"parent_model": "", "format": "gguf", "family": "llama",
                    "families": ["llama"], "parameter_size": "3.2B",
                    "quantization_level": "Q4_K_M"}}]})


def instance_of(schema: dict[str, Any]) -> Any:
    """The smallest value a JSON schema accepts, as a model under grammar constraints would
    produce something that fits: the first enum value, minimal strings, empty arrays."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: instance_of(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [instance_of(schema["items"])] * schema.get("minItems", 0)
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None


def default_step(request: dict[str, Any]) -> dict[str, Any]:
    schema = request.get("format")
    if isinstance(schema, dict):
        return {"kind": "reply", "content": json.dumps(instance_of(schema))}
    if schema == "json":
        return {"kind": "reply", "content": "{}"}
    return {"kind": "reply", "content": "Hello, this is a draft."}


async def chat(request: dict[str, Any], send: Send) -> None:
    step = script["chat"].popleft() if script["chat"] else default_step(request)
    await asyncio.sleep(step.get("delay", 0))
    model = request.get("model", MODEL)
    kind = step["kind"]
    if kind == "http_error":
        await respond_json(send, step.get("status", 500), {"error": step.get("error", "boom")})
    elif kind == "garbage":
        await respond(send, 200, b"<html>not json</html>", b"text/html")
    elif not request.get("stream", True):
        await chat_once(step, model, send)
    else:
        await chat_stream(step, model, send)


async def chat_once(step: dict[str, Any], model: str, send: Send) -> None:
    if step["kind"] == "stream_error":
        await respond_json(send, 500, {"error": step.get("error", "model runner crashed")})
        return
    body = json.dumps(final_object(model, step.get("content", ""), stream=False)).encode()
    if step["kind"] == "drop":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body[:20], "more_body": True})
        raise ConnectionAbortedError("dropped on purpose")
    await respond(send, 200, body)


async def chat_stream(step: dict[str, Any], model: str, send: Send) -> None:
    content = step.get("content", "")
    chunks = step.get("chunks") or [word + " " for word in content.split(" ")]
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/x-ndjson")]})
    for index, text in enumerate(chunks):
        if index == step.get("hold_after"):
            await release.wait()
        line = json.dumps(chunk_object(model, text)) + "\n"
        await send({"type": "http.response.body", "body": line.encode(), "more_body": True})
        await asyncio.sleep(step.get("chunk_delay", 0))
    if step["kind"] == "stream_error":
        line = json.dumps({"error": step.get("error", "model runner crashed")}) + "\n"
        await send({"type": "http.response.body", "body": line.encode()})
        return
    if step["kind"] == "drop":
        raise ConnectionAbortedError("dropped on purpose")
    line = json.dumps(final_object(model, content, stream=True)) + "\n"
    await send({"type": "http.response.body", "body": line.encode()})


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info",
                lifespan="on", access_log=False)
