"""Abuse: header injection, mail loops and reply floods, spoofed senders.

Mail loops and floods go through the real poll path (real Dovecot, the default
inbox rules): no automatic reply to Auto-Submitted, Precedence bulk/list/junk,
mailer-daemon or our own mail; at most `limits.auto_replies_per_day` (10)
automatic replies per address per day, then silence.
"""

from __future__ import annotations

import collections
from email import message_from_bytes
from email.policy import SMTP, default

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from resilience.harness import IMAP_PASSWORD_ENV, TOKEN_SECRET_ENV, World
from sqlalchemy import select

from pipeline.compose import build_message
from pipeline.config import Settings
from pipeline.store import db
from pipeline.store.models import Outgoing, Submission

# ---- header injection ----------------------------------------------------------------------

PIECES = [
    "a",
    "Z",
    " ",
    ":",
    "@",
    ",",
    ";",
    "<",
    ">",
    "\r",
    "\n",
    "\r\n",
    "\x00",
    "\t",
    "\x0b",
    "Bcc: victim@evil.example",
    "\r\nBcc: victim@evil.example",
    "\nTo: x@evil.example",
    "Ann Leader",
    "O'Neil",
]
nasty = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
EXPECTED_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "x-mln-bulletin",
    "content-type",
    "content-transfer-encoding",
    "mime-version",
    "in-reply-to",
    "references",
    "auto-submitted",
}


def _assert_one_clean_message(raw: bytes) -> None:
    head = raw.split(b"\r\n\r\n", 1)[0]
    names = {
        line.split(b":", 1)[0].decode().lower()
        for line in head.split(b"\r\n")
        if line and line[:1] not in (b" ", b"\t")
    }
    assert names <= EXPECTED_HEADERS, names - EXPECTED_HEADERS
    parsed = message_from_bytes(raw, policy=default)
    assert len(parsed.get_all("To")) == 1 and len(parsed.get_all("Subject")) == 1
    assert [a.addr_spec for a in parsed["To"].addresses] == ["member@example.org"]
    assert "\n" not in str(parsed["Subject"]) and "\r" not in str(parsed["Subject"])
    assert parsed.get_all("Bcc") is None and parsed.get_all("Cc") is None


@given(subject=nasty, reply_to=nasty)
def test_cr_lf_in_subjects_and_header_values_never_add_headers_or_recipients(subject, reply_to, tally):
    tally.add(inputs=1)
    msg = build_message(
        Settings(),
        "member@example.org",
        subject,
        "Body text\n",
        to_name="Ann Leader",
        headers={"In-Reply-To": reply_to, "Auto-Submitted": "auto-replied"},
    )
    _assert_one_clean_message(msg.as_bytes(policy=SMTP))


@settings(max_examples=100, phases=[Phase.explicit, Phase.generate])  # no shrinking: keep it quick
@given(name=nasty)
def test_cr_lf_in_recipient_names_never_add_headers_or_recipients(name, tally):
    tally.add(inputs=1)
    msg = build_message(Settings(), "member@example.org", "Received", "Body text\n", to_name=name)
    _assert_one_clean_message(msg.as_bytes(policy=SMTP))


# An RFC 2047 encoded word whose decoded text holds CR LF: the email package decodes it when
# the header is set and writes the CR LF out as it is: a Bcc header of the attacker's choosing.
ENCODED_CRLF = "=?utf-8?q?=0D=0ABcc:_victim@evil.example?="
# Found by this suite and fixed in pipeline/compose.py: these made a Bcc header, a ValueError that
# quarantined the message (U+2028 in a Word title), or a To name read as another address.


@pytest.mark.parametrize(
    "where, text",
    [
        ("subject", ENCODED_CRLF),
        ("to_name", ENCODED_CRLF),
        ("In-Reply-To", ENCODED_CRLF),
        ("References", ENCODED_CRLF),
        ("subject", "Memory\u2028cafe"),
        ("subject", "Memory\u2029cafe"),
        ("to_name", "\u00e9Bcc: victim@evil.example"),
    ],
)
def test_an_encoded_or_unicode_line_break_never_becomes_a_header_or_an_error(where, text, tally):
    tally.add(inputs=1)
    subject = text if where == "subject" else "Received"
    name = text if where == "to_name" else "Member"
    headers = {where: f"<a@b> {text}"} if where[0].isupper() else {}

    raw = build_message(Settings(), "member@example.org", subject, "Body\n", to_name=name, headers=headers).as_bytes(
        policy=SMTP
    )

    _assert_one_clean_message(raw)


# Found by the loop test below: parse_mail decoded RFC 2047 words before parsing addresses, so
# this sender's reply was queued to victim@evil.example. Addresses are now parsed as written.
@pytest.mark.parametrize("header", ["From", "To", "Cc"])
def test_an_encoded_display_name_cannot_change_the_address(header):
    from pipeline.mail import parse_mail

    value = "=?utf-8?q?Eve=0D=0ABcc=3A_victim=40evil=2Eexample?= <eve@example.nhs.test>"
    others = "".join(f"{h}: ok@example.org\r\n" for h in ("From", "To") if h != header)
    mail = parse_mail(f"{header}: {value}\r\n{others}Subject: x\r\n\r\nhi\r\n".encode())

    found = {"From": [mail.from_addr], "To": list(mail.to), "Cc": list(mail.cc)}[header]
    assert found == ["eve@example.nhs.test"]
    if header == "From":
        assert mail.from_name == "Eve Bcc: victim@evil.example"  # decoded, on one line, harmless as a name


# ---- mail loops and reply floods, through the real poll path -------------------------------


def template_request(sender: str, n: int, **headers: str) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (
        f"From: {sender}\r\nTo: mln@example.org\r\nSubject: Please send the blank template\r\n"
        f"Message-ID: <loop-{n}@example.test>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\n{extra}\r\n"
        "Could you send me the reporting template?\r\n"
    ).encode()


AUTOMATIC = [
    ("Ooo <ooo@example.nhs.test>", {"Auto_Submitted": "auto-replied"}),
    ("Robot <robot@example.nhs.test>", {"Auto_Submitted": "auto-generated"}),
    ("Bulk <bulk@example.nhs.test>", {"Precedence": "bulk"}),
    ("List <list@example.nhs.test>", {"Precedence": "list"}),
    ("Junk <junk@example.nhs.test>", {"Precedence": "junk"}),
    ("Mail Delivery System <MAILER-DAEMON@mx.example.net>", {}),
    ("Postmaster <postmaster@mx.example.net>", {}),
    ("MLN Bulletin <bulletin@example.org>", {}),  # our own From address, without our marker header
    ("MLN <mln@example.org>", {}),  # the shared mailbox itself
    ("MLN <bulletin+confirm-abc@example.org>", {}),
    ("Anyone <someone@example.nhs.test>", {"X_MLN_Bulletin": "1"}),
    ("Vacation <vacation@example.nhs.test>", {"X_Autoreply": "yes"}),
    ("Digest <digest@example.nhs.test>", {"List_Id": "<news.example.org>"}),
]
FLOODER = "Flood <flood@example.nhs.test>"
INJECTOR = "=?utf-8?q?Eve=0D=0ABcc=3A_victim=40evil=2Eexample?= <eve@example.nhs.test>"


@pytest.fixture
def world(imap_account, sqlite_url, tmp_path):
    return World(
        tmp_path,
        sqlite_url,
        mailbox_url=imap_account.url,
        environ={IMAP_PASSWORD_ENV: imap_account.password, TOKEN_SECRET_ENV: "abuse-test-secret-0123456789abcdef"},
    )


def _outgoing(world: World) -> list[Outgoing]:
    with db.transaction(world.db_url, readonly=True) as session:
        return list(session.scalars(select(Outgoing).order_by(Outgoing.id)))


def test_no_reply_to_automatic_or_own_mail_and_at_most_ten_a_day(world, imap_account, tally):
    messages = [template_request(sender, n, **headers) for n, (sender, headers) in enumerate(AUTOMATIC)]
    messages += [template_request(FLOODER, 100 + n) for n in range(13)]
    messages += [template_request("Ann Leader <ann@example.nhs.test>", 200), template_request(INJECTOR, 201)]
    imap_account.append_many(messages)

    polled = world.invoke("poll", "--json")

    assert polled.returncode == 0, polled.stderr
    outcomes = collections.Counter(r.outcome for r in world.recorded())
    assert sum(outcomes.values()) == len(messages) and "quarantined" not in outcomes
    replies = collections.Counter(row.recipient for row in _outgoing(world))
    assert replies == {"flood@example.nhs.test": 10, "ann@example.nhs.test": 1, "eve@example.nhs.test": 1}, replies
    assert imap_account.uids("INBOX") == []  # the unanswered ones are filed all the same
    tally.add(inputs=len(messages), faults=len(AUTOMATIC) + 3)

    [to_eve] = [row for row in _outgoing(world) if row.recipient == "eve@example.nhs.test"]
    with db.transaction(world.db_url, readonly=True) as session:
        raw = session.get(Outgoing, to_eve.id).raw
    parsed = message_from_bytes(raw, policy=default)
    assert parsed.get_all("Bcc") is None and len(parsed.get_all("To")) == 1
    assert [a.addr_spec for a in parsed["To"].addresses] == ["eve@example.nhs.test"]


def test_the_limit_holds_across_polls_on_the_same_day(world, imap_account, tally):
    for batch in range(3):
        imap_account.append_many([template_request(FLOODER, 300 + batch * 5 + n) for n in range(5)])
        assert world.invoke("poll", "--json").returncode == 0

    assert collections.Counter(row.recipient for row in _outgoing(world)) == {"flood@example.nhs.test": 10}
    assert len(world.recorded()) == 15
    tally.add(inputs=15, trials=3)


# ---- spoofing ---------------------------------------------------------------------------------

BODY_FORM = """\
Practice example / improvement / learning: Memory cafe in every ward
Key theme: 6
Location: Barnsley
Lead contact: Mallory Stranger
Lead contact email: mallory@unknown.example
Status: Planned
Summary / aim: Weekly memory cafe for residents and families.
"""


def test_submission_from_an_unknown_address_is_queued_but_marked(world, imap_account, tally):
    raw = (
        f"From: Mallory <mallory@unknown.example>\r\nTo: mln@example.org\r\nSubject: Improvement plan\r\n"
        f"Message-ID: <spoof-1@unknown.example>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\n\r\n{BODY_FORM}"
    ).encode()
    imap_account.append(raw.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n"))
    tally.add(inputs=1)

    assert world.invoke("poll", "--json").returncode == 0

    with db.transaction(world.db_url, readonly=True) as session:
        [row] = session.scalars(select(Submission)).all()
    assert row.status in ("pending", "needs_changes")  # accepted into the queue
    assert row.unknown_sender
    queue = world.invoke("queue")
    assert "unknown sender" in queue.stdout


# ---- mass joins -------------------------------------------------------------------------------


def test_mass_join_requests_from_one_sender_are_rate_limited_and_subscribe_nobody(world, imap_account, tally):
    from pipeline.store.models import Subscriber

    joins = [
        (
            f"From: Mass Joiner <mass@example.net>\r\nTo: mln@example.org\r\nSubject: subscribe\r\n"
            f"Message-ID: <join-{n}@example.net>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\n\r\n"
            f"Please add target{n}@example.org to the bulletin.\r\n"
        ).encode()
        for n in range(12)
    ]
    imap_account.append_many(joins)

    assert world.invoke("poll", "--json").returncode == 0

    limit = world.settings.lists.joins_per_sender_per_day
    sent = _outgoing(world)
    sent_to = [row.recipient for row in sent if row.kind == "confirm"]
    assert len(sent_to) <= limit, sent_to
    assert all(r.startswith("target") for r in sent_to)  # to the address to be added, never the requester
    # The requester is answered once a day, with a note that says nothing about the targets.
    assert [(row.kind, row.recipient) for row in sent if row.kind != "confirm"] == [("join-note", "mass@example.net")]
    with db.transaction(world.db_url, readonly=True) as session:
        statuses = collections.Counter(session.scalars(select(Subscriber.status)))
    assert statuses.get("active", 0) == 0  # nobody is subscribed without replying from their own address
    assert all(r.outcome != "quarantined" for r in world.recorded()) and len(world.recorded()) == 12
    tally.add(inputs=12, faults=12)
