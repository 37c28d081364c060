"""Issue 20, item 3: each edition has its own introduction, figures and site; the text part is plain text."""

from __future__ import annotations

import email
import json
import re
from email.policy import default

import pytest

from pipeline.site import build_site

from .cycle import mln, settings_of, write_config
from .records import add_submission, at

INTRANET = "https://intranet.example.nhs.test/mln"
PUBLIC = "https://mln.example.org"
CONFIG = f'''[bulletin]
intro_internal = """
# For members

**{{{{ count.new }}}} new** and {{{{ count.updated }}}} updated plans. We met at [Leeds Civic Hall](https://example.org/leeds).

{{{{ highlights }}}}
"""
intro_external = "Partners: {{{{count.new}}}} new plan(s) to read, {{{{ count.items }}}} in all."
base_url_internal = "{INTRANET}"
base_url_external = "{PUBLIC}"
'''


@pytest.fixture
def config(db_url, tmp_path, smtp_sink):
    return write_config(tmp_path, db_url, smtp_sink.url(), CONFIG)


@pytest.fixture
def drafted(config):
    settings = settings_of(config)
    shared = add_submission(settings.database.url, "Care home *education* package", at(2026, 11, 3), share=True)
    add_submission(settings.database.url, "Ward leave leaflet", at(2026, 11, 4), share=False)
    add_submission(settings.database.url, "Care home *education* package, revised", at(2026, 11, 5), item_of=shared)
    result = mln(config, "bulletin", "draft", "--period", "2026-11", "--json")
    assert result.exit_code == 0, result.output
    return settings, json.loads(result.output)


def test_draft_counts_each_audience(config, drafted):
    _, summary = drafted
    assert summary["audiences"] == {
        "internal": {"items": 2, "new": 2, "updated": 0},
        "external": {"items": 1, "new": 1, "updated": 0},
    }
    text = mln(config, "bulletin", "draft", "--period", "2026-11")
    assert "internal edition: 2 new item(s), 0 update(s)" in text.output
    assert "external edition: 1 new item(s), 0 update(s)" in text.output


def test_previews_differ_as_configured_and_links_resolve_on_each_site(config, drafted, tmp_path):
    settings, summary = drafted
    bulletin_id = str(summary["id"])
    html = {
        a: mln(config, "bulletin", "preview", bulletin_id, "--audience", a).output for a in ("internal", "external")
    }
    text = {
        a: mln(config, "bulletin", "preview", bulletin_id, "--audience", a, "--text").output
        for a in ("internal", "external")
    }
    assert "PREVIEW: the internal edition (members of the network), 2 item(s)" in html["internal"]
    assert text["external"].startswith("PREVIEW: the external edition (partners and the public), 1 item(s)")
    assert "<strong>2 new</strong> and 0 updated plans" in html["internal"]
    assert "Partners: 1 new plan(s) to read, 1 in all." in html["external"]
    assert "For members" not in html["external"] and "Partners:" not in html["internal"]
    # {{ highlights }}: the titles as text (a "*" in a title is not emphasis), this edition's only.
    assert "Care home *education* package, revised (Barnsley)" in text["internal"]
    assert "Ward leave leaflet (Barnsley)" in text["internal"]

    links = {a: set(re.findall(r'href="(https://[^"]+/items/[^"]+)"', html[a])) for a in html}
    assert links["internal"] and all(u.startswith(INTRANET + "/items/") for u in links["internal"])
    assert links["external"] and all(u.startswith(PUBLIC + "/items/") for u in links["external"])
    assert len(links["internal"]) == 2 and len(links["external"]) == 1
    for audience, base in (("internal", INTRANET), ("external", PUBLIC)):
        build_site(settings, tmp_path / audience, audience)
        for url in links[audience]:
            assert (tmp_path / audience / url.removeprefix(base + "/")).is_file(), url


def test_the_text_part_has_no_markdown_markup(config, drafted):
    _, summary = drafted
    text = mln(config, "bulletin", "preview", str(summary["id"]), "--text").output
    assert "For members\n===========" in text
    assert "2 new and 0 updated plans. We met at Leeds Civic Hall\n(https://example.org/leeds)." in text
    assert "**" not in text and "](" not in text and "{{" not in text
    assert not re.search(r"^\s*#+\s", text, re.M)  # no Markdown heading marks
    assert "\\" not in text  # the escapes that keep titles literal are gone


def test_sent_copies_differ_per_audience(config, drafted, smtp_sink):
    _, summary = drafted
    bulletin_id = str(summary["id"])
    assert mln(config, "bulletin", "approve", bulletin_id).exit_code == 0
    sent = mln(config, "bulletin", "send", bulletin_id)
    assert sent.exit_code == 0, sent.output
    copies = {m.rcpt_tos[0]: email.message_from_bytes(m.data, policy=default) for m in smtp_sink.messages if m.rcpt_tos}
    internal = copies["member@example.nhs.test"]
    external = copies["partner@example.org"]
    internal_text = internal.get_body(("plain",)).get_content()
    external_text = external.get_body(("plain",)).get_content()
    assert "2 new and 0 updated plans" in internal_text and "Partners:" not in internal_text
    assert "Partners: 1 new plan(s) to read, 1 in all." in external_text and "For members" not in external_text
    assert f"{INTRANET}/items/" in internal.get_body(("html",)).get_content()
    assert f"{PUBLIC}/items/" in external.get_body(("html",)).get_content()
    assert INTRANET not in external.get_body(("html",)).get_content()
    for body in (internal_text, external_text):
        assert "**" not in body and "](" not in body and "PREVIEW" not in body
