"""HTTP clients the proxy forwards with: raw aiohttp (the default), or httpx over either its own
pool or the aiohttp transport. One small interface, so the proxy and the benchmark can swap them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from aura_gateway.settings import GatewaySettings

RawHeaders = Sequence[tuple[bytes, bytes]]
Body = bytes | AsyncIterator[bytes] | None


_HTTPX_DEFAULT_HEADERS = frozenset({"accept", "accept-encoding", "user-agent", "connection"})


class UpstreamUnavailable(Exception):
    """No connection could be made, or it broke before the response began."""


class UpstreamTimeout(Exception):
    """Connecting, waiting for the pool, or waiting for the next bytes took too long."""


class UpstreamResponse(Protocol):
    status: int
    headers: RawHeaders

    def buffered_body(self) -> bytes | None:
        """The whole body when it has already arrived (the common small answer), else None."""

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None:
        """Give the connection back when the body was read to the end, else close it."""


class UpstreamClient(Protocol):
    async def send(self, method: str, url: str, headers: RawHeaders,
                   body: Body) -> UpstreamResponse: ...

    async def aclose(self) -> None: ...


class _AiohttpResponse:
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: RawHeaders = response.raw_headers

    def buffered_body(self) -> bytes | None:
        content = self._response.content
        if not content.is_eof():
            return None
        return content.read_nowait()

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except TimeoutError as exc:
            raise UpstreamTimeout(str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(str(exc)) from exc

    async def aclose(self) -> None:
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


class AiohttpUpstreamClient:
    def __init__(self, settings: GatewaySettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=(settings.upstream_pool_timeout_seconds
                     + settings.upstream_connect_timeout_seconds),
            sock_connect=settings.upstream_connect_timeout_seconds,
            sock_read=settings.upstream_read_timeout_seconds,
        )

    def _client(self) -> aiohttp.ClientSession:
        # Built lazily: a ClientSession belongs to the running event loop.
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._settings.upstream_max_connections, limit_per_host=0,
                keepalive_timeout=self._settings.upstream_keepalive_expiry_seconds,
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def send(self, method: str, url: str, headers: RawHeaders,
                   body: Body) -> UpstreamResponse:
        str_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
        try:
            response = await self._client().request(
                method, url, headers=str_headers, data=body, allow_redirects=False,
                compress=None, chunked=None,
            )
        except TimeoutError as exc:
            raise UpstreamTimeout(str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(str(exc)) from exc
        return _AiohttpResponse(response)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _HttpxResponse:
    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status = response.status_code
        self.headers: RawHeaders = response.headers.raw

    def buffered_body(self) -> bytes | None:
        return None

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_raw():
                yield chunk
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(str(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(str(exc)) from exc

    async def aclose(self) -> None:
        await self._response.aclose()


class HttpxUpstreamClient:
    def __init__(self, settings: GatewaySettings, *, aiohttp_transport: bool) -> None:
        limits = httpx.Limits(max_connections=settings.upstream_max_connections,
                              max_keepalive_connections=settings.upstream_max_connections,
                              keepalive_expiry=settings.upstream_keepalive_expiry_seconds)
        timeout = httpx.Timeout(connect=settings.upstream_connect_timeout_seconds,
                                read=settings.upstream_read_timeout_seconds,
                                write=settings.upstream_read_timeout_seconds,
                                pool=settings.upstream_pool_timeout_seconds)
        transport: httpx.AsyncBaseTransport = (
            AiohttpTransport(limits=limits, trust_env=False) if aiohttp_transport
            else httpx.AsyncHTTPTransport(limits=limits, trust_env=False))
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False,
                                         follow_redirects=False)

    async def send(self, method: str, url: str, headers: RawHeaders,
                   body: Body) -> UpstreamResponse:
        request = self._client.build_request(method, url, headers=list(headers), content=body)
        sent = {name.decode("latin-1").lower() for name, _ in headers}
        for name in _HTTPX_DEFAULT_HEADERS - sent:
            request.headers.pop(name, None)  # httpx's defaults are not the client's headers
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(str(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(str(exc)) from exc
        return _HttpxResponse(response)

    async def aclose(self) -> None:
        await self._client.aclose()


def upstream_client(settings: GatewaySettings) -> UpstreamClient:
    if settings.upstream_client == "h1":
        from aura_gateway.h1client import H1UpstreamClient

        return H1UpstreamClient(settings)
    if settings.upstream_client == "aiohttp":
        return AiohttpUpstreamClient(settings)
    return HttpxUpstreamClient(settings,
                               aiohttp_transport=settings.upstream_client == "httpx-aiohttp")
