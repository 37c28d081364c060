"""Finding recorded messages again in another IMAP folder, and moving them on (pipeline/intake/refile.py).

A held message was moved to Held after commit; its UID there was never recorded,
and a rebuilt folder would change it anyway. So it is looked for by Message-ID and
exact size (RFC822.SIZE, as recorded), and only a message whose bytes hash to the
recorded SHA-256 counts: two held messages may share a Message-ID.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from pipeline.intake.mailbox.base import Sought

if TYPE_CHECKING:
    from pipeline.intake.mailbox.imap import ImapSource


def move_found(
    source: ImapSource, folder: str, sought: list[Sought], move_to: str, flags: tuple[str, ...] = ()
) -> set[int]:
    """Flag and move the sought messages found in `folder`; the ids of those found."""
    client = source._imap()
    name = source.server_folder(folder)
    if not source._call("LIST", source._selectable, client, name):
        return set()
    try:
        source._call("SELECT", client.select_folder, name)
        found = _find(source, sought)
        if found:
            uids = sorted(found)
            if flags:
                source._call("STORE", client.add_flags, uids, [f.encode() for f in flags])
            source._move(uids, source.server_folder(move_to))
    finally:
        source._selected = False  # the polled folder is selected again before it is read or filed
    return set(found.values())


def _find(source: ImapSource, sought: list[Sought]) -> dict[int, int]:
    """UID in the selected folder -> the id of the sought message it is."""
    found: dict[int, int] = {}
    for item in sought:
        criteria: list[str | int] = ["LARGER", item.size - 1, "SMALLER", item.size + 1] if item.size else ["ALL"]
        if item.message_id:
            criteria = ["HEADER", "Message-ID", item.message_id, *criteria]
        candidates = [u for u in source._call("UID SEARCH", source._imap().search, criteria) if u not in found]
        match = next((uid for uid in sorted(candidates) if _same(source, uid, item)), None)
        if match is not None:
            found[match] = item.id
    return found


def _same(source: ImapSource, uid: int, item: Sought) -> bool:
    part = b"BODY[HEADER]" if item.headers_only else b"BODY[]"
    fetched = source._call("FETCH", source._imap().fetch, [uid], [b"BODY.PEEK" + part[4:]])
    data = fetched.get(uid, {}).get(part)
    return data is not None and hashlib.sha256(bytes(data)).hexdigest() == item.sha256
