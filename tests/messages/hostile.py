"""Generated broken and hostile MIME for the corpus run (issue 9), beside the real samples.

These are built at test time rather than committed: some are large (a 50 MB attachment)
and all are cheap to make. `hostile_messages()` yields (name, raw bytes) pairs; every one
must go through parse_mail, the rules and the handlers without an unhandled exception.

Tests load this file by path (see tests/mail/test_hostile_mime.py), as tests/messages/ is
a folder of samples, not a package.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

HEAD = "From: Hostile Sender <hostile@example.org>\r\nTo: mln@example.org\r\nDate: Mon, 28 Sep 2026 12:00:00 +0100\r\n"


def _msg(name: str, extra_headers: str, body: str | bytes) -> bytes:
    head = (HEAD + f"Subject: {name}\r\nMessage-ID: <{name}@hostile.example.org>\r\n" + extra_headers + "\r\n").encode()
    return head + (body if isinstance(body, bytes) else body.encode("latin-1"))


def nested_multipart(depth: int) -> bytes:
    """multipart/mixed inside multipart/mixed, `depth` levels down, a text part at the bottom."""
    opening = "".join(f'--b{i}\r\nContent-Type: multipart/mixed; boundary="b{i + 1}"\r\n\r\n' for i in range(depth))
    closing = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(depth + 1)))
    body = opening + f"--b{depth}\r\nContent-Type: text/plain\r\n\r\nbottom" + closing
    return _msg(f"nested-{depth}", 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b0"\r\n', body)


def many_headers(count: int = 10_000) -> bytes:
    extra = "".join(f"X-Filler-{i}: value {i}\r\n" for i in range(count))
    return _msg("many-headers", extra, "Body after ten thousand headers.\r\n")


def attachment(name: str, size: int, filename: str = "template.docx") -> bytes:
    """A multipart message carrying `size` bytes of attachment (0 allowed)."""
    data = base64.encodebytes(b"\0" * size).replace(b"\n", b"\r\n") if size else b""
    body = (
        b"--att\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--att\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n"
        + f'Content-Disposition: attachment; filename="{filename}"\r\n'.encode()
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + data
        + b"\r\n--att--\r\n"
    )
    return _msg(name, 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="att"\r\n', body)


def _simple(name: str, extra: str, body: str | bytes) -> Callable[[], bytes]:
    return lambda: _msg(name, extra, body)


MULTI = 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{}"\r\n'

# name -> builder; small enough to run in the ordinary suite
SMALL: dict[str, Callable[[], bytes]] = {
    "empty-file": lambda: b"",
    "only-crlf": lambda: b"\r\n\r\n",
    "random-binary": lambda: bytes(range(256)) * 64,
    "headers-only-no-blank-line": lambda: HEAD.encode(),
    "bare-lf-and-mixed-endings": lambda: _msg("mixed-endings", "", "line one\nline two\r\nline three\rend\n").replace(
        b"\r\n", b"\n", 3
    ),
    "nul-bytes": _simple("nul-bytes", "X-Nul: a\0b\r\n", "body\0with\0nuls\r\n"),
    "boundary-never-used": _simple(
        "boundary-never-used",
        MULTI.format("declared"),
        "--other\r\nContent-Type: text/plain\r\n\r\nhi\r\n--other--\r\n",
    ),
    "no-boundary-parameter": _simple(
        "no-boundary", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n", "--x\r\n\r\nhi\r\n--x--\r\n"
    ),
    "no-closing-boundary": _simple(
        "no-closing", MULTI.format("open"), "--open\r\nContent-Type: text/plain\r\n\r\nnever closed\r\n"
    ),
    "empty-multipart": _simple("empty-multipart", MULTI.format("e"), "--e--\r\n"),
    "unknown-charset": _simple(
        "unknown-charset",
        'Content-Type: text/plain; charset="x-no-such-charset"\r\nContent-Transfer-Encoding: 8bit\r\n',
        "caf\xe9\r\n",
    ),
    "utf7-charset": _simple("utf7", 'Content-Type: text/plain; charset="utf-7"\r\n', "+AKM-5 +- more\r\n"),
    "bad-base64": _simple(
        "bad-base64",
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n",
        "@@@not base64 at all===\r\nQUJD\r\nQQ\r\n",
    ),
    "bad-quoted-printable": _simple(
        "bad-qp", "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n", "=ZZ=\r\n=4\r\n=\r\n"
    ),
    "unknown-transfer-encoding": _simple(
        "unknown-cte", "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode-ish\r\n", "begin 644 x\r\n"
    ),
    "garbage-encoded-words": _simple(
        "garbage-ew", "X-Name: =?utf-8?B?####?= =?no-such?Q?x?= =?utf-8?Q?unterminated\r\n", "body\r\n"
    ),
    "broken-rfc2231-filename": lambda: attachment("broken-2231", 10).replace(
        b'filename="template.docx"', b"filename*0*=utf-8''Cyn%ZZ; filename*2=\"llun.docx\""
    ),
    "very-long-header-line": _simple("long-header", "X-Long: " + "a" * 200_000 + "\r\n", "body\r\n"),
    "undisclosed-recipients-group": lambda: _msg("group", "", "body\r\n").replace(
        b"To: mln@example.org", b"To: undisclosed-recipients:;"
    ),
    "thousand-recipients": lambda: _msg("many-to", "", "body\r\n").replace(
        b"To: mln@example.org", ("To: " + ", ".join(f"r{i}@example.org" for i in range(1000))).encode()
    ),
    "from-without-address": lambda: _msg("bad-from", "", "body\r\n").replace(
        b"<hostile@example.org>", b"<not an address>"
    ),
    "empty-message-rfc822": _simple(
        "empty-rfc822", MULTI.format("f"), "--f\r\nContent-Type: message/rfc822\r\n\r\n\r\n--f--\r\n"
    ),
    "truncated-message-rfc822": _simple(
        "truncated-rfc822",
        MULTI.format("g"),
        '--g\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@example.org\r\nContent-Type: multipart/mixed; boundary="h"\r\n\r\n--h\r\nContent-Type: text/plain\r\n\r\ncut',
    ),
    "content-type-without-subtype": _simple("no-subtype", "Content-Type: multipart/\r\n", "body\r\n"),
    "fake-delivery-status": _simple(
        "fake-dsn",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n',
        "--r\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\nFinal-Recipient: rfc822;\r\n\r\n--r--\r\n",
    ),
    "zero-byte-attachment": lambda: attachment("zero-byte-attachment", 0),
    "nested-100": lambda: nested_multipart(100),
    "many-headers-10000": many_headers,
}

# Big inputs: run with --slow (or explicitly) because they take seconds, not milliseconds.
LARGE: dict[str, Callable[[], bytes]] = {
    "nested-1000": lambda: nested_multipart(1000),
    "attachment-50mb": lambda: attachment("attachment-50mb", 50 * 1024 * 1024),
}


def hostile_messages(include_large: bool = False) -> Iterator[tuple[str, bytes]]:
    builders = {**SMALL, **(LARGE if include_large else {})}
    for name, build in builders.items():
        yield name, build()
