"""A real HTTP server on 127.0.0.1 for network tests: recorded bodies and scripted faults.

    with LoopbackServer({"/data.csv": Route(body=b"a,b\\n1,2\\n")}) as server:
        url = server.url("/data.csv")
        ...
        assert server.count("/data.csv") == 1

A route may also be a list of Routes: they are served in turn, the last one repeating
(e.g. a 429 first, then the body). A route keyed by a path with its query
("/api/models?author=x&cursor=2") serves that exact request target and wins over the
path's own route (an API whose pages differ only by query). Paths without a route
answer 404, robots.txt included. `targets` keeps every request target, query included.
A route with an `etag` and/or `last_modified` sends them, and answers a conditional
request that matches (If-None-Match, or else If-Modified-Since not older) with 304 Not
Modified, no body.
Waits (`delay_s`, `trickle_s`) end when the server stops, so a test never waits for them.
`silent_server()` is a port that accepts connections and never answers.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import socket
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema


@dataclass(frozen=True)
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait before answering (slow server)
    declared_length: int | None = None  # Content-Length to announce, when not len(body); -1: none (ends at close)
    gzip_body: bool = False  # send body gzip-compressed with Content-Encoding: gzip
    trickle_s: float = 0.0  # send the body one byte at a time, this long apart (a server that never quite stalls)
    trickle_headers: bool = False  # with trickle_s: the status line and headers too
    etag: str | None = None  # sent as ETag; If-None-Match naming it gets 304
    last_modified: str | None = None  # an HTTP-date sent as Last-Modified; If-Modified-Since not older gets 304

    def not_modified(self, headers) -> bool:
        """Whether a request with these headers is answered 304 (RFC 9110: If-None-Match, when sent, decides)."""
        if self.status != 200:
            return False
        if headers.get("If-None-Match") is not None:
            sent = [tag.strip() for tag in headers["If-None-Match"].split(",")]
            return self.etag is not None and (self.etag in sent or "*" in sent)
        since = headers.get("If-Modified-Since")
        if since is None or self.last_modified is None:
            return False
        try:
            return email.utils.parsedate_to_datetime(self.last_modified) <= email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False


def gzip_bomb(decoded_bytes: int) -> bytes:
    """A small gzip stream that decodes to decoded_bytes zero bytes (built without holding them)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: gzip container
    block = b"\0" * 1_048_576
    parts = [compressor.compress(block) for _ in range(decoded_bytes // len(block))]
    return b"".join(parts) + compressor.flush()


class LoopbackServer:
    def __init__(self, routes: dict[str, Route | list[Route]]):
        self.routes = dict(routes)
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, headers), in arrival order
        self.targets: list[str] = []  # each request's path with its query, in arrival order
        self._served: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self, path: str | None = None) -> int:
        """Requests received for path (all paths when None)."""
        with self._lock:
            return sum(1 for seen, _ in self.requests if path is None or seen == path)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next_route(self, path: str, target: str) -> Route:
        with self._lock:
            key = target if target in self.routes else path
            route = self.routes.get(key, Route(status=404, body=b"not found"))
            if isinstance(route, list):
                index = min(self._served[key], len(route) - 1)
                route = route[index]
            self._served[key] += 1
            return route

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = urlsplit(self.path).path
                with server._lock:
                    server.requests.append((path, dict(self.headers)))
                    server.targets.append(self.path)
                route = server._next_route(path, self.path)
                if route.delay_s and server._stopping.wait(route.delay_s):
                    return
                not_modified = route.not_modified(self.headers)
                body = b"" if not_modified else gzip.compress(route.body) if route.gzip_body else route.body
                self.send_response(304 if not_modified else route.status)
                self.send_header("Content-Type", route.content_type)
                if route.gzip_body and not not_modified:
                    self.send_header("Content-Encoding", "gzip")
                length = len(body) if route.declared_length is None or not_modified else route.declared_length
                if length >= 0:
                    self.send_header("Content-Length", str(length))
                validators = {"ETag": route.etag, "Last-Modified": route.last_modified}
                for name, value in [*validators.items(), *route.headers.items()]:
                    if value is None:
                        continue
                    self.send_header(name, value)
                self.send_header("Connection", "close")
                if route.trickle_headers:  # keep the headers to trickle them with the body
                    body, self._headers_buffer = b"".join(self._headers_buffer) + b"\r\n" + body, []
                else:
                    self.end_headers()
                try:
                    if route.trickle_s:
                        self._trickle(body, route.trickle_s)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # client gave up: expected in fault tests
                    pass
                self.close_connection = True

            def _trickle(self, data: bytes, interval_s: float) -> None:
                for position in range(len(data)):
                    self.wfile.write(data[position:position + 1])
                    if server._stopping.wait(interval_s):
                        return

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        return Handler


@contextmanager
def silent_server() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections (the kernel does, from its backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- helpers for snapshot assertions ----------------------------------------------

METADATA_SCHEMA = Path(__file__).resolve().parents[1] / "pipeline" / "schemas" / "snapshot_metadata.schema.json"


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path: equal digests = byte-identical trees."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(Path(root).rglob("*"))
        if path.is_file()
    }


def validate_all_metadata(root: Path) -> int:
    """Validate every metadata.json under root against the JSON Schema; return how many."""
    schema = json.loads(METADATA_SCHEMA.read_text(encoding="utf-8"))
    found = sorted(Path(root).rglob("metadata.json"))
    for path in found:
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)
        recorded = json.loads(path.read_text(encoding="utf-8"))["files"]
        for record in recorded:  # the recorded hash is the hash of the bytes on disk
            body = (path.parent / record["path"]).read_bytes()
            assert hashlib.sha256(body).hexdigest() == record["sha256"] and len(body) == record["size_bytes"]
    return len(found)
