"""Site tests: a seeded database, a built site, and (for browser tests) the real server and Chromium."""

from __future__ import annotations

import threading

import pytest
from bulletin.conftest import artifacts_dir  # noqa: F401 - screenshots beside the bulletin's

from pipeline.site import build_site
from pipeline.web_server import make_server

from .seed import make_settings, seed


@pytest.fixture
def settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path)


@pytest.fixture
def seeded(settings):
    seed(settings)
    return settings


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """One seeded SQLite database and its internal and external sites, shared by the read-only browser tests."""
    from pipeline.store import db

    tmp = tmp_path_factory.mktemp("site")
    url = f"sqlite:///{tmp}/mln.db"
    db.upgrade(url)
    settings = make_settings(url, tmp)
    seed(settings)
    for audience in ("internal", "external"):
        build_site(settings, tmp / audience, audience)
    return settings, tmp


def serve(settings, folder, audience="internal"):
    """`mln web`'s server for `folder` in a thread; stop it with `.close()`."""
    server = make_server(settings, folder, "127.0.0.1", 0, audience=audience)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, server.url


@pytest.fixture(scope="module")
def site_url(built_site):
    """The internal site served by `mln web`'s server on a free loopback port."""
    settings, tmp = built_site
    server, url = serve(settings, tmp / "internal")
    yield url
    server.close()


@pytest.fixture(scope="session")
def axe():
    from .axe import axe_source

    return axe_source()
