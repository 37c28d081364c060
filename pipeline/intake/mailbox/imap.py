"""An IMAP mailbox through imapclient: fetch new messages by UID, move or flag after commit."""

from __future__ import annotations

import ast
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from pipeline.auth import check_auth_mode, imap_oauth2_login
from pipeline.config import Settings
from pipeline.errors import ConfigError, MailboxError, MlnError
from pipeline.intake.mailbox import imap_refile
from pipeline.intake.mailbox.base import Fetched, MailboxAction, Sought

log = logging.getLogger(__name__)
CHUNK = 500  # UIDs per command, to keep command lines short


@dataclass
class ImapSource:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    tls: str = "none"  # none | starttls | implicit
    verify: bool = True
    ca_file: str = ""
    timeout: float = 30.0
    batch_size: int = 50
    batch_bytes: int = 20_000_000
    auth: str = "password"  # or "oauth2": SASL XOAUTH2 with a token for `oauth_settings`
    oauth_settings: Settings | None = field(default=None, repr=False)
    client: IMAPClient | None = field(default=None, repr=False)
    _uidnext: int | None = field(default=None, repr=False)
    _delimiter: str | None = field(default=None, repr=False)  # asked of the server when first needed
    _known_folders: set[str] = field(default_factory=set, repr=False)
    _idle_uidnext: int = field(default=0, repr=False)
    _epoch: int = field(default=0, repr=False)
    _selected: bool = field(default=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapSource:
        m = settings.mailbox
        parts = urlsplit(m.url)
        if not parts.hostname or not parts.username:
            raise ConfigError(
                f"mailbox.url {m.url!r} in {settings.source}: needs a user and a host, e.g. imap://mln@mail.example.org:143/INBOX"
            )
        query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
        implicit = parts.scheme == "imaps"
        tls = "implicit" if implicit else ("starttls" if query.get("starttls") in {"1", "true", "yes"} else "none")
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if implicit else 143),
            user=unquote(parts.username),
            password=m.password,
            folder=unquote(parts.path).strip("/") or "INBOX",
            tls=tls,
            verify=m.tls_verify,
            ca_file=m.ca_file,
            timeout=m.timeout,
            batch_size=m.batch_size,
            batch_bytes=m.batch_bytes,
            auth="oauth2" if check_auth_mode(m.auth, "mailbox.auth") else "password",
            oauth_settings=settings,
        )

    @property
    def key(self) -> str:
        return f"imap://{self.user}@{self.host}:{self.port}"

    # ---- connection -----------------------------------------------------------------

    def __enter__(self) -> ImapSource:
        if self.auth == "password" and not self.password and self.oauth_settings is not None:
            env = self.oauth_settings.mailbox.password_env
            raise MailboxError(
                f"${env} is not set (mailbox.password_env names it); put the password of {self.user} in ${env}, "
                "or in mln.secrets.env beside the config file"
            )
        client = self._open_connection()
        try:
            self._login(client)
        except LoginError as exc:
            client.shutdown()
            env = self.oauth_settings.mailbox.password_env if self.oauth_settings else "the password variable"
            raise MailboxError(
                f"cannot log in to {self.key}: the server refused {self.user}: {server_text(exc)}; "
                f"check the user in mailbox.url and ${env}"
            ) from None
        except (OSError, IMAPClientError) as exc:
            client.shutdown()
            raise MailboxError(f"cannot log in to {self.key}: {server_text(exc)}") from None
        self.client = client
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except (OSError, IMAPClientError):
                pass  # the server went away first; nothing to tidy
            self.client = None

    def _open_connection(self) -> IMAPClient:
        """Connected, TLS set up, not logged in; a MailboxError says which of those failed."""
        where = self.key
        context = self._ssl_context() if self.tls != "none" else None
        try:
            client = IMAPClient(
                self.host, port=self.port, ssl=self.tls == "implicit", ssl_context=context, timeout=self.timeout
            )
            if self.tls == "starttls":
                client.starttls(context)
        except socket.gaierror:
            raise MailboxError(
                f"the host name {self.host!r} in mailbox.url does not resolve; check its spelling"
            ) from None
        except ssl.SSLError as exc:
            raise MailboxError(
                f"TLS with {where} failed: {exc}; check mailbox.ca_file (or mailbox.tls_verify)"
            ) from None
        except TimeoutError:
            raise MailboxError(f"cannot connect to {where}: no answer within {self.timeout:g} s") from None
        except (OSError, IMAPClientError) as exc:
            raise MailboxError(
                f"cannot connect to {where}: {server_text(exc)}; is the IMAP server running? check mailbox.url"
            ) from None
        return client

    def _login(self, client: IMAPClient) -> None:
        if self.auth == "oauth2" and self.oauth_settings is not None:
            try:
                imap_oauth2_login(client, self.user, self.oauth_settings, self.key)
            except MlnError:
                client.shutdown()  # refused or no token: one clear error, no half-open connection
                raise
        else:
            client.login(self.user, self.password)

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    @staticmethod
    def _server_delimiter(client: IMAPClient) -> str:
        try:
            for _flags, delimiter, _name in client.list_folders("", "INBOX"):
                if delimiter:
                    return delimiter.decode() if isinstance(delimiter, bytes) else str(delimiter)
        except IMAPClientError:
            pass
        return "/"

    def _imap(self) -> IMAPClient:
        if self.client is None:
            raise MailboxError(f"{self.key}: not connected")
        return self.client

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (TimeoutError, OSError, IMAPClientError) as exc:
            raise MailboxError(f"{self.key}: {what} failed: {exc}") from exc

    # ---- reading ----------------------------------------------------------------------

    def epoch(self) -> int:
        # STATUS answers UIDVALIDITY and UIDNEXT without opening the folder: Dovecot's
        # SELECT of a 20,000-message folder took 17-59 ms, STATUS 1 ms whatever its
        # size. The folder is selected only when the pass has something to read or
        # file (_selected_imap), so an idle poll costs the same on any mailbox.
        info = self._call("STATUS", self._imap().folder_status, self.folder, [b"UIDVALIDITY", b"UIDNEXT"])
        self._uidnext = int(info.get(b"UIDNEXT", 0)) or None
        self._epoch = int(info[b"UIDVALIDITY"])
        self._selected = False
        return self._epoch

    def _selected_imap(self) -> IMAPClient:
        client = self._imap()
        if not self._selected:
            info = self._call("SELECT", client.select_folder, self.folder)
            if int(info[b"UIDVALIDITY"]) != self._epoch:
                # Recreated between STATUS and SELECT: UIDs of this pass would be wrong.
                raise MailboxError(
                    f"{self.key}: the UIDVALIDITY of {self.folder} changed during the pass; "
                    "the next pass starts again from it"
                )
            self._selected = True
        return client

    def new_locations(self, last_uid: int) -> list[tuple[str, int | None]]:
        # UIDNEXT from SELECT answers "anything new?" without a SEARCH, so an idle
        # poll costs the same on a mailbox of any size.
        if self._uidnext is not None and self._uidnext <= last_uid + 1:
            return []
        uids = self._call("UID SEARCH", self._selected_imap().search, ["UID", f"{last_uid + 1}:*"])
        # "n:*" always includes the highest UID, even when it is not new.
        return [(str(uid), uid) for uid in sorted(int(u) for u in uids) if uid > last_uid]

    def fetch(self, locations: list[tuple[str, int | None]], max_message_bytes: int) -> Iterator[Fetched]:
        uids = [uid for _, uid in locations if uid is not None]
        sizes = self._sizes(uids)
        for batch in self._batches([u for u in uids if u in sizes], sizes):
            whole = [u for u in batch if sizes[u] <= max_message_bytes]
            oversize = [u for u in batch if sizes[u] > max_message_bytes]
            bodies = self._call("FETCH", self._selected_imap().fetch, whole, ["BODY.PEEK[]"]) if whole else {}
            heads = (
                self._call("FETCH", self._selected_imap().fetch, oversize, ["BODY.PEEK[HEADER]"]) if oversize else {}
            )
            for uid in batch:
                body = bodies.get(uid, {}).get(b"BODY[]")
                head = heads.get(uid, {}).get(b"BODY[HEADER]")
                if body is not None:
                    yield Fetched(str(uid), uid, bytes(body), sizes[uid])
                elif head is not None:
                    yield Fetched(str(uid), uid, bytes(head), sizes[uid], truncated=True)
                elif self.present([(str(uid), uid)]):
                    # Still there but no bytes came back: stop before any higher UID is
                    # recorded, so the next pass starts from this one again.
                    raise MailboxError(
                        f"{self.key}: the server returned no content for UID {uid}; it will be fetched again next pass"
                    )
                # else: moved away by another poller meanwhile, which recorded it

    def _sizes(self, uids: list[int]) -> dict[int, int]:
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), CHUNK):
            chunk = uids[start : start + CHUNK]
            data = self._call("FETCH RFC822.SIZE", self._selected_imap().fetch, chunk, ["RFC822.SIZE"])
            sizes.update({int(uid): int(item[b"RFC822.SIZE"]) for uid, item in data.items() if b"RFC822.SIZE" in item})
        return sizes

    def _batches(self, uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
        batch: list[int] = []
        total = 0
        for uid in uids:
            if batch and (len(batch) >= self.batch_size or total + sizes[uid] > self.batch_bytes):
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += sizes[uid]
        if batch:
            yield batch

    def present(self, locations: list[tuple[str, int | None]]) -> set[str]:
        uids = [uid for _, uid in locations if uid is not None]
        found: set[str] = set()
        for start in range(0, len(uids), CHUNK):
            chunk = ",".join(str(u) for u in uids[start : start + CHUNK])
            found.update(str(u) for u in self._call("UID SEARCH", self._selected_imap().search, ["UID", chunk]))
        return found

    # ---- acting ---------------------------------------------------------------------

    def apply(self, action: MailboxAction) -> None:
        uids = action.uids or [int(loc) for loc in action.locations]
        if not uids:
            return
        client = self._selected_imap()
        for start in range(0, len(uids), CHUNK):
            chunk = uids[start : start + CHUNK]
            if action.flags:
                self._call("STORE", client.add_flags, chunk, [f.encode() for f in action.flags])
            if action.move_to:
                self._move(chunk, self.server_folder(action.move_to))

    def move_found(self, folder: str, sought: list[Sought], move_to: str, flags: tuple[str, ...] = ()) -> set[int]:
        return imap_refile.move_found(self, folder, sought, move_to, flags)

    def server_folder(self, name: str) -> str:
        """A configured folder name ("Processed/Bounces") in the server's own hierarchy."""
        if self._delimiter is None:
            # Asked only here, when a folder is to be named: on Dovecot, a LIST of INBOX
            # before its STATUS made that STATUS read the whole folder (0.7 ms at 20,000
            # messages became 11 ms), and an idle poll needs no other folder.
            self._delimiter = self._server_delimiter(self._imap())
        return name.replace("/", self._delimiter) if self._delimiter else name

    def _move(self, uids: list[int], folder: str) -> None:
        client = self._imap()
        self._ensure_folder(folder)
        if client.has_capability("MOVE"):
            try:
                client.move(uids, folder)
            except IMAPClientError as exc:
                # [EXPUNGEISSUED]: another poller moved some of these first. Move what is left.
                if "EXPUNGEISSUED" not in str(exc):
                    raise MailboxError(f"{self.key}: UID MOVE failed: {exc}") from exc
                left = [int(u) for u in self.present([(str(u), u) for u in uids])]
                if left:
                    self._call("UID MOVE", client.move, left, folder)
            except OSError as exc:
                raise MailboxError(f"{self.key}: UID MOVE failed: {exc}") from exc
            return
        # No MOVE: copy, then delete only those UIDs (UID EXPUNGE needs UIDPLUS).
        self._call("UID COPY", client.copy, uids, folder)
        self._call("STORE \\Deleted", client.add_flags, uids, [b"\\Deleted"])
        if client.has_capability("UIDPLUS"):
            self._call("UID EXPUNGE", client.uid_expunge, uids)
        else:
            log.warning(
                "%s offers neither MOVE nor UIDPLUS; messages are marked \\Deleted but left for the next EXPUNGE",
                self.key,
            )

    def _ensure_folder(self, folder: str) -> None:
        if folder in self._known_folders:
            return
        client = self._imap()
        if not self._call("LIST", self._selectable, client, folder):
            try:
                client.create_folder(folder)
                client.subscribe_folder(folder)
            except IMAPClientError as exc:
                if not client.folder_exists(folder):  # another poller may have created it first
                    raise MailboxError(f"{self.key}: cannot create folder {folder!r}: {exc}") from exc
        self._known_folders.add(folder)

    @staticmethod
    def _selectable(client, folder: str) -> bool:  # type: ignore[no-untyped-def]
        """The folder exists and can hold mail. Creating "Processed/Submissions" makes a
        "Processed" that LIST shows as \\Noselect: a MOVE there fails until it is created."""
        for flags, _delimiter, name in client.list_folders("", folder):
            if name == folder:
                return not {f.lower() for f in flags} & {b"\\noselect", b"\\nonexistent"}
        return False

    # ---- for tests and `mln status` -----------------------------------------------------

    def noop(self) -> None:
        self._call("NOOP", self._imap().noop)

    # ---- for `mln worker`: wait for new mail with IDLE --------------------------------

    def supports_idle(self) -> bool:
        return bool(self._call("CAPABILITY", self._imap().has_capability, "IDLE"))

    def wait_for_new_mail(
        self, timeout: float, last_uid: int = 0, should_stop: Callable[[], bool] | None = None, tick: float = 1.0
    ) -> bool:
        """Wait in IDLE up to `timeout` seconds; True when the folder has (or gets) a UID above `last_uid`.

        Checks UIDNEXT first, so mail that arrived before IDLE began is not
        missed. `should_stop` is asked every `tick` seconds, so a stop request
        ends the wait promptly (Dovecot itself announces new mail ~0.5 s late).
        """
        client = self._imap()
        info = self._call("EXAMINE", client.select_folder, self.folder, readonly=True)
        self._selected = False  # read-only now: a pass selects it again before it files anything
        uidnext = int(info.get(b"UIDNEXT", 0) or 0)
        # A UID never fetched (expunged by a person first) would otherwise wake us forever:
        # each UIDNEXT answers "yes" once.
        if uidnext > last_uid + 1 and uidnext != self._idle_uidnext:
            self._idle_uidnext = uidnext
            return True
        self._call("IDLE", client.idle)
        arrived = False
        try:
            deadline = time.monotonic() + timeout
            while not arrived and not (should_stop and should_stop()):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                responses = self._call("IDLE", client.idle_check, timeout=min(tick, left))
                if any(r and r[0] == b"BYE" for r in responses):
                    raise MailboxError(f"{self.key}: the server ended the IDLE session: {responses}")
                arrived = any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)
        finally:
            self._call("DONE", client.idle_done)
        return arrived


def server_text(exc: BaseException) -> str:
    """A server's reply as text: imapclient passes on b'[AUTHENTICATIONFAILED] ...' as it is."""
    text = str(exc) or type(exc).__name__
    if text[:2] in ("b'", 'b"') and text[-1:] == text[1]:
        try:
            return str(ast.literal_eval(text).decode("utf-8", "replace"))
        except (ValueError, SyntaxError):
            return text
    return text
