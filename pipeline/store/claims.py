"""Claim tokens shared by everything that claims work in the database (mailbox actions,
deliveries): "host:pid:nonce", so a claim left by a process that died on this host can
be taken over at once, and one from elsewhere after its lease."""

from __future__ import annotations

import os
import socket
import uuid


def new_claim_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def claimant_is_gone(token: str) -> bool:
    """True for a claim by a process on this host that no longer runs."""
    host, _, rest = token.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid))
