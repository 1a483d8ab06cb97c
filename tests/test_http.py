"""pipeline.http against a real server on 127.0.0.1: politeness and every failure kind."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from pipeline.http import (
    ContactRequired,
    ContentError,
    DeadlineExceeded,
    Fetcher,
    FetchPolicy,
    FetchTimeout,
    HostNotAllowed,
    HTTPStatusError,
    OfflineError,
    Response,
    RobotsDisallowed,
    StoredCopy,
    TooLarge,
    TruncatedBody,
    fetcher_for,
    host_of,
    retry_after_seconds,
)
from tests.httpserver import LoopbackServer, Route, closed_port, gzip_bomb, silent_server

BODY = b"Model,Parameters\nExample,1\n"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
CONTACT = "https://example.org/modelscale-contact"


def make_fetcher(sleeps: list[float], **overrides) -> Fetcher:
    settings = dict(allowed_hosts=("127.0.0.1",), max_bytes=1_000_000, min_interval_s=0.0,
                    connect_timeout_s=1.0, read_timeout_s=1.0, retries=2, backoff_s=1.0, contact=CONTACT)
    settings.update(overrides)
    return Fetcher(FetchPolicy(**settings), sleep=sleeps.append, now=lambda: NOW)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def test_sends_descriptive_user_agent_with_the_contact_and_reads_robots_first(sleeps):
    with LoopbackServer({"/data.csv": Route(body=BODY)}) as server:
        response = make_fetcher(sleeps).get(server.url("/data.csv"))
    assert response.body == BODY and response.status == 200
    assert [path for path, _ in server.requests] == ["/robots.txt", "/data.csv"]
    agents = {headers["User-Agent"] for _, headers in server.requests}
    assert len(agents) == 1 and agents.pop().startswith(f"modelscale/0.3.0 ({CONTACT}; ")


def test_fetcher_for_takes_the_contact_from_the_fetch_section(sleeps):
    source = {"allowed_hosts": ["127.0.0.1"], "min_interval_s": 0}
    with LoopbackServer({"/data.csv": Route(body=BODY)}) as server:
        fetcher_for(source, {"contact": "ops@example.org"}).get(server.url("/data.csv"))
    assert all("(ops@example.org; " in headers["User-Agent"] for _, headers in server.requests)
    assert "@" not in fetcher_for(source, {"contact": ""}).user_agent  # empty: no contact


@pytest.mark.parametrize("contact", ["not a contact", "https://x.org) evil/1.0 (", "a@b.org\r\nX-Injected: 1"])
def test_a_contact_that_is_no_url_or_address_is_refused(contact):
    """Hostile: a fetch.contact that is no URL or e-mail address, or would end the User-Agent header or its
    comment → refused before any request (ValueError)
    """
    with pytest.raises(ValueError, match="fetch.contact must be a URL"):
        fetcher_for({"allowed_hosts": ["127.0.0.1"]}, {"contact": contact})


@pytest.mark.parametrize("url", ["https://en.wikipedia.org/wiki/X", "https://upload.wikimedia.org/a.png",
                                 "https://wikipedia.org/"])
def test_wikimedia_hosts_are_refused_without_a_contact(sleeps, url):
    fetcher = make_fetcher(sleeps, contact=None, allowed_hosts=(host_of(url),))
    with pytest.raises(ContactRequired, match="set fetch.contact in params.yaml"):
        fetcher.get(url)  # refused before any connection: this test makes no request


def test_a_redirect_to_wikipedia_without_a_contact_is_refused(sleeps):
    redirect = Route(status=302, headers={"Location": "https://en.wikipedia.org/wiki/X"})
    with LoopbackServer({"/go": redirect}) as server:
        fetcher = make_fetcher(sleeps, contact=None, allowed_hosts=("127.0.0.1", "en.wikipedia.org"))
        with pytest.raises(ContactRequired):
            fetcher.get(server.url("/go"))
    assert "@" not in fetcher.user_agent and "modelscale/" in fetcher.user_agent


def stored_copy(url: str, **validators) -> StoredCopy:
    record = {"url": url, "final_url": url, "content_type": "text/csv", "etag": None, "last_modified": None,
              **validators}
    return StoredCopy("2026-11-01", record, BODY)


def test_a_stored_copy_is_asked_for_conditionally_and_a_304_gives_it_back(sleeps):
    route = Route(body=b"new body", etag='"v1"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT")
    with LoopbackServer({"/data.csv": route}) as server:
        fetcher = make_fetcher(sleeps)
        url = server.url("/data.csv")
        fetcher.stored = {url: stored_copy(url, etag='"v1"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT")}
        response = fetcher.get(url)
    headers = server.requests[-1][1]
    assert headers["If-None-Match"] == '"v1"' and headers["If-Modified-Since"] == "Sun, 01 Nov 2026 00:00:00 GMT"
    assert (response.status, response.body, response.revalidated_from) == (304, BODY, "2026-11-01")
    record = response.file_record("data.csv")
    assert record["http_status"] == 304 and record["revalidated_from"] == "2026-11-01"
    assert record["content_type"] == "text/csv" and record["etag"] == '"v1"'


def test_the_next_page_link_of_a_paged_answer_survives_a_304_that_does_not_repeat_it(sleeps):
    next_page = '<https://hub.example/api/models?cursor=2>; rel="next"'
    with LoopbackServer({"/page": Route(body=b"[]", etag='"p1"', headers={"Link": next_page})}) as server:
        fetcher = make_fetcher(sleeps)
        url = server.url("/page")
        first = fetcher.get(url)
        assert first.file_record("page.json")["link"] == next_page
        server.routes["/page"] = Route(body=b"[]", etag='"p1"')  # the 304 sends validators, no Link
        fetcher.stored = {url: StoredCopy("2026-11-01", first.file_record("page.json"), first.body)}
        again = fetcher.get(url)
    assert again.status == 304 and again.headers["link"] == next_page
    assert "link" not in Response(url, url, 200, {}, b"x", "2026-11-01T00:00:00Z").file_record("x")


def test_a_changed_resource_answers_200_to_the_conditional_request(sleeps):
    with LoopbackServer({"/data.csv": Route(body=b"new body", etag='"v2"')}) as server:
        fetcher = make_fetcher(sleeps)
        url = server.url("/data.csv")
        fetcher.stored = {url: stored_copy(url, etag='"v1"')}
        response = fetcher.get(url)
    assert server.requests[-1][1]["If-None-Match"] == '"v1"' and "If-Modified-Since" not in server.requests[-1][1]
    assert (response.status, response.body, response.revalidated_from) == (200, b"new body", None)
    assert "revalidated_from" not in response.file_record("data.csv")


def test_a_304_to_a_request_that_was_not_conditional_is_a_content_error(sleeps):
    """Hostile: HTTP 304 Not Modified to a request that was not conditional → ContentError, its empty body never
    saved as the file
    """
    with LoopbackServer({"/data.csv": Route(status=304)}) as server:
        with pytest.raises(ContentError, match="304 Not Modified to a request that was not conditional"):
            make_fetcher(sleeps).get(server.url("/data.csv"))


def test_robots_disallow_stops_before_the_request(sleeps):
    """Hostile: a robots.txt that disallows the path → no request for it (RobotsDisallowed)"""
    robots = Route(body=b"User-agent: *\nDisallow: /private/\n")
    with LoopbackServer({"/robots.txt": robots, "/private/data.csv": Route(body=BODY)}) as server:
        with pytest.raises(RobotsDisallowed, match="disallows"):
            make_fetcher(sleeps).get(server.url("/private/data.csv"))
    assert server.count("/private/data.csv") == 0


def test_robots_failure_other_than_404_means_no_fetch(sleeps):
    """Hostile: a robots.txt that answers HTTP 500 → nothing fetched from that host"""
    with LoopbackServer({"/robots.txt": Route(status=500), "/data.csv": Route(body=BODY)}) as server:
        with pytest.raises(RobotsDisallowed, match=r"robots.txt could not be read \(HTTP 500"):
            make_fetcher(sleeps, retries=0).get(server.url("/data.csv"))
    assert server.count("/data.csv") == 0


def test_429_waits_what_retry_after_asks(sleeps):
    """Hostile: HTTP 429 with Retry-After → waits what it asks, then fetches"""
    routes = {"/data.csv": [Route(status=429, headers={"Retry-After": "7"}), Route(body=BODY)]}
    with LoopbackServer(routes) as server:
        assert make_fetcher(sleeps).get(server.url("/data.csv")).body == BODY
    assert sleeps == [7.0]


def test_503_backs_off_exponentially_then_gives_up_naming_status_and_url(sleeps):
    """Hostile: a server that answers HTTP 503 every time → backs off (1 s, then 2 s) and gives up after 3
    attempts, naming the status and the URL
    """
    with LoopbackServer({"/data.csv": Route(status=503)}) as server:
        url = server.url("/data.csv")
        with pytest.raises(HTTPStatusError, match=r"HTTP 503 Service Unavailable \(after 3 attempts\)") as caught:
            make_fetcher(sleeps).get(url)
    assert sleeps == [1.0, 2.0] and caught.value.status == 503 and url in str(caught.value)


def test_retry_after_longer_than_allowed_gives_up(sleeps):
    """Hostile: a Retry-After of a day → gives up at once instead of waiting"""
    with LoopbackServer({"/data.csv": Route(status=429, headers={"Retry-After": "86400"})}) as server:
        with pytest.raises(HTTPStatusError, match="retry after 86400 s"):
            make_fetcher(sleeps).get(server.url("/data.csv"))
    assert sleeps == []


def test_client_error_is_not_retried(sleeps):
    """Hostile: HTTP 404 → one request, not retried"""
    with LoopbackServer({}) as server:
        with pytest.raises(HTTPStatusError, match="HTTP 404"):
            make_fetcher(sleeps).get(server.url("/missing.csv"))
    assert server.count("/missing.csv") == 1 and sleeps == []


def test_closed_port_is_offline(sleeps):
    """Hostile: a closed port → OfflineError after one retry"""
    url = f"http://127.0.0.1:{closed_port()}/data.csv"
    with pytest.raises(OfflineError, match="robots.txt: cannot connect"):
        make_fetcher(sleeps, retries=1).get(url)
    assert sleeps == [1.0]  # one retry, after backoff


def test_slow_server_times_out(sleeps):
    """Hostile: a server slower than read_timeout_s → FetchTimeout"""
    routes = {"/robots.txt": Route(status=404), "/data.csv": Route(body=BODY, delay_s=1.0)}
    with LoopbackServer(routes) as server:
        with pytest.raises(FetchTimeout, match="no answer within 0.2 s"):
            make_fetcher(sleeps, read_timeout_s=0.2, retries=0).get(server.url("/data.csv"))


# -- deadlines: a slow server costs the time it is given, not what it takes ---------------------


def timed_get(fetcher: Fetcher, url: str, error: type[Exception], match: str) -> float:
    """Seconds until fetcher.get(url) raised error (its message matching)."""
    started = time.monotonic()
    with pytest.raises(error, match=match):
        fetcher.get(url)
    return time.monotonic() - started


def test_body_trickled_a_byte_every_2_s_fails_at_the_request_deadline_and_is_not_tried_again(sleeps):
    routes = {"/robots.txt": Route(status=404), "/data.csv": Route(body=BODY, trickle_s=2.0)}
    with LoopbackServer(routes) as server:  # a read timeout of 5 s never trips: each byte comes within 2 s
        fetcher = make_fetcher(sleeps, read_timeout_s=5.0, total_timeout_s=3.0)
        elapsed = timed_get(fetcher, server.url("/data.csv"), DeadlineExceeded,
                            r"data.csv: no complete answer within total_timeout_s=3 s$")
    assert 3.0 <= elapsed < 3.5  # not len(BODY) x 2 s = 54 s
    assert server.count("/data.csv") == 1 and sleeps == []  # the time it was given is spent: no retry


def test_headers_trickled_fail_at_the_request_deadline(sleeps):
    routes = {"/robots.txt": Route(status=404), "/data.csv": Route(body=BODY, trickle_s=0.2, trickle_headers=True)}
    with LoopbackServer(routes) as server:
        fetcher = make_fetcher(sleeps, read_timeout_s=5.0, total_timeout_s=1.0)
        elapsed = timed_get(fetcher, server.url("/data.csv"), DeadlineExceeded, "total_timeout_s=1 s")
    assert 1.0 <= elapsed < 1.5  # the headers alone would take ~30 s


def test_body_without_length_cut_at_the_deadline_is_not_taken_for_a_whole_one(sleeps):
    routes = {"/robots.txt": Route(status=404), "/data.csv": Route(body=BODY, trickle_s=0.2, declared_length=-1)}
    with LoopbackServer(routes) as server:  # the body ends when the connection does: the cut looks like its end
        fetcher = make_fetcher(sleeps, total_timeout_s=1.0)
        elapsed = timed_get(fetcher, server.url("/data.csv"), DeadlineExceeded, "total_timeout_s=1 s")
    assert elapsed < 1.5


def test_server_that_never_answers_gives_up_at_the_collect_deadline():
    with silent_server() as port:  # connections are accepted, nothing is ever sent back
        fetcher = Fetcher(FetchPolicy(allowed_hosts=("127.0.0.1",), min_interval_s=0.0, connect_timeout_s=1.0,
                                      read_timeout_s=1.0, total_timeout_s=3.0, collect_timeout_s=4.0, retries=5,
                                      backoff_s=0.5))
        elapsed = timed_get(fetcher, f"http://127.0.0.1:{port}/data.csv", DeadlineExceeded,
                            r"robots.txt: the collect of this source ran out of its collect_timeout_s=4 s "
                            r"\(after 3 attempts\)$")  # 1 s, 0.5 s backoff, 1 s, 1 s backoff, the 0.5 s left
    assert 4.0 <= elapsed < 4.5  # 6 tries of 1 s and 15.5 s of backoff without it


def test_retry_after_beyond_the_collect_deadline_gives_up_without_waiting(sleeps):
    with LoopbackServer({"/data.csv": Route(status=503, headers={"Retry-After": "100"})}) as server:
        fetcher = make_fetcher(sleeps, collect_timeout_s=10.0)
        with pytest.raises(DeadlineExceeded, match=r"HTTP 503 Service Unavailable; retrying in 100 s would pass "
                                                   r"collect_timeout_s=10 s"):
            fetcher.get(server.url("/data.csv"))
    assert sleeps == [] and server.count("/data.csv") == 1


def test_deadline_of_one_request_does_not_reach_the_next(sleeps):
    with LoopbackServer({"/a.csv": Route(body=BODY), "/b.csv": Route(body=BODY, delay_s=0.3)}) as server:
        fetcher = make_fetcher(sleeps, total_timeout_s=0.5)
        fetcher.get(server.url("/a.csv"))
        time.sleep(0.6)  # a.csv's deadline passes here
        assert fetcher.get(server.url("/b.csv")).body == BODY


def test_body_shorter_than_content_length_is_truncated_after_every_retry(sleeps):
    """Hostile: a body shorter than its Content-Length, every time → TruncatedBody after 3 attempts"""
    with LoopbackServer({"/data.csv": Route(body=BODY, declared_length=len(BODY) + 500)}) as server:
        with pytest.raises(TruncatedBody, match=r"connection closed after .* \(after 3 attempts\)"):
            make_fetcher(sleeps).get(server.url("/data.csv"))
    assert server.count("/data.csv") == 3 and sleeps == [1.0, 2.0]


def test_body_cut_short_once_is_fetched_again(sleeps):
    """Hostile: a body cut short once → fetched again"""
    cut = Route(body=BODY, declared_length=len(BODY) + 500)
    with LoopbackServer({"/data.csv": [cut, Route(body=BODY)]}) as server:
        assert make_fetcher(sleeps).get(server.url("/data.csv")).body == BODY
    assert server.count("/data.csv") == 2 and sleeps == [1.0]


def test_declared_size_over_cap_is_refused_before_reading(sleeps):
    """Hostile: a Content-Length over the size cap → refused before the body is read"""
    with LoopbackServer({"/big.csv": Route(body=b"x" * 5_000)}) as server:
        with pytest.raises(TooLarge, match="Content-Length 5000 bytes exceeds the cap of 1000"):
            make_fetcher(sleeps, max_bytes=1_000).get(server.url("/big.csv"))


def test_gzip_is_decoded_and_gzip_bomb_is_cut_at_the_cap(sleeps):
    """Hostile: a 64 MB gzip bomb (under 200 kB on the wire) → cut at the size cap as it is decoded"""
    bomb = Route(body=gzip_bomb(64_000_000), headers={"Content-Encoding": "gzip"})
    with LoopbackServer({"/ok.csv": Route(body=BODY, gzip_body=True), "/bomb.csv": bomb}) as server:
        fetcher = make_fetcher(sleeps, max_bytes=1_000_000)
        assert fetcher.get(server.url("/ok.csv")).body == BODY
        assert len(bomb.body) < 200_000  # small on the wire
        with pytest.raises(TooLarge, match="exceeds the cap of 1000000 bytes \\(decoded\\)"):
            fetcher.get(server.url("/bomb.csv"))


def test_corrupt_gzip_is_a_content_error(sleeps):
    """Hostile: a body that claims gzip but is not → ContentError"""
    corrupt = Route(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with LoopbackServer({"/data.csv": corrupt}) as server:
        with pytest.raises(ContentError, match="cannot be decompressed"):
            make_fetcher(sleeps).get(server.url("/data.csv"))


def test_redirect_followed_within_allowed_hosts_only(sleeps):
    """Hostile: a redirect to a host not in allowed_hosts → HostNotAllowed, not followed"""
    with LoopbackServer({}) as server:
        server.routes.update({
            "/old.csv": Route(status=301, headers={"Location": "/new.csv"}),
            "/new.csv": Route(body=BODY),
            "/away.csv": Route(status=302, headers={"Location": f"http://localhost:{server.port}/new.csv"}),
        })
        fetcher = make_fetcher(sleeps)
        response = fetcher.get(server.url("/old.csv"))
        assert response.final_url == server.url("/new.csv") and response.url == server.url("/old.csv")
        with pytest.raises(HostNotAllowed, match="host 'localhost' .* not in allowed_hosts"):
            fetcher.get(server.url("/away.csv"))
    assert server.count("/new.csv") == 1


def test_start_url_on_other_host_is_refused_without_request(sleeps):
    """Hostile: a URL on a host not in allowed_hosts → refused without a request"""
    with pytest.raises(HostNotAllowed, match="'example.org'"):
        make_fetcher(sleeps).get("https://example.org/data.csv")


def test_rate_limit_spaces_requests_to_one_host(sleeps):
    clock = [100.0]
    fetcher = make_fetcher(sleeps, min_interval_s=2.0)
    fetcher.clock = lambda: clock[0]
    fetcher.sleep = lambda seconds: (sleeps.append(seconds), clock.__setitem__(0, clock[0] + seconds))
    with LoopbackServer({"/a.csv": Route(body=BODY), "/b.csv": Route(body=BODY)}) as server:
        fetcher.get(server.url("/a.csv"))  # robots.txt, then a.csv waits the full interval
        clock[0] += 0.5
        fetcher.get(server.url("/b.csv"))  # 0.5 s have passed: waits the rest
    assert sleeps == [2.0, 1.5]


def test_response_record_has_what_metadata_needs(sleeps):
    headers = {"ETag": '"abc"', "Last-Modified": "Fri, 14 Mar 2025 10:00:00 GMT"}
    with LoopbackServer({"/data.csv": Route(body=BODY, content_type="text/csv", headers=headers)}) as server:
        record = make_fetcher(sleeps).get(server.url("/data.csv")).file_record("data.csv")
    assert record["etag"] == '"abc"' and record["last_modified"].startswith("Fri, 14 Mar 2025")
    assert record["content_type"] == "text/csv" and record["size_bytes"] == len(BODY)
    assert record["retrieved_at"] == "2026-11-22T12:00:00Z"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Sun, 22 Nov 2026 12:01:00 GMT", 60.0), ("garbage", None), (None, None)],
)
def test_retry_after_header_forms(header, seconds):
    """Hostile: a Retry-After header that is garbage → ignored: the usual backoff applies"""
    assert retry_after_seconds(header, NOW) == seconds
