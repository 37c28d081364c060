"""Malformed, oversized and idle requests leave `mln web` answering everyone else.

Before, `Content-Length: -1` made the server read without limit (150 MiB raised it from
58 to 212 MB), a non-numeric length or a NUL in the path got an empty reply from an
uncaught exception, and idle connections stayed open for ever, one thread each: with
`ulimit -n 48`, 49 of them locked out a normal client. Now the list endpoints are a WSGI
app under waitress, with size limits, a socket timeout and a bounded pool. Against a
running `mln web --only lists`, talking raw HTTP over a socket.
"""

from __future__ import annotations

import resource
import socket

import pytest
from web.web_helpers import (
    ANSWER_TIMEOUT,
    fetch,
    raw_request,
    read_until_closed,
    status_of,
)

HEAD = b"POST /unsubscribe/not-a-token HTTP/1.1\r\nHost: mln.example.org\r\n"
MALFORMED = {
    "negative Content-Length": (HEAD + b"Content-Length: -1\r\n\r\nList-Unsubscribe=One-Click", 400),
    "non-numeric Content-Length": (HEAD + b"Content-Length: twenty\r\n\r\nList-Unsubscribe=One-Click", 400),
    "two Content-Lengths": (HEAD + b"Content-Length: 26\r\nContent-Length: 5\r\n\r\nList-Unsubscribe=One-Click", 400),
    "a NUL byte in the path": (b"GET /unsubscribe/\x00 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 400),
    "an encoded NUL in the path": (b"GET /unsubscribe/%00abc HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 400),
    "a control character in the path": (
        b"GET /confirm/%0d%0aSet-Cookie:x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        400,
    ),
    "a 150 MiB body announced": (HEAD + b"Content-Length: 157286400\r\n\r\n" + b"x" * 65536, 413),
    "a chunked body past the limit": (
        HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"10000\r\n" + b"x" * 65536 + b"\r\n",
        413,
    ),
    "a 64 KiB header": (b"GET / HTTP/1.1\r\nHost: t\r\nX-Padding: " + b"p" * 65536 + b"\r\n\r\n", 431),
    "not HTTP at all": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n", 400),
}


@pytest.fixture
def lists_web(web_world, start_web):
    return start_web(web_world, "--only", "lists")


def still_answers(web) -> None:
    """Another client is answered (a GET of a made-up unsubscribe link: a plain refusal)."""
    status, _, body = fetch(f"{web.url}unsubscribe/some-token")
    assert status == 400 and "This link cannot be used" in body


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_request_gets_an_error_and_others_are_answered(lists_web, name):
    request, expected = MALFORMED[name]

    answer = raw_request(lists_web.port, request)

    assert status_of(answer) == expected, answer[:200]
    still_answers(lists_web)


def test_150_mib_after_a_negative_length_is_never_read_into_memory(lists_web):
    before = lists_web.rss_kib()
    with socket.create_connection(("127.0.0.1", lists_web.port), timeout=ANSWER_TIMEOUT) as conn:
        conn.sendall(HEAD + b"Content-Length: -1\r\n\r\n")
        answer = conn.recv(65536)
        sent = _send_until_refused(conn, 150 * 1024 * 1024)

    assert status_of(answer) == 400
    assert lists_web.rss_kib() - before < 32 * 1024, f"grew by {lists_web.rss_kib() - before} KiB after {sent} bytes"
    still_answers(lists_web)


def _send_until_refused(conn: socket.socket, total: int) -> int:
    block, sent = b"x" * (1024 * 1024), 0
    try:
        while sent < total:
            conn.sendall(block)
            sent += len(block)
    except OSError:  # the server closed the connection: it reads no more of it
        pass
    return sent


def test_idle_connections_do_not_lock_out_a_client(lists_web):
    idle = [socket.create_connection(("127.0.0.1", lists_web.port), timeout=ANSWER_TIMEOUT) for _ in range(60)]
    try:
        still_answers(lists_web)
    finally:
        for conn in idle:
            conn.close()


def test_with_few_file_descriptors_idle_connections_are_closed_and_a_client_still_answered(web_world, start_web):
    """The issue's case: `ulimit -n 48` and more idle connections than that. The server accepts at most
    [web] max_connections and closes a connection idle for [web] timeout seconds."""
    web = start_web(
        web_world,
        "--only",
        "lists",
        extra_env={"MLN_WEB_TIMEOUT": "1", "MLN_WEB_MAX_CONNECTIONS": "20"},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48)),
    )
    idle = [socket.create_connection(("127.0.0.1", web.port), timeout=ANSWER_TIMEOUT) for _ in range(60)]
    try:
        still_answers(web)
        assert read_until_closed(idle[0]) == b""  # the server hung up on it: idle too long
    finally:
        for conn in idle:
            conn.close()
