"""[oauth2], mailbox.auth and smtp.auth in mln.toml; the client secret only from the environment."""

from __future__ import annotations

import pytest

from pipeline.config import load_settings
from pipeline.errors import ConfigError
from pipeline.intake.mailbox import open_source

CONFIG = """\
[mailbox]
url = "imaps://older-people-mln%40nhs.net@outlook.office365.com:993/INBOX"
auth = "oauth2"

[smtp]
url = "smtp://smtp.office365.com:587"
starttls = true
auth = "oauth2"
user = "older-people-mln@nhs.net"

[oauth2]
provider = "microsoft"
tenant = "00000000-1111-2222-3333-444444444444"
client_id = "55555555-6666-7777-8888-999999999999"
client_secret_env = "NHSMAIL_APP_SECRET"
scopes = ["https://outlook.office365.com/.default"]
token_cache = "secrets/token.json"
"""


def test_oauth2_section_and_secret_from_the_environment(tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(CONFIG)
    settings = load_settings(path, {"NHSMAIL_APP_SECRET": "very-secret-value", "MLN_OAUTH2_FLOW": "client_credentials"})
    assert settings.mailbox.auth == "oauth2" and settings.smtp.auth == "oauth2"
    assert settings.oauth2.client_secret == "very-secret-value"
    assert settings.oauth2.scopes == ("https://outlook.office365.com/.default",)
    assert "very-secret-value" not in repr(settings)
    source = open_source(settings)
    assert source.auth == "oauth2" and source.user == "older-people-mln@nhs.net"


def test_secret_is_never_read_from_the_file(tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(CONFIG + 'client_secret = "in-the-file"\n')
    with pytest.raises(ConfigError, match="unknown key oauth2.client_secret"):
        load_settings(path, {})


def test_unknown_auth_mode_is_a_config_error(tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(CONFIG.replace('auth = "oauth2"', 'auth = "kerberos"', 1))
    with pytest.raises(ConfigError, match='mailbox.auth = .kerberos.: use "password" or "oauth2"'):
        open_source(load_settings(path, {}))


def test_missing_client_id_says_where_to_look(tmp_path):
    from pipeline.auth import token_source

    path = tmp_path / "mln.toml"
    path.write_text(CONFIG.replace('client_id = "55555555-6666-7777-8888-999999999999"\n', ""))
    with pytest.raises(ConfigError, match="oauth2.client_id is not set.*docs/nhsmail-oauth.md"):
        token_source(load_settings(path, {}))
