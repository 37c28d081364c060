"""The public site, when web.base_url says where it is: it answers."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

from pipeline.config import Settings
from pipeline.doctor.checks import Check, failed, passed, skipped

NAME = "web base URL"


def check_web(settings: Settings, timeout: float = 10.0) -> Check:
    url = settings.web.base_url
    if not url:
        return skipped(
            NAME, "web.base_url is not set: bulletins carry no links to the site and no one-click unsubscribe"
        )
    fix = "check web.base_url, and that `mln web` (or the web server in front of it) is running"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout) as response:  # noqa: S310 - the operator's own URL
            status = response.status
    except urllib.error.HTTPError as exc:
        return failed(NAME, f"{url} answered {exc.code} {exc.reason}", fix)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, socket.gaierror):
            return failed(NAME, f"the host name in {url} does not resolve", "check the spelling of web.base_url")
        return failed(NAME, f"cannot connect to {url}: {reason}", fix)
    except (ValueError, OSError) as exc:
        return failed(NAME, f"cannot reach {url}: {exc}", fix)
    return passed(NAME, f"{url} answered {status}")
