"""The static web resource: a bulletin archive and the searchable Information Index.

`build_site(settings, out_dir, audience)` writes plain files any web server or
file share can host; `pipeline.web` serves them (the external edition unless told
otherwise) beside the list endpoints.
`urls` says where each page lives; the bulletin imports it to link to item
pages, so this package imports its builder lazily (the builder imports the
bulletin's renderer).
"""

from __future__ import annotations

from typing import Any

from pipeline.urls import bulletin_path, item_path

__all__ = ["BuildReport", "build_site", "bulletin_path", "item_path", "site_base_url"]


def __getattr__(name: str) -> Any:
    if name in ("BuildReport", "build_site", "site_base_url"):
        from pipeline.site import build

        return getattr(build, name)
    raise AttributeError(name)
