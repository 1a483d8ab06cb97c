"""Polite fetching, shared by every live source: one `Fetcher` per collection.

What "polite" means here, in the order a request meets it:
- a User-Agent naming the project and a contact (`fetch.contact` in params.yaml);
  Wikimedia's User-Agent policy asks for one, so without a contact nothing is
  fetched from its hosts (`ContactRequired`);
- only hosts the source's configuration allows, also after every redirect hop;
- robots.txt obeyed for our User-Agent (a robots.txt that answers 404 allows all;
  any other failure to read it means we do not fetch);
- at most one request per host every `min_interval_s` seconds;
- connect and read timeouts, and a total deadline per request (`total_timeout_s`):
  a server that trickles its headers or body a byte at a time is cut off when it
  passes, and that request is not tried again;
- retries with exponential backoff on 429, 5xx, broken connections, timeouts and
  bodies cut short, waiting what `Retry-After` asks when the server says so; every
  wait and every try counts against one deadline for the whole collect of the
  source (`collect_timeout_s`, from the Fetcher's first request): a wait that would
  pass it gives up at once;
- a size cap counted on the *decoded* body while it streams, so a gzip bomb or an
  endless body is cut off early instead of filling memory;
- conditional requests: a URL whose body an earlier snapshot holds (`StoredCopy`,
  given by collect) is asked for with If-None-Match / If-Modified-Since, and a
  304 Not Modified answer gives that stored body back (status 304).

Build a Fetcher from params.yaml with `fetcher_for(sources.<name>, fetch)`.

Every failure is a `FetchError` subclass whose message names the URL and the reason.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

PROJECT = "modelscale"
COLLECTOR_VERSION = "0.3.0"  # bump when collection behaviour changes; recorded in metadata.json
# Hosts whose operator asks every client for a contact in its User-Agent (meta.wikimedia.org/wiki/User-Agent_policy).
CONTACT_REQUIRED_DOMAINS = ("wikipedia.org", "wikimedia.org", "wikidata.org")
# A contact is a URL or an e-mail address, nothing that could end the header or its comment.
CONTACT = re.compile(r"(https?://[^\s;()]+|(mailto:)?[^\s@;()]+@[^\s@;()]+\.[^\s@;()]+)")

VALIDATORS = ("etag", "last-modified")  # what a 304 may update of the stored copy's headers
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512_000
CHUNK_BYTES = 64 * 1024


class FetchError(Exception):
    """A URL could not be fetched as required; the message says which URL and why."""

    retryable = False  # whether trying the same request again may succeed

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason

    def after_attempts(self, attempts: int) -> FetchError:
        """This error, its message saying how many attempts were made (when more than one)."""
        if attempts > 1:
            self.reason = f"{self.reason} (after {attempts} attempts)"
            self.args = (f"{self.url}: {self.reason}",)
        return self


class OfflineError(FetchError):
    """No connection could be made (host down, port closed, no network)."""

    retryable = True


class FetchTimeout(FetchError):
    """The server did not answer, or stopped sending, within the timeout."""

    retryable = True


class DeadlineExceeded(FetchTimeout):
    """A request took longer than total_timeout_s, or the collect would pass collect_timeout_s."""

    retryable = False  # the time it was given is spent

    def __init__(self, url: str, reason: str, whole_collect: bool = False):
        super().__init__(url, reason)
        self.whole_collect = whole_collect  # the source's collect_timeout_s ran out, not one request's time


class HTTPStatusError(FetchError):
    """The server answered with an error status (after any retries)."""

    def __init__(self, url: str, status: int, reason: str, retry_after_s: float | None = None,
                 retryable: bool = False):
        super().__init__(url, reason)
        self.status = status
        self.retry_after_s = retry_after_s  # what the server's Retry-After asks, if anything
        self.retryable = retryable


class RobotsDisallowed(FetchError):
    """robots.txt forbids the URL, or could not be read (so we do not fetch)."""


class HostNotAllowed(FetchError):
    """The URL, or a redirect target, is on a host the source does not allow."""


class TooLarge(FetchError):
    """The (decoded) body exceeds the size cap."""


class TruncatedBody(FetchError):
    """The connection ended before the announced Content-Length was received."""

    retryable = True


class ContactRequired(FetchError):
    """The host asks for a contact in the User-Agent, and none is configured."""


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
    total_timeout_s: float = 60.0  # one request, from sending it to the last byte of its body
    collect_timeout_s: float = 120.0  # every request, retry and wait of one collect (not 4 x 60 s and backoff)
    retries: int = 3
    backoff_s: float = 2.0
    max_retry_after_s: float = 300.0
    contact: str | None = None  # where the operator of a site can reach us (`fetch.contact`)

    def __post_init__(self) -> None:
        if self.contact is not None and not CONTACT.fullmatch(self.contact):
            raise ValueError(f"fetch.contact must be a URL (https://…) or an e-mail address, got {self.contact!r}")

    @classmethod
    def from_config(cls, config: dict[str, Any], fetch_params: dict[str, Any] | None = None) -> FetchPolicy:
        """The policy of a source's section of params.yaml; the contact from the `fetch` section."""
        keys = ("max_bytes", "min_interval_s", "connect_timeout_s", "read_timeout_s", "total_timeout_s",
                "collect_timeout_s", "retries", "backoff_s", "max_retry_after_s")
        chosen = {key: config[key] for key in keys if key in config}
        contact = str((fetch_params or {}).get("contact") or "").strip() or None
        return cls(allowed_hosts=tuple(config["allowed_hosts"]), contact=contact, **chosen)

    @property
    def user_agent(self) -> str:
        about = "; ".join(filter(None, (self.contact, "open dataset of ML model scale")))
        return f"{PROJECT}/{COLLECTOR_VERSION} ({about}) python-requests/{requests.__version__}"


def fetcher_for(source_config: dict[str, Any], fetch_params: dict[str, Any] | None) -> Fetcher:
    """The Fetcher of one source's collect: its `sources.<name>` section and the `fetch` section of params.yaml."""
    return Fetcher(FetchPolicy.from_config(source_config, fetch_params))


def needs_contact(host: str) -> bool:
    return any(host == domain or host.endswith(f".{domain}") for domain in CONTACT_REQUIRED_DOMAINS)


@dataclass(frozen=True)
class StoredCopy:
    """A body an earlier snapshot holds, with its file record in that snapshot's metadata.json."""

    snapshot: str  # the date of that snapshot
    record: dict[str, Any]
    body: bytes

    def conditional_headers(self) -> dict[str, str]:
        validators = {"If-None-Match": self.record.get("etag"), "If-Modified-Since": self.record.get("last_modified")}
        return {name: value for name, value in validators.items() if value}


@dataclass(frozen=True)
class Response:
    """A complete, size-checked response body and what metadata.json records of it."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    retrieved_at: str
    revalidated_from: str | None = None  # status 304: the date of the snapshot whose body this is

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def file_record(self, path: str) -> dict[str, Any]:
        """What metadata.json records of the file saved from this response."""
        record = {
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
        if self.headers.get("link"):  # a paged API's next page: a 304 need not repeat it
            record["link"] = self.headers["link"]
        return {**record, "revalidated_from": self.revalidated_from} if self.revalidated_from else record


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


class DeadlineWatch:
    """Shuts down the socket of the request in flight when that request's deadline passes.

    Socket timeouts bound each read, not their sum: a server that sends one byte every
    two seconds never trips a 5 s read timeout. Shut down from this timer's thread, the
    socket ends the read blocked on it at once, in the headers as in the body.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._armings = 0  # how many times armed
        self._armed = 0  # which arming is current (0: none): a timer of an earlier one does nothing
        self.expired = False

    @contextmanager
    def armed(self, seconds: float) -> Iterator[DeadlineWatch]:
        """Watch the sockets read from inside this block; shut them down after seconds."""
        with self._lock:
            self._armings += 1
            arming = self._armed = self._armings
            self._sockets, self.expired = [], False
        timer = threading.Timer(max(seconds, 0.0), self._expire, args=(arming,))
        timer.daemon = True
        timer.start()
        try:
            yield self
        finally:
            timer.cancel()
            with self._lock:
                self._armed, self._sockets = 0, []

    def reading(self, sock: socket.socket | None) -> None:
        """A connection is about to read a response from sock."""
        with self._lock:
            if not self._armed or sock is None:
                return
            self._sockets.append(sock)
            late = self.expired
        if late:
            _shut_down(sock)

    def _expire(self, arming: int) -> None:
        with self._lock:
            if arming != self._armed:
                return
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut_down(sock)


def _shut_down(sock: socket.socket) -> None:
    try:
        # socket.socket's own shutdown: SSLSocket's would drop its TLS state under the thread reading it.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:  # closed already
        pass


def _watched_pool(pool: type[HTTPConnectionPool], watch: DeadlineWatch) -> type[HTTPConnectionPool]:
    """pool, its connections showing watch the socket of every response they read (new or reused)."""

    class WatchedConnection(pool.ConnectionCls):  # type: ignore[name-defined, misc]
        def getresponse(self, *args: Any, **kwargs: Any) -> Any:
            watch.reading(self.sock)
            return super().getresponse(*args, **kwargs)

    return type(f"Watched{pool.__name__}", (pool,), {"ConnectionCls": WatchedConnection})


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections (direct or through an HTTP proxy) under a DeadlineWatch."""

    def __init__(self, watch: DeadlineWatch):
        self._pools = {"http": _watched_pool(HTTPConnectionPool, watch),
                       "https": _watched_pool(HTTPSConnectionPool, watch)}
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS managers bring pools of their own
            manager.pool_classes_by_scheme = self._pools
        return manager


@dataclass
class Fetcher:
    """GETs URLs under one `FetchPolicy`, for one collect: collect_timeout_s counts from its first
    request. One thread at a time. `sleep`, `clock` and `now` are injectable for tests."""

    policy: FetchPolicy
    session: requests.Session = field(default_factory=requests.Session)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    _last_request: dict[str, float] = field(default_factory=dict, init=False)
    _robots: dict[str, urllib.robotparser.RobotFileParser] = field(default_factory=dict, init=False)
    _watch: DeadlineWatch = field(default_factory=DeadlineWatch, init=False)
    _collect_deadline: float | None = field(default=None, init=False)
    # Bodies of an earlier snapshot by requested URL: asked for conditionally (set by collect).
    stored: dict[str, StoredCopy] = field(default_factory=dict, init=False)
    # Each origin's robots.txt as read (by its URL): collect keeps them beside the snapshot, so the next
    # collect asks for them conditionally too.
    robots_read: dict[str, Response] = field(default_factory=dict, init=False)

    @property
    def user_agent(self) -> str:
        return self.policy.user_agent

    def __post_init__(self) -> None:
        self.session.headers["User-Agent"] = self.user_agent
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        adapter = WatchedAdapter(self._watch)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get(self, url: str, *, accept: str | None = None) -> Response:
        """The body of url, after robots.txt, host, redirect and size checks."""
        if self._collect_deadline is None:
            self._collect_deadline = self.clock() + self.policy.collect_timeout_s
        self._require_allowed_host(url, url)
        self._require_robots_allow(url)
        return self._get_following_redirects(url, accept=accept, max_bytes=self.policy.max_bytes,
                                             stored=self.stored.get(url))

    # -- checks ---------------------------------------------------------------

    def _require_allowed_host(self, requested: str, url: str) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise HostNotAllowed(requested, f"scheme '{scheme}' of {url} is not http(s)")
        if host_of(url) not in self.policy.allowed_hosts:
            allowed = ", ".join(self.policy.allowed_hosts)
            raise HostNotAllowed(requested, f"host '{host_of(url)}' of {url} is not in allowed_hosts ({allowed})")
        if self.policy.contact is None and needs_contact(host_of(url)):
            raise ContactRequired(requested, f"Wikimedia's User-Agent policy asks for a contact, and none is "
                                             f"configured: set fetch.contact in params.yaml (a URL or an e-mail "
                                             f"address where you can be reached); nothing fetched from {host_of(url)}")

    def _require_robots_allow(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        if not self._robots[origin].can_fetch(self.user_agent, url):
            raise RobotsDisallowed(url, f"robots.txt of {origin} disallows this URL for {PROJECT}")

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser:
        robots_url = f"{origin}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        try:
            response = self._get_following_redirects(robots_url, accept="text/plain", max_bytes=ROBOTS_MAX_BYTES,
                                                     stored=self.stored.get(robots_url))
        except HTTPStatusError as error:  # offline or timeout: that error itself, naming robots.txt
            if error.status == 404:  # no robots.txt: everything is allowed
                parser.parse([])
                return parser
            raise RobotsDisallowed(robots_url, f"robots.txt could not be read ({error.reason}); not fetching") from error
        self.robots_read[robots_url] = response
        parser.parse(response.text().splitlines())
        return parser

    # -- transport ------------------------------------------------------------

    def _get_following_redirects(self, url: str, *, accept: str | None, max_bytes: int,
                                 stored: StoredCopy | None = None) -> Response:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._exchange_with_retries(url, current, accept=accept, max_bytes=max_bytes, stored=stored)
            if isinstance(answer, Response):
                return answer
            current = urljoin(current, answer)
            self._require_allowed_host(url, current)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _exchange_with_retries(self, requested: str, url: str, *, accept: str | None,
                               max_bytes: int, stored: StoredCopy | None) -> Response | str:
        """`_exchange`, tried again after a retryable error while attempts and the collect's time last."""
        policy = self.policy
        for attempt in range(policy.retries + 1):
            try:
                return self._exchange(requested, url, accept=accept, max_bytes=max_bytes, stored=stored)
            except FetchError as error:
                if not error.retryable or attempt == policy.retries:
                    raise error.after_attempts(attempt + 1)
                asked = getattr(error, "retry_after_s", None)
                wait = policy.backoff_s * 2**attempt if asked is None else asked
                self._pause(wait, requested, f"{error.reason}; retrying")
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _exchange(self, requested: str, url: str, *, accept: str | None, max_bytes: int,
                  stored: StoredCopy | None) -> Response | str:
        """One request and its whole answer, within its deadline: the Response, or where it redirects to.
        With a stored copy the request is conditional, and 304 Not Modified gives the stored body."""
        self._wait_for_turn(url)
        deadline = min(self.clock() + self.policy.total_timeout_s, self._collect_deadline)
        if deadline <= self.clock():
            raise self._deadline_passed(requested, deadline)
        with self._watch.armed(deadline - self.clock()) as watch:
            try:
                raw = self._send(url, accept, deadline, stored.conditional_headers() if stored else {})
                if raw.is_redirect:
                    raw.close()
                    return raw.headers.get("location", "")
                if raw.status_code == 304:
                    return self._not_modified(requested, url, raw, stored)
                if raw.status_code >= 400:
                    raise self._status_error(requested, url, raw)
                response = self._read_body(requested, url, raw, max_bytes)
            except FetchError as error:
                if watch.expired or self.clock() >= deadline:  # whatever broke, the deadline broke it
                    raise self._deadline_passed(requested, deadline) from error
                raise
            if watch.expired:  # a body without Content-Length seems complete where the watch cut it
                raise self._deadline_passed(requested, deadline)
        return response

    def _deadline_passed(self, url: str, deadline: float) -> DeadlineExceeded:
        if deadline == self._collect_deadline:
            return DeadlineExceeded(url, f"the collect of this source ran out of its collect_timeout_s="
                                         f"{self.policy.collect_timeout_s:g} s", whole_collect=True)
        return DeadlineExceeded(url, f"no complete answer within total_timeout_s={self.policy.total_timeout_s:g} s")

    def _status_error(self, requested: str, url: str, raw: requests.Response) -> HTTPStatusError:
        """The error of an answer with status >= 400: retryable when its status is, unless the server
        asks to wait longer than max_retry_after_s."""
        status, phrase = raw.status_code, raw.reason or ""
        wait = retry_after_seconds(raw.headers.get("retry-after"), self.now())
        raw.close()
        where = "" if url == requested else f" (at {url})"
        limit = self.policy.max_retry_after_s
        if status in RETRY_STATUSES and wait is not None and wait > limit:
            return HTTPStatusError(requested, status, f"HTTP {status}{where}: server asks to retry after {wait:.0f} s, "
                                                      f"more than max_retry_after_s={limit:.0f}")
        return HTTPStatusError(requested, status, f"HTTP {status} {phrase}{where}".rstrip(), retry_after_s=wait,
                               retryable=status in RETRY_STATUSES)

    def _not_modified(self, requested: str, url: str, raw: requests.Response,
                      stored: StoredCopy | None) -> Response:
        """The stored copy, as the answer 304 Not Modified confirms; its validators updated when the 304 sends new ones."""
        raw.close()
        if stored is None:
            raise ContentError(requested, f"HTTP 304 Not Modified{'' if url == requested else f' (at {url})'} "
                                          "to a request that was not conditional")
        record = stored.record
        headers = {"content-type": record.get("content_type") or "", "etag": record.get("etag"),
                   "last-modified": record.get("last_modified"), "link": record.get("link")}
        headers.update({key.lower(): value for key, value in raw.headers.items() if key.lower() in VALIDATORS})
        headers = {key: value for key, value in headers.items() if value}
        return Response(requested, url, 304, headers, stored.body, self._timestamp(), revalidated_from=stored.snapshot)

    def _timestamp(self) -> str:
        return self.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")

    def _send(self, url: str, accept: str | None, deadline: float,
              conditional: dict[str, str]) -> requests.Response:
        headers = {"Accept": accept, **conditional} if accept else dict(conditional)
        left = max(deadline - self.clock(), 0.001)
        timeout = (min(self.policy.connect_timeout_s, left), min(self.policy.read_timeout_s, left))
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

    def _pause(self, seconds: float, url: str, why: str) -> None:
        """Sleep seconds, unless that would pass the collect's deadline: then give up at once."""
        if self.clock() + seconds >= self._collect_deadline:
            raise DeadlineExceeded(url, f"{why} in {seconds:g} s would pass collect_timeout_s="
                                        f"{self.policy.collect_timeout_s:g} s; giving up", whole_collect=True)
        self.sleep(seconds)

    def _wait_for_turn(self, url: str) -> None:
        """Keep at least min_interval_s between two requests to the same host."""
        host = host_of(url)
        last = self._last_request.get(host)
        if last is not None:
            remaining = self.policy.min_interval_s - (self.clock() - last)
            if remaining > 0:
                self._pause(remaining, url, f"the next request to {host}")
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
        return Response(requested, final_url, raw.status_code, headers, b"".join(chunks), self._timestamp())


def _innermost(error: BaseException) -> BaseException:
    while error.__cause__ is not None or (error.args and isinstance(error.args[0], BaseException)):
        error = error.__cause__ or error.args[0]
    return error


def _root_cause(error: BaseException) -> str:
    """The innermost exception, e.g. 'ConnectionRefusedError: [Errno 111] Connection refused'."""
    inner = _innermost(error)
    return f"{type(inner).__name__}: {inner}"
