"""A second Dovecot for OAuth tests: `passdb { driver = oauth2 }` checks each XOAUTH2 token by
introspection at the local identity platform; a passwd-file passdb beside it keeps PLAIN for set-up.
The shared session Dovecot (tests/fixtures/dovecot.py) is left as it is.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fixtures.dovecot import ImapAccount

USERS = 200
CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
# No cache: a revoked token must stop working at once. No failure delay: tests stay fast.
auth_cache_size = 0
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
mail_privileged_group =
default_internal_user = dovecot
default_login_user = dovenull
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# For Postfix (smtpd_sasl_type = dovecot): SMTP AUTH checked by the same passdbs.
service auth {{
  inet_listener sasl {{
    address = 127.0.0.1
    port = {auth_port}
  }}
}}
"""
OAUTH2_EXT = """\
introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
force_introspection = yes
"""


@dataclass
class OAuthMailbox(ImapAccount):
    """A test user on the OAuth Dovecot: logs in with its password for setup, like ImapAccount."""

    password: str = "secret"

    def count(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            if not client.folder_exists(folder):
                return 0
            client.select_folder(folder, readonly=True)
            return len(client.search("ALL"))


@dataclass
class OAuthDovecot:
    root: Path
    port: int
    uid: int
    gid: int
    auth_port: int = 0
    _users: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def add_user(self) -> OAuthMailbox:
        n = next(self._users)
        if n > USERS:
            raise RuntimeError(f"more than {USERS} OAuth test users: raise USERS")
        return OAuthMailbox(self, f"user{n}")

    def start(self) -> None:
        with open(self.root / "dovecot.stderr", "ab") as log:
            subprocess.run(
                ["dovecot", "-c", str(self.config)],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                close_fds=True,
                check=True,
                timeout=30,
            )

    def stop(self) -> None:
        subprocess.run(["doveadm", "-c", str(self.config), "stop"], capture_output=True, timeout=30)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def write_config(server: OAuthDovecot, introspection_url: str) -> None:
    root = server.root
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, server.uid, server.gid)
    lines = [f"user{n}:{{PLAIN}}secret:{server.uid}:{server.gid}::{root}/home/user{n}::\n" for n in range(1, USERS + 1)]
    (root / "passwd").write_text("".join(lines))
    (root / "passwd").chmod(0o644)
    (root / "dovecot-oauth2.conf.ext").write_text(OAUTH2_EXT.format(url=introspection_url))
    (root / "dovecot-oauth2.conf.ext").chmod(0o644)
    server.config.write_text(CONFIG.format(root=root, port=server.port, auth_port=server.auth_port))
