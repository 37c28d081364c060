"""`mln web` serves the site folder's own files and nothing a link leads to.

The demo keeps its site folder beside mln.db and mln.toml; a symbolic link to `..`
inside the site folder used to serve both. Now no path that passes through a link is
served, nor a hidden file (the manifest, a half-written page), nor a folder listing.
Against a running `mln web` serving an external edition built by `mln site build`.
"""

from __future__ import annotations

import pytest
from web.web_helpers import fetch, raw_request, status_of


@pytest.fixture
def site(web_world):
    """The external edition in the config's folder, beside mln.toml and a secret, with links planted in it."""
    assert web_world.invoke("site", "build", "--audience", "external").returncode == 0
    folder = web_world.root / "site"
    (web_world.root / "secret.txt").write_text("beside the site folder\n")
    (folder / "up").symlink_to("..", target_is_directory=True)
    (folder / "config.html").symlink_to(web_world.root / "mln.toml")
    (folder / "practice" / "elsewhere").symlink_to(web_world.root, target_is_directory=True)
    return folder


@pytest.mark.parametrize(
    "path",
    [
        "up/mln.toml",
        "up/secret.txt",
        "up/",
        "up/site/index.html",
        "config.html",
        "practice/elsewhere/mln.toml",
        "practice/elsewhere/",
        "%2e%2e/mln.toml",
        "practice/%2e%2e/%2e%2e/mln.toml",
        ".mln-site.json",
        "items/",
    ],
)
def test_nothing_through_a_link_nor_hidden_nor_listed(web_world, site, start_web, path):
    web = start_web(web_world)

    status, _, body = fetch(web.url + path)

    assert status == 404, path
    assert "token_secret_env" not in body and "beside the site folder" not in body


def test_a_raw_dot_dot_path_is_refused_too(web_world, site, start_web):
    web = start_web(web_world)
    answer = raw_request(web.port, b"GET /../mln.toml HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert status_of(answer) in (400, 404) and b"token_secret_env" not in answer


def test_the_site_itself_is_served(web_world, site, start_web):
    web = start_web(web_world)

    status, headers, body = fetch(web.url)

    assert status == 200 and "<html" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert fetch(web.url + "practice/index.html")[0] == 200
    assert fetch(web.url + "practice", method="HEAD")[0] == 200  # a folder redirects to its index page
