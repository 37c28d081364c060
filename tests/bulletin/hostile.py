"""A bulletin whose every field tries to inject markup or script (shared by the XSS tests)."""

from __future__ import annotations

import dataclasses

from pipeline.outbound.bulletin import BulletinContent, BulletinItem

SCRIPT = "<script>alert('title')</script>"
IMG = '<img src=x onerror="alert(1)">'
JS_LINK = "javascript:alert(document.cookie)"
ATTR_BREAK = '"><svg onload=alert(2)>'

HOSTILE_INTRO = (
    "Hello <script>alert('intro')</script> and <b onmouseover=alert(3)>bold</b>.\n\n"
    "[click me](javascript:alert(4)) and <javascript:alert(5)> and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    "![tracker](https://tracker.example.org/pixel.png)\n\n"
    '<iframe src="https://evil.example.org"></iframe>\n\n'
    "A [fine link](https://mln.example.org/ok)."
)


def hostile_content(base: BulletinContent) -> BulletinContent:
    item = BulletinItem(
        file_no="CH-2026-099" + ATTR_BREAK,
        title=SCRIPT,
        theme="Care Homes / Housing / Home Care / Day Services",
        locality=IMG,
        region="North East",
        organisation="<style>body{display:none}</style>Evil Ltd",
        lead_name=ATTR_BREAK,
        lead_email='x@example.org"><script>alert(6)</script>',
        status="Planned",
        summary=f'{IMG}\n\n<a href="{JS_LINK}">more</a>',
        link=JS_LINK,
        share_externally=True,
    )
    return dataclasses.replace(base, items=(item,), intro_markdown=HOSTILE_INTRO, organisation_line=SCRIPT)
