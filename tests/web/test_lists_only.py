"""One server per job: `mln web --only lists` for the internet, the site only as its external edition.

The one-click unsubscribe link in every bulletin needs `mln web` on the internet, but
`mln web` also served the site folder, which `mln site build` fills with the internal
edition by default. Now `--only lists` serves the unsubscribe and confirm endpoints
and never a file, and the site is served only when its manifest says it is the
external edition, unless told `--audience internal`.
"""

from __future__ import annotations

import pytest
from web.web_helpers import fetch

from pipeline.people import subscribers
from pipeline.store.db import transaction

ONE_CLICK = b"List-Unsubscribe=One-Click"


def build(world, audience: str) -> None:
    assert world.invoke("site", "build", "--audience", audience).returncode == 0


def unsubscribe_token(world) -> str:
    with transaction(world.db_url) as session:
        reader, _ = subscribers.add(session, world.settings, "reader@example.org", "external")
        session.flush()
        return subscribers.make_token(world.settings, "unsubscribe", reader.id)


@pytest.mark.parametrize("path", ["", "index.html", "practice/index.html", "feed.atom", "assets/site.css"])
def test_only_lists_serves_no_file_even_beside_a_built_site(web_world, start_web, path):
    build(web_world, "internal")
    web = start_web(web_world, "--only", "lists")

    assert fetch(web.url + path)[0] == 404


def test_only_lists_answers_the_one_click_link(web_world, start_web):
    token = unsubscribe_token(web_world)
    web = start_web(web_world, "--only", "lists")

    asked = fetch(f"{web.url}unsubscribe/{token}")
    left = fetch(f"{web.url}unsubscribe/{token}", data=ONE_CLICK)

    assert asked[0] == 200 and "Unsubscribe</button>" in asked[2]
    assert left[0] == 200 and "You have left the bulletin" in left[2]


def test_an_internal_edition_is_refused_unless_told(web_world, start_web):
    build(web_world, "internal")

    refused = web_world.run("web", "--port", "0", timeout=60)

    assert refused.returncode != 0
    assert "internal edition" in refused.stderr and "--audience internal" in refused.stderr
    web = start_web(web_world, "--audience", "internal")  # told otherwise: a preview on 127.0.0.1
    assert fetch(web.url)[0] == 200


def test_the_external_edition_is_served_by_default(web_world, start_web):
    build(web_world, "external")
    web = start_web(web_world)
    assert fetch(web.url)[0] == 200


def test_only_site_answers_no_token_link(web_world, start_web):
    build(web_world, "external")
    token = unsubscribe_token(web_world)
    web = start_web(web_world, "--only", "site")
    assert fetch(f"{web.url}unsubscribe/{token}", data=ONE_CLICK)[0] in (404, 405)


def test_a_rebuild_as_the_internal_edition_is_not_served_while_running(web_world, start_web):
    build(web_world, "external")
    web = start_web(web_world)
    assert fetch(web.url)[0] == 200

    assert web_world.invoke("site", "build", "--audience", "internal").returncode == 0

    assert fetch(web.url)[0] == 503
    assert fetch(f"{web.url}unsubscribe/{unsubscribe_token(web_world)}")[0] == 200  # the list endpoints go on
