"""The gateway's own HTTP/1.1 client against raw sockets: the cases a framework server hides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from aura_gateway.h1client import H1UpstreamClient
from aura_gateway.settings import GatewaySettings
from aura_gateway.upstreams import UpstreamResponse, UpstreamTimeout, UpstreamUnavailable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> str:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        self.server = await asyncio.start_server(accept, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            head += await reader.readexactly(int(line.split(b":")[1]))
    return head


async def body_of(response: UpstreamResponse) -> bytes:
    whole = response.buffered_body()
    if whole is None:
        whole = b"".join([chunk async for chunk in response.chunks()])
    await response.aclose()
    return whole


@pytest.fixture
async def client() -> AsyncIterator[H1UpstreamClient]:
    http = H1UpstreamClient(GatewaySettings(env="test", upstream_read_timeout_seconds=0.3))
    yield http
    await http.aclose()


async def test_keep_alive_reuses_one_connection(client: H1UpstreamClient) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nok")

    raw = RawServer(serve)
    async with raw as url:
        for _ in range(3):
            response = await client.send("GET", f"{url}/x", [(b"accept", b"*/*")], None)
            assert response.status == 200
            assert (b"x-a", b"1") in response.headers  # names lower-cased for ASGI
            assert await body_of(response) == b"ok"
    assert raw.connections == 1


async def test_connection_close_is_not_reused(client: H1UpstreamClient) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()

    raw = RawServer(serve)
    async with raw as url:
        for _ in range(2):
            assert await body_of(await client.send("GET", f"{url}/", [], None)) == b"ok"
    assert raw.connections == 2


async def test_body_until_the_connection_ends(client: H1UpstreamClient) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst ")
        await writer.drain()
        writer.write(b"second")
        await writer.drain()

    async with RawServer(serve) as url:
        response = await client.send("GET", f"{url}/", [], None)
        assert await body_of(response) == b"first second"


async def test_malformed_answer_is_unavailable(client: H1UpstreamClient) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()

    async with RawServer(serve) as url:
        with pytest.raises(UpstreamUnavailable):
            await client.send("GET", f"{url}/", [], None)


async def test_closed_before_answering_is_unavailable(client: H1UpstreamClient) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with RawServer(serve) as url:
        with pytest.raises(UpstreamUnavailable):
            await client.send("POST", f"{url}/", [], b"{}")


async def test_silence_is_a_timeout(client: H1UpstreamClient) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # never answers

    async with RawServer(serve) as url:
        with pytest.raises(UpstreamTimeout):
            await client.send("GET", f"{url}/", [], None)


async def test_idle_connection_closed_by_the_service_is_replaced(
        client: H1UpstreamClient) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()  # then the handler returns and the server closes the socket

    raw = RawServer(serve)
    async with raw as url:
        assert await body_of(await client.send("GET", f"{url}/", [], None)) == b"ok"
        async with asyncio.timeout(5):
            while not client._pools[url].idle[0].closed:
                await asyncio.sleep(0.01)  # until the close reaches the client
        assert await body_of(await client.send("GET", f"{url}/", [], None)) == b"ok"
    assert raw.connections == 2


async def test_streamed_upload_is_chunked_and_whole_body_gets_its_length(
        client: H1UpstreamClient) -> None:
    raw_requests: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if b"transfer-encoding: chunked" in head:
                head += await reader.readuntil(b"0\r\n\r\n")
            elif b"content-length" in head:
                length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
                head += await reader.readexactly(length)
            raw_requests.append(head)
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")

    async def pieces() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b"defg"

    async with RawServer(serve) as url:
        await body_of(await client.send("POST", f"{url}/u", [(b"content-type", b"x")], pieces()))
        await body_of(await client.send("POST", f"{url}/u", [(b"content-length", b"999")],
                                        b"12345"))
    assert raw_requests[0].endswith(b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
    assert b"content-length: 5\r\n\r\n12345" in raw_requests[1]
    assert b"999" not in raw_requests[1]


async def test_interim_answers_are_skipped(client: H1UpstreamClient) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone")

    async with RawServer(serve) as url:
        for _ in range(2):
            response = await client.send("POST", f"{url}/", [], b"{}")
            assert response.status == 201
            assert await body_of(response) == b"done"
