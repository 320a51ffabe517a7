"""Getting a feed's bytes: HTTP with timeouts, conditional requests and retries, or a file.

The lowest layer of `bot.sources`: it imports nothing from the other modules, and
`base` (the Source contract) builds on the types defined here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

log = logging.getLogger(__name__)

USER_AGENT = "pricebot/0.1 (+https://github.com/; LLM price alerts)"

# Worth another try (with every 5xx): the server may be fine in a moment.
_RETRY_STATUS = frozenset({408, 425, 429})


class FeedError(Exception):
    """A feed that could not be fetched or read; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server said about the body we accepted last, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None
    # The last accepted body's content key: a server without ETags that sends the same
    # body again is answered as if it said 304, before the body is parsed.
    content_key: str | None = None


@dataclass(frozen=True, slots=True)
class NotModified:
    """The server says the feed has not changed since the validators we sent."""

    location: str
    # How we know: the server's 304, or the same body as last accepted.
    why: str = "HTTP 304"


@dataclass(frozen=True, slots=True)
class Fetched:
    """A feed's body and the validators that identify it."""

    body: bytes
    location: str
    validators: Validators


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def file_path(location: str) -> Path:
    """A local path from 'file:///…' or a plain path."""
    if location.startswith("file://"):
        return Path(unquote(urlparse(location).path))
    return Path(location).expanduser()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    date_header = response.headers.get("date")
    now = parsedate_to_datetime(date_header) if date_header else None
    if now is None:
        return None
    return max(0.0, (when - now).total_seconds())


class Fetcher:
    """Fetches feeds with one httpx client; retries with exponential backoff.

    `retries` is how many times a failed request is tried again (timeouts,
    connection errors, 5xx, 408/425/429, after `Retry-After` when given); any
    other 4xx is final.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        retries: int = 2,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
    ) -> None:
        self.client = client
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_backoff = max_backoff

    async def get(
        self, location: str, validators: Validators | None = None
    ) -> Fetched | NotModified:
        """The body at `location` (a URL or a file), or NotModified."""
        if is_url(location):
            return await self._http(location, validators)
        path = file_path(location)
        try:
            body = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise FeedError(f"{path}: cannot read: {exc.strerror or exc}") from None
        return Fetched(body, str(path), Validators())

    async def _http(self, url: str, validators: Validators | None) -> Fetched | NotModified:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        attempts = self.retries + 1
        problem = "no attempt made"
        for attempt in range(1, attempts + 1):
            wait: float | None = None
            try:
                response = await self.client.get(url, headers=headers)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as exc:
                problem = f"could not connect ({type(exc).__name__}: {exc})"
            except httpx.InvalidURL as exc:
                raise FeedError(f"{url}: not a URL that can be fetched: {exc}") from None
            else:
                if response.status_code == 304:
                    return NotModified(url)
                if response.is_success:
                    return Fetched(
                        response.content,
                        url,
                        Validators(
                            response.headers.get("etag"), response.headers.get("last-modified")
                        ),
                    )
                problem = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
                if response.status_code < 500 and response.status_code not in _RETRY_STATUS:
                    raise FeedError(f"{url}: {problem}")
                wait = _retry_after(response)
            if attempt < attempts:
                delay = min(
                    self.max_backoff,
                    wait if wait is not None else self.backoff * 2 ** (attempt - 1),
                )
                log.info(
                    "%s: %s; trying again in %.1fs (%d/%d)", url, problem, delay, attempt, attempts
                )
                await asyncio.sleep(delay)
        raise FeedError(f"{url}: {problem} after {attempts} attempt{'s' if attempts > 1 else ''}")
