"""A lean HTTP/1.1 client for the hop from the gateway to a service: asyncio protocol, httptools
parser (the one uvicorn uses), one keep-alive pool per service.

Why not aiohttp or httpx: measured on this machine, aiohttp's client spends about 230 µs of CPU
per small request and this one about 60 µs, system calls included; the gateway's throughput is
bounded by its CPU per request (docs/benchmarks-gateway.md). It does only what the proxy needs:
plain http to known services, bodies as bytes or streamed, responses streamed with back-pressure,
connect/read/pool timeouts, keep-alive with an expiry.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator
from typing import cast

import httptools

from aura_gateway.settings import GatewaySettings
from aura_gateway.upstreams import Body, RawHeaders, UpstreamTimeout, UpstreamUnavailable

HIGH_WATER = 256 * 1024  # buffered response bytes before the socket stops being read
LOW_WATER = 64 * 1024


class _Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._write_paused = False
        self._drained: asyncio.Future[None] | None = None
        self.reset()

    def reset(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.interim = False
        self.keep_alive = False
        self.complete = False
        self.error: Exception | None = None
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.reading_paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.until_eof = False

    # transport events
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have the same methods.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.fail(UpstreamUnavailable(f"malformed response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete:
            if self.headers_done and self.until_eof:
                self.complete = True  # a body delimited by the end of the connection
            else:
                self.error = self.error or UpstreamUnavailable(
                    f"connection closed by the service{f': {exc}' if exc else ''}")
        self._wake()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    # parser callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
            self.headers = []
            self.interim = True
            return
        self.status = status
        # asked now: once the message is complete, the parser has moved on and answers False
        self.keep_alive = self.parser.should_keep_alive()
        self.headers_done = True
        self.until_eof = not any(n in (b"content-length", b"transfer-encoding")
                                 for n, _ in self.headers)
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > HIGH_WATER and not self.reading_paused and self.transport:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.interim:
            self.interim = False
            return
        self.complete = True
        self._wake()

    # helpers
    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def fail(self, error: Exception) -> None:
        self.error = error
        self.close()
        self._wake()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def wait(self, seconds: float) -> None:
        """Until the parser has news (or the read timeout passes)."""
        self.waiter = self.loop.create_future()
        timer = self.loop.call_later(seconds, self._timed_out, self.waiter)
        try:
            await self.waiter
        finally:
            timer.cancel()
            self.waiter = None
        if self.error is not None:
            raise self.error

    def _timed_out(self, waiter: asyncio.Future[None]) -> None:
        if not waiter.done():
            self.fail(UpstreamTimeout("the service did not answer in time"))

    async def drain(self) -> None:
        if self._write_paused and not self.closed:
            self._drained = self.loop.create_future()
            await self._drained

    def take_chunk(self) -> bytes:
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self.reading_paused and self.buffered < LOW_WATER and self.transport:
            self.reading_paused = False
            self.transport.resume_reading()
        return chunk


class _Pool:
    def __init__(self, host: str, port: int, settings: GatewaySettings) -> None:
        self.host, self.port = host, port
        self.host_header = f"{host}:{port}".encode("latin-1")
        self.settings = settings
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(settings.upstream_max_connections)

    async def acquire(self) -> _Connection:
        if self.slots.locked():
            try:
                await asyncio.wait_for(self.slots.acquire(),
                                       self.settings.upstream_pool_timeout_seconds)
            except TimeoutError:
                raise UpstreamTimeout("no free connection to the service in time") from None
        else:
            await self.slots.acquire()
        now = time.monotonic()
        expiry = self.settings.upstream_keepalive_expiry_seconds
        while self.idle:
            connection = self.idle.pop()
            if not connection.closed and now - connection.idle_since < expiry:
                connection.reset()
                return connection
            connection.close()
        try:
            return await self._connect()
        except BaseException:
            self.slots.release()
            raise

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(loop), self.host, self.port),
                self.settings.upstream_connect_timeout_seconds)
        except TimeoutError:
            raise UpstreamTimeout("connecting to the service took too long") from None
        except OSError as exc:
            raise UpstreamUnavailable(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return protocol

    def release(self, connection: _Connection, reusable: bool) -> None:
        if reusable and not connection.closed:
            connection.idle_since = time.monotonic()
            self.idle.append(connection)
        else:
            connection.close()
        self.slots.release()

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


class _Response:
    def __init__(self, pool: _Pool, connection: _Connection, read_timeout: float,
                 head: bool) -> None:
        self._pool = pool
        self._connection: _Connection | None = connection
        self._read_timeout = read_timeout
        self.status = connection.status
        self.headers: RawHeaders = connection.headers
        if head:  # a HEAD answer announces a body it does not send: never reuse the connection
            connection.complete = True
            connection.chunks.clear()
            self._finish(reusable=False)

    def buffered_body(self) -> bytes | None:
        connection = self._connection
        if connection is None:
            return b""
        if not connection.complete:
            return None
        body = b"".join(connection.chunks)
        connection.chunks.clear()
        self._finish(reusable=connection.keep_alive)
        return body

    async def chunks(self) -> AsyncIterator[bytes]:
        connection = self._connection
        while connection is not None:
            while connection.chunks:
                yield connection.take_chunk()
            if connection.complete:
                break
            await connection.wait(self._read_timeout)

    async def aclose(self) -> None:
        connection = self._connection
        if connection is not None:
            reusable = connection.complete and not connection.chunks and connection.keep_alive
            self._finish(reusable)

    def _finish(self, reusable: bool) -> None:
        if self._connection is not None:
            self._pool.release(self._connection, reusable)
            self._connection = None


class H1UpstreamClient:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._pools: dict[str, _Pool] = {}

    def _pool(self, origin: str) -> _Pool:
        pool = self._pools.get(origin)
        if pool is None:
            host, _, port = origin.removeprefix("http://").rpartition(":")
            if not host:
                host, port = port, "80"
            pool = self._pools[origin] = _Pool(host.strip("[]"), int(port), self.settings)
        return pool

    async def send(self, method: str, url: str, headers: RawHeaders,
                   body: Body) -> _Response:
        if not url.startswith("http://"):
            raise UpstreamUnavailable("only http:// services are supported by this client")
        split = url.find("/", 7)
        origin, target = (url, "/") if split < 0 else (url[:split], url[split:])
        pool = self._pool(origin)
        connection = await pool.acquire()
        try:
            await self._write_request(connection, pool, method, target, headers, body)
            while not connection.headers_done:
                await connection.wait(self.settings.upstream_read_timeout_seconds)
        except BaseException:
            pool.release(connection, reusable=False)
            raise
        return _Response(pool, connection, self.settings.upstream_read_timeout_seconds,
                         head=method == "HEAD")

    async def _write_request(self, connection: _Connection, pool: _Pool, method: str,
                             target: str, headers: RawHeaders, body: Body) -> None:
        transport = connection.transport
        assert transport is not None
        lines = [f"{method} {target} HTTP/1.1\r\n".encode("latin-1"),
                 b"host: ", pool.host_header, b"\r\n"]
        declared = False
        for name, value in headers:
            if name == b"content-length":
                if not isinstance(body, bytes | None):
                    declared = True
                else:
                    continue  # a whole body gets its own, true length below
            lines += (name, b": ", value, b"\r\n")
        if body is None:
            transport.write(b"".join((*lines, b"\r\n")))
        elif isinstance(body, bytes):
            transport.write(b"".join((*lines, b"content-length: ",
                                      str(len(body)).encode(), b"\r\n\r\n", body)))
        else:
            if not declared:
                lines.append(b"transfer-encoding: chunked\r\n")
            transport.write(b"".join((*lines, b"\r\n")))
            async for chunk in body:
                if connection.closed:
                    raise connection.error or UpstreamUnavailable("the service closed the upload")
                if chunk:
                    transport.write(chunk if declared
                                    else b"%x\r\n%b\r\n" % (len(chunk), chunk))
                    await connection.drain()
            if not declared:
                transport.write(b"0\r\n\r\n")

    async def aclose(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
