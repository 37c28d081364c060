"""Automatic replies are written without the email package's header objects (pipeline.compose.render_text_message).

They must be the very bytes build_message(...).as_bytes(policy=SMTP) gives (Date and
Message-ID aside, which differ on every call), for every subject, name, address, header
value and body, hostile or not: so the header-injection defences of build_message, and
the tests of it in tests/resilience/test_abuse.py and tests/outbox, hold for replies too.
"""

from __future__ import annotations

import dataclasses
import re
from email import message_from_bytes
from email.policy import SMTP, default
from email.utils import parseaddr

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pipeline.compose import build_message, render_text_message
from pipeline.config import Settings

PIECES = [
    "a",
    "Z",
    " ",
    "  ",
    ":",
    "@",
    ",",
    ";",
    "<",
    ">",
    "(",
    ")",
    '"',
    "'",
    "\\",
    ".",
    "=?",
    "?=",
    "\r",
    "\n",
    "\r\n",
    "\x00",
    "\t",
    "\x0b",
    "\u2028",
    "\x85",
    "Bcc: victim@evil.example",
    "\r\nBcc: victim@evil.example",
    "=?utf-8?q?=0D=0ABcc:_victim@evil.example?=",
    "Ann Leader",
    "O'Neil",
    "caf\u00e9",
    "\u00c5",
    "\u2026",
    "\U0001f600",
    "x" * 40,
    "Received: In-reach training for care home staff (CH-2026-014)",
]
nasty = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)
text = st.one_of(nasty, st.text(max_size=300))
body = st.one_of(
    st.lists(
        st.sampled_from(
            [
                "Thank you.",
                "",
                "A" * 77,
                "B" * 78,
                "C" * 79,
                "x " * 60,
                "caf\u00e9 " * 30,
                "\u00c5" * 50,
                "-- ",
                "From the start",
                "\t tab",
                "=",
                ".",
                "\r",
                "\x0c",
            ]
        ),
        max_size=25,
    ).map("\n".join),
    st.text(max_size=2000),
)
IDS = st.lists(
    st.sampled_from(
        [
            "<a@b>",
            "<bench-12@example.nhs.test>",
            "<" + "x" * 90 + "@example.org>",
            "junk",
            " ",
            "\r\n",
            "=?utf-8?q?=0D=0A?=",
            "<c@d>",
        ]
    ),
    max_size=12,
).map(" ".join)
ADDRESSES = st.sampled_from(
    [
        "member@example.org",
        "Lead.12@Example.NHS.test",
        "a+b@example.org",
        "x@y",
        "bad address",
        "\u00e9@example.org",
        "o'neil@example.org",
        "member@example.org\r\nBcc: v@evil.example",
        "",
    ]
)
VOLATILE = re.compile(rb"^(Date|Message-ID): .*\r\n(?:[ \t].*\r\n)*", re.M)


def _slow(settings: Settings, to: str, subject: str, body_text: str, headers: dict[str, str], to_name: str):
    msg = build_message(settings, to, subject, body_text, headers=headers, to_name=to_name)
    return msg.as_bytes(policy=SMTP), msg


def _same_bytes(
    settings: Settings, to: str, subject: str, body_text: str, headers: dict[str, str], to_name: str
) -> None:
    try:
        slow, msg = _slow(settings, to, subject, body_text, headers, to_name)
    except Exception as exc:  # noqa: BLE001 - the fast path must fail the same way
        with pytest.raises(type(exc)):
            render_text_message(settings, to, subject, body_text, headers=headers, to_name=to_name)
        return
    fast = render_text_message(settings, to, subject, body_text, headers=headers, to_name=to_name)
    assert VOLATILE.sub(b"", fast.raw) == VOLATILE.sub(b"", slow)
    assert fast.subject == str(msg["Subject"] or "")  # what queue_message records
    assert fast.recipient == parseaddr(str(msg["To"]))[1].lower()
    assert re.search(rb"^Message-ID: " + re.escape(fast.message_id.encode()) + rb"\r\n", fast.raw, re.M)
    parsed = message_from_bytes(fast.raw, policy=default)
    assert len(parsed.get_all("To")) == 1 and parsed.get_all("Bcc") is None and parsed.get_all("Cc") is None


def _reply_headers(in_reply_to: str, references: str) -> dict[str, str]:
    return {
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        "In-Reply-To": in_reply_to,
        "References": references,
    }


@hsettings(max_examples=400, deadline=None)
@given(subject=text, name=text, to=ADDRESSES, body_text=body, in_reply_to=IDS, references=IDS)
def test_a_reply_is_byte_for_byte_what_build_message_writes(subject, name, to, body_text, in_reply_to, references):
    _same_bytes(Settings(), to, subject, body_text, _reply_headers(in_reply_to, references), name)


@pytest.mark.parametrize(
    "network_name, reply_to",
    [
        ("MLN", ""),
        ("R\u00e9seau d'\u00e9change: test", "mln@example.org"),
        ("Eve <eve@evil.example>, Bcc", "Lists <lists@example.org>"),
    ],
)
@given(subject=nasty, name=nasty)
@hsettings(max_examples=60, deadline=None)
def test_our_own_from_and_reply_to_are_written_as_build_message_writes_them(network_name, reply_to, subject, name):
    base = Settings()
    settings = dataclasses.replace(
        base,
        network=dataclasses.replace(base.network, name=network_name),
        smtp=dataclasses.replace(base.smtp, reply_to=reply_to),
    )
    _same_bytes(settings, "member@example.org", subject, "Body\n", _reply_headers("<a@b>", "<a@b>"), name)


def test_a_typical_acknowledgement_takes_the_direct_path_and_matches():
    text_body = (
        'Thank you for your improvement plan.\n\nWe have received "In-reach training for care home staff" '
        "(from plan.xlsx) and filed it as File No CH-2026-014.\n\n-- \nMLN\nThis is an automatic reply."
    )
    _same_bytes(
        Settings(),
        "lead12@example.nhs.test",
        "Received: In-reach training (CH-2026-014)",
        text_body,
        _reply_headers("<bench-12@example.nhs.test>", "<bench-12@example.nhs.test>"),
        "Lead 12",
    )
