"""Polite fetching, shared by every live source: one `Fetcher` per collection.

What "polite" means here, in the order a request meets it:
- only hosts the source's configuration allows, also after every redirect hop;
- robots.txt obeyed for our User-Agent (a robots.txt that answers 404 allows all;
  any other failure to read it means we do not fetch);
- at most one request per host every `min_interval_s` seconds;
- connect and read timeouts; retries with exponential backoff on 429, 5xx,
  broken connections and bodies cut short, waiting what `Retry-After` asks when
  the server says so;
- a size cap counted on the *decoded* body while it streams, so a gzip bomb or an
  endless body is cut off early instead of filling memory.

Every failure is a `FetchError` subclass whose message names the URL and the reason.
"""

from __future__ import annotations

import email.utils
import hashlib
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

PROJECT = "modelscale"
COLLECTOR_VERSION = "0.2.0"  # bump when collection behaviour changes; recorded in metadata.json
CONTACT_URL = "https://github.com/modelscale"
USER_AGENT = f"{PROJECT}/{COLLECTOR_VERSION} (+{CONTACT_URL}; open dataset of ML model scale)"

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512_000
CHUNK_BYTES = 64 * 1024


class FetchError(Exception):
    """A URL could not be fetched as required; the message says which URL and why."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class OfflineError(FetchError):
    """No connection could be made (host down, port closed, no network)."""


class FetchTimeout(FetchError):
    """The server did not answer, or stopped sending, within the timeout."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (after any retries)."""

    def __init__(self, url: str, status: int, reason: str):
        super().__init__(url, reason)
        self.status = status


class RobotsDisallowed(FetchError):
    """robots.txt forbids the URL, or could not be read (so we do not fetch)."""


class HostNotAllowed(FetchError):
    """The URL, or a redirect target, is on a host the source does not allow."""


class TooLarge(FetchError):
    """The (decoded) body exceeds the size cap."""


class TruncatedBody(FetchError):
    """The connection ended before the announced Content-Length was received."""


class ContentError(FetchError):
    """The body arrived but is not what the source expects (empty, HTML for CSV, new layout)."""


@dataclass(frozen=True)
class FetchPolicy:
    """The politeness settings of one source (its `sources.<name>` section of params.yaml)."""

    allowed_hosts: tuple[str, ...]
    max_bytes: int = 50_000_000
    min_interval_s: float = 1.0
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    retries: int = 3
    backoff_s: float = 2.0
    max_retry_after_s: float = 300.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FetchPolicy:
        keys = ("max_bytes", "min_interval_s", "connect_timeout_s", "read_timeout_s",
                "retries", "backoff_s", "max_retry_after_s")
        chosen = {key: config[key] for key in keys if key in config}
        return cls(allowed_hosts=tuple(config["allowed_hosts"]), **chosen)


@dataclass(frozen=True)
class Response:
    """A complete, size-checked response body and what metadata.json records of it."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    retrieved_at: str

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def file_record(self, path: str) -> dict[str, Any]:
        """What metadata.json records of the file saved from this response."""
        return {
            "path": path,
            "url": self.url,
            "final_url": self.final_url,
            "http_status": self.status,
            "content_type": self.content_type or None,
            "etag": self.headers.get("etag"),
            "last_modified": self.headers.get("last-modified"),
            "retrieved_at": self.retrieved_at,
            "sha256": hashlib.sha256(self.body).hexdigest(),
            "size_bytes": len(self.body),
        }


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or HTTP-date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@dataclass
class Fetcher:
    """GETs URLs under one `FetchPolicy`. `sleep`, `clock` and `now` are injectable for tests."""

    policy: FetchPolicy
    session: requests.Session = field(default_factory=requests.Session)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    _last_request: dict[str, float] = field(default_factory=dict, init=False)
    _robots: dict[str, urllib.robotparser.RobotFileParser] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept-Encoding"] = "gzip, deflate"

    def get(self, url: str, *, accept: str | None = None) -> Response:
        """The body of url, after robots.txt, host, redirect and size checks."""
        self._require_allowed_host(url, url)
        self._require_robots_allow(url)
        return self._get_following_redirects(url, accept=accept, max_bytes=self.policy.max_bytes)

    # -- checks ---------------------------------------------------------------

    def _require_allowed_host(self, requested: str, url: str) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise HostNotAllowed(requested, f"scheme '{scheme}' of {url} is not http(s)")
        if host_of(url) not in self.policy.allowed_hosts:
            allowed = ", ".join(self.policy.allowed_hosts)
            raise HostNotAllowed(requested, f"host '{host_of(url)}' of {url} is not in allowed_hosts ({allowed})")

    def _require_robots_allow(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        if not self._robots[origin].can_fetch(USER_AGENT, url):
            raise RobotsDisallowed(url, f"robots.txt of {origin} disallows this URL for {PROJECT}")

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser:
        robots_url = f"{origin}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        try:
            response = self._get_following_redirects(robots_url, accept="text/plain", max_bytes=ROBOTS_MAX_BYTES)
        except HTTPStatusError as error:  # offline or timeout: that error itself, naming robots.txt
            if error.status == 404:  # no robots.txt: everything is allowed
                parser.parse([])
                return parser
            raise RobotsDisallowed(robots_url, f"robots.txt could not be read ({error.reason}); not fetching") from error
        parser.parse(response.text().splitlines())
        return parser

    # -- transport ------------------------------------------------------------

    def _get_following_redirects(self, url: str, *, accept: str | None, max_bytes: int) -> Response:
        """The body at url; one cut short (the connection dropped mid-body) is fetched again."""
        policy = self.policy
        for attempt in range(policy.retries + 1):
            try:
                return self._get_once(url, accept=accept, max_bytes=max_bytes)
            except TruncatedBody as error:
                if attempt == policy.retries:
                    tries = f" (after {attempt + 1} attempts)" if attempt else ""
                    raise TruncatedBody(url, f"{error.reason}{tries}") from error
                self.sleep(policy.backoff_s * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _get_once(self, url: str, *, accept: str | None, max_bytes: int) -> Response:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            raw = self._get_with_retries(url, current, accept=accept)
            if raw.is_redirect:
                location = raw.headers.get("location", "")
                raw.close()
                target = urljoin(current, location)
                self._require_allowed_host(url, target)
                current = target
                continue
            return self._read_body(url, current, raw, max_bytes)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _get_with_retries(self, requested: str, url: str, *, accept: str | None) -> requests.Response:
        policy = self.policy
        for attempt in range(policy.retries + 1):
            last_try = attempt == policy.retries
            try:
                raw = self._send(url, accept)
            except (OfflineError, FetchTimeout):
                if last_try:
                    raise
                self.sleep(policy.backoff_s * 2**attempt)
                continue
            if raw.status_code < 400:
                return raw
            status, phrase = raw.status_code, raw.reason or ""
            wait = retry_after_seconds(raw.headers.get("retry-after"), self.now())
            raw.close()
            where = "" if url == requested else f" (at {url})"
            if status not in RETRY_STATUSES or last_try:
                tries = f" after {attempt + 1} attempts" if attempt else ""
                raise HTTPStatusError(requested, status, f"HTTP {status} {phrase}{where}{tries}".rstrip())
            if wait is not None and wait > policy.max_retry_after_s:
                raise HTTPStatusError(
                    requested, status,
                    f"HTTP {status}{where}: server asks to retry after {wait:.0f} s, "
                    f"more than max_retry_after_s={policy.max_retry_after_s:.0f}",
                )
            self.sleep(wait if wait is not None else policy.backoff_s * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(self, url: str, accept: str | None) -> requests.Response:
        self._wait_for_turn(host_of(url))
        headers = {"Accept": accept} if accept else {}
        timeout = (self.policy.connect_timeout_s, self.policy.read_timeout_s)
        try:
            return self.session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        except requests.exceptions.ConnectTimeout as error:
            raise FetchTimeout(url, f"no connection within {self.policy.connect_timeout_s} s") from error
        except requests.exceptions.ReadTimeout as error:
            raise FetchTimeout(url, f"no answer within {self.policy.read_timeout_s} s") from error
        except requests.exceptions.ConnectionError as error:
            raise OfflineError(url, f"cannot connect ({_root_cause(error)})") from error
        except requests.exceptions.RequestException as error:
            raise FetchError(url, f"request failed ({_root_cause(error)})") from error

    def _wait_for_turn(self, host: str) -> None:
        """Keep at least min_interval_s between two requests to the same host."""
        last = self._last_request.get(host)
        if last is not None:
            remaining = self.policy.min_interval_s - (self.clock() - last)
            if remaining > 0:
                self.sleep(remaining)
        self._last_request[host] = self.clock()

    def _read_body(self, requested: str, final_url: str, raw: requests.Response, max_bytes: int) -> Response:
        declared = raw.headers.get("content-length")
        encoded = raw.headers.get("content-encoding", "identity").lower() not in ("", "identity")
        if declared and declared.isdigit() and not encoded and int(declared) > max_bytes:
            raw.close()
            raise TooLarge(requested, f"Content-Length {declared} bytes exceeds the cap of {max_bytes} bytes")
        chunks: list[bytes] = []
        received = 0
        try:
            # iter_content decodes gzip/deflate chunk by chunk: the cap counts decoded bytes.
            for chunk in raw.iter_content(CHUNK_BYTES):
                received += len(chunk)
                if received > max_bytes:
                    raise TooLarge(requested, f"body exceeds the cap of {max_bytes} bytes (decoded)")
                chunks.append(chunk)
        except requests.exceptions.ChunkedEncodingError as error:
            raise TruncatedBody(
                requested, f"connection closed after {received} bytes, before the announced {declared or '?'}"
            ) from error
        except requests.exceptions.ConnectionError as error:
            if isinstance(_innermost(error), TimeoutError) or "timed out" in str(error):
                raise FetchTimeout(requested, f"body stalled for more than {self.policy.read_timeout_s} s") from error
            raise TruncatedBody(requested, f"connection broken after {received} bytes ({_root_cause(error)})") from error
        except requests.exceptions.ContentDecodingError as error:
            raise ContentError(requested, f"body cannot be decompressed ({_root_cause(error)})") from error
        finally:
            raw.close()
        headers = {key.lower(): value for key, value in raw.headers.items()}
        retrieved_at = self.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
        return Response(requested, final_url, raw.status_code, headers, b"".join(chunks), retrieved_at)


def _innermost(error: BaseException) -> BaseException:
    while error.__cause__ is not None or (error.args and isinstance(error.args[0], BaseException)):
        error = error.__cause__ or error.args[0]
    return error


def _root_cause(error: BaseException) -> str:
    """The innermost exception, e.g. 'ConnectionRefusedError: [Errno 111] Connection refused'."""
    inner = _innermost(error)
    return f"{type(inner).__name__}: {inner}"
