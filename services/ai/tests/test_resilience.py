"""Never hang: Ollama down, failing, slow or cut off; the breaker; limits on callers."""

from __future__ import annotations

import asyncio
import json

import httpx

from .conftest import CLASSIFY_ANSWER_JSON, ClientFactory, FakeOllama, free_port, user

CLASSIFY = "/api/ai/classify"


def assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + slug)


async def test_ollama_down_is_a_503_with_retry_after_then_the_breaker_opens(
        make_client: ClientFactory) -> None:
    caller = user()
    async with make_client(ollama_base_url=f"http://127.0.0.1:{free_port()}",
                           ai_breaker_fail_max=2) as http:
        for _ in range(2):
            response = await http.post(CLASSIFY, json={"text": "x"}, headers=caller.headers)
            assert_problem(response, 503, "ai-unavailable")
            assert int(response.headers["Retry-After"]) >= 1
        response = await http.post(CLASSIFY, json={"text": "x"}, headers=caller.headers)
        assert_problem(response, 503, "ai-unavailable")
        assert "circuit open" in response.json()["detail"]
        assert 29_000 < int(response.headers["Retry-After-Ms"]) <= 30_000
        assert response.json()["retry_after_ms"] == int(response.headers["Retry-After-Ms"])
        assert response.headers["Retry-After"] == "30"
        status = (await http.get("/api/ai/status", headers=caller.headers)).json()
        assert status["ollama"]["reachable"] is False
        assert status["breaker"]["state"] == "open"
        # /redact needs no model and keeps working.
        redacted = await http.post("/api/ai/redact", json={"text": "a@b.org"},
                                   headers=caller.headers)
        assert redacted.json()["text"] == "[EMAIL_1]"


async def test_open_breaker_answers_without_calling_ollama(
        make_client: ClientFactory, fake_ollama: FakeOllama) -> None:
    fake_ollama.script(*[{"kind": "http_error", "status": 500}] * 3)
    caller = user()
    async with make_client(ai_breaker_fail_max=3) as http:
        statuses = [(await http.post(CLASSIFY, json={"text": "x"},
                                     headers=caller.headers)).status_code for _ in range(5)]
    assert statuses == [503] * 5
    assert len(fake_ollama.received()) == 3


async def test_half_open_sends_a_single_probe(make_client: ClientFactory,
                                              fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "http_error", "status": 500},
                       {"kind": "reply", "content": CLASSIFY_ANSWER_JSON, "delay": 0.3})
    caller = user()
    async with make_client(ai_breaker_fail_max=1, ai_breaker_reset_seconds=0.2) as http:
        assert (await http.post(CLASSIFY, json={"text": "x"},
                                headers=caller.headers)).status_code == 503
        await asyncio.sleep(0.25)  # the breaker's reset time, which no event announces
        responses = await asyncio.gather(*[
            http.post(CLASSIFY, json={"text": "x"}, headers=caller.headers) for _ in range(4)])
        assert sorted(r.status_code for r in responses) == [200, 503, 503, 503]
        assert len(fake_ollama.received()) == 2  # the failure and the one probe
        status = (await http.get("/api/ai/status", headers=caller.headers)).json()
        assert status["breaker"] == {"state": "closed", "failures": 0, "retry_after_ms": None}


async def test_slow_answer_times_out(make_client: ClientFactory,
                                     fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "reply", "content": CLASSIFY_ANSWER_JSON, "delay": 2})
    async with make_client(ai_timeout_seconds=0.3) as http:
        response = await http.post(CLASSIFY, json={"text": "x"}, headers=user().headers)
    assert_problem(response, 504, "ai-timeout")
    assert "Retry-After" in response.headers


async def test_dropped_connection_and_server_errors_are_503(
        client: httpx.AsyncClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "drop"}, {"kind": "http_error", "status": 500,
                                          "error": "llama runner process has terminated"})
    for _ in range(2):
        response = await client.post(CLASSIFY, json={"text": "x"}, headers=user().headers)
        assert_problem(response, 503, "ai-unavailable")


async def test_unknown_model_and_garbage_are_502(client: httpx.AsyncClient,
                                                 fake_ollama: FakeOllama) -> None:
    fake_ollama.script({"kind": "http_error", "status": 404,
                        "error": "model 'llama3.2:3b' not found"}, {"kind": "garbage"})
    for _ in range(2):
        response = await client.post(CLASSIFY, json={"text": "x"}, headers=user().headers)
        assert_problem(response, 502, "ai-bad-answer")


async def test_rate_limit_per_tenant(make_client: ClientFactory,
                                     fake_ollama: FakeOllama) -> None:
    fake_ollama.script(*[{"kind": "reply", "content": CLASSIFY_ANSWER_JSON}] * 3)
    limited, other = user(), user()
    async with make_client(ai_rate_limit="2/minute") as http:
        for _ in range(2):
            ok = await http.post(CLASSIFY, json={"text": "x"}, headers=limited.headers)
            assert ok.status_code == 200
        refused = await http.post(CLASSIFY, json={"text": "x"}, headers=limited.headers)
        assert_problem(refused, 429, "rate-limited")
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert 0 < refused.json()["retry_after_ms"] <= 60_000
        same_tenant = user("viewer", limited.tenant_id)
        assert (await http.post(CLASSIFY, json={"text": "x"},
                                headers=same_tenant.headers)).status_code == 429
        assert (await http.post(CLASSIFY, json={"text": "x"},
                                headers=other.headers)).status_code == 200
    assert len(fake_ollama.received()) == 3


async def test_input_caps(make_client: ClientFactory, fake_ollama: FakeOllama) -> None:
    caller = user()
    async with make_client(ai_max_input_bytes=1000, ai_max_redact_bytes=2000) as http:
        too_long = await http.post(CLASSIFY, json={"text": "é" * 501}, headers=caller.headers)
        assert_problem(too_long, 413, "input-too-large")
        redact_ok = await http.post("/api/ai/redact", json={"text": "x" * 1500},
                                    headers=caller.headers)
        assert redact_ok.status_code == 200
        redact_big = await http.post("/api/ai/redact", json={"text": "x" * 2001},
                                     headers=caller.headers)
        assert_problem(redact_big, 413, "input-too-large")
        body = json.dumps({"text": "x" * 20_000})
        huge = await http.post(CLASSIFY, content=body, headers={
            **caller.headers, "content-type": "application/json"})
        assert_problem(huge, 413, "input-too-large")

        async def chunks():  # no Content-Length: counted as it arrives
            for _ in range(20):
                yield b"x" * 1000

        chunked = await http.post(CLASSIFY, content=chunks(), headers={
            **caller.headers, "content-type": "application/json"})
        assert_problem(chunked, 413, "input-too-large")
    assert fake_ollama.received() == []


async def test_bad_input_is_4xx_never_500(client: httpx.AsyncClient) -> None:
    caller = user()
    cases = [
        ("/api/ai/classify", b"not json"), ("/api/ai/classify", b'{"text": ""}'),
        ("/api/ai/classify", b'{"text": 3}'), ("/api/ai/assess-breach", b'{"approx_subjects": -1}'),
        ("/api/ai/draft-response", b'{"request_type": "hug", "context": "x"}'),
        ("/api/ai/redact", b'{"text": "x", "more": 1}'),
        ("/api/ai/redact", b'{"text": "a\\ud800b"}'),
        ("/api/ai/classify", b'{"text": "\\udfff"}'),
        ("/api/ai/draft-response", b'{"request_type": "access", "context": "\\ud800"}'),
        ("/api/ai/assess-breach", b'{"description": "x", "measures_taken": "\\ud800"}'),
        ("/api/ai/assess-breach", b'{"description": "x", "data_categories": ["\\ud800"]}'),
    ]
    for path, body in cases:
        response = await client.post(path, content=body, headers={
            **caller.headers, "content-type": "application/json"})
        assert response.status_code == 422, (path, body, response.text)
    assert (await client.post(CLASSIFY, json={"text": "x"})).status_code == 401
    assert (await client.get("/api/ai/audit/not-a-uuid", headers=caller.headers)).status_code \
        == 422


async def test_status_reports_model_and_reachability(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/ai/status", headers=user("viewer").headers)
    assert response.json() == {
        "model": "llama3.2:3b",
        "ollama": {"reachable": True, "model_available": True, "detail": None},
        "breaker": {"state": "closed", "failures": 0, "retry_after_ms": None},
    }
