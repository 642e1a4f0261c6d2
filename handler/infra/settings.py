"""Settings, from the environment and, when the environment names where they are kept, the
secrets from AWS (through a reader handed in: this module does no I/O of its own). One place,
read once per process."""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from handler.infra.flow_files import FLOWS_DIR
from handler.infra.twilio_ids import ACCOUNT_SID

REQUIRED = ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PHONE_HASH_KEY")
# The settings that may be kept in SSM Parameter Store or Secrets Manager instead of the
# environment (the Twilio account id is among them whether or not it is required).
SECRET_NAMES = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PHONE_HASH_KEY")
# SSM's rule for a hierarchy path, here a prefix the names are appended to: "/a/b/".
SSM_PREFIX = re.compile(r"/(?:[A-Za-z0-9_.-]+/)+")
# A Secrets Manager secret's name or its full ARN.
SECRET_ID = re.compile(r"[A-Za-z0-9/_+=.@:-]{1,2048}")
# DynamoDB's rule for table names. moto accepts any name; DynamoDB (and dynalite) reject
# the rest, which would only show when the first patient's message failed.
TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")

# Used by `triage-line serve`, `chat` and `vignettes` for anything the environment leaves unset.
DEVELOPMENT_VALUES = {
    "TWILIO_AUTH_TOKEN": "development-auth-token",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "PHONE_HASH_KEY": "development-phone-hash-key",
    "AWS_REGION": "us-east-1",
}


class SettingsError(Exception):
    """A required setting is missing or a setting has an unusable value."""


@dataclass(frozen=True)
class SecretSource:
    """Where the secrets are kept: SSM parameters named `<ssm_prefix><NAME>`, or one Secrets
    Manager secret holding a JSON object of NAME: value. Exactly one of the two is set."""
    ssm_prefix: str | None = None
    secret_id: str | None = None

    def where(self, name: str) -> str:
        """Where one secret was looked for, for error messages (a name, never a value)."""
        if self.ssm_prefix:
            return f"SSM parameter {self.ssm_prefix}{name}"
        return f"key {name} of Secrets Manager secret {self.secret_id}"


# Reads the named secrets from a source in a region; returns those it found (handler.infra.secrets.fetch).
SecretsReader = Callable[[SecretSource, Sequence[str], str], Mapping[str, str]]


def secret_source(value: Callable[[str], str | None]) -> SecretSource | None:
    """The source the settings name, checked; None when the secrets are in the environment."""
    prefix, secret_id = value("SECRETS_SSM_PREFIX"), value("SECRETS_MANAGER_SECRET_ID")
    if prefix and secret_id:
        raise SettingsError("set SECRETS_SSM_PREFIX or SECRETS_MANAGER_SECRET_ID, not both")
    if prefix and not SSM_PREFIX.fullmatch(prefix):
        raise SettingsError("SECRETS_SSM_PREFIX must be a path that starts and ends with '/', "
                            "e.g. /triage-line/prod/ (letters, digits, '_', '-', '.')")
    if secret_id and not SECRET_ID.fullmatch(secret_id):
        raise SettingsError("SECRETS_MANAGER_SECRET_ID must be a secret's name or ARN")
    return SecretSource(prefix, secret_id) if prefix or secret_id else None


@dataclass(frozen=True)
class Settings:
    """Everything the line is configured with. Tools that never answer a patient (create-table,
    fallback-twiml, validate) read it with require_secrets=False; the secrets are then
    empty strings when unset, and such settings must not run the app."""
    twilio_auth_token: str
    twilio_account_sid: str     # every webhook must carry it as AccountSid
    phone_hash_key: str
    public_base_url: str | None = None
    sessions_table: str = "triage-sessions"
    aws_region: str = "us-east-1"
    dynamodb_endpoint_url: str | None = None
    nurse_line_number: str | None = None
    session_ttl_seconds: int = 24 * 60 * 60
    max_messages_per_hour: int = 60
    flows_dir: Path = FLOWS_DIR

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, require_secrets: bool = True,
                 public_base_url_required: bool = False, secrets: SecretsReader | None = None) -> Settings:
        """Read and check every setting; SettingsError names the first wrong one.
        `require_secrets`: False for commands that answer no patient. `public_base_url_required`:
        behind API Gateway (Lambda) the app cannot see the URL Twilio signs, and the forwarded
        headers that would name it come from the client. `secrets`: reads the secrets when
        SECRETS_SSM_PREFIX or SECRETS_MANAGER_SECRET_ID names where they are kept."""
        env: Mapping[str, str] = os.environ if environ is None else environ

        def value(name: str) -> str | None:     # reads `env` as it is now: with the secrets once read
            return (env.get(name) or "").strip() or None

        region = value("AWS_REGION") or value("AWS_DEFAULT_REGION") or "us-east-1"
        source = secret_source(value)
        if source and require_secrets:
            env = {**env, **cls._read_secrets(source, value, secrets, region)}
        missing = [name for name in REQUIRED if not value(name)]
        if missing and require_secrets:
            raise SettingsError("missing required setting(s): " + ", ".join(missing) + (
                " (not found: " + ", ".join(source.where(name) for name in missing) + ")" if source
                else " (set them in the environment)"))
        account_sid = value("TWILIO_ACCOUNT_SID")
        if account_sid and not ACCOUNT_SID.fullmatch(account_sid):
            raise SettingsError("TWILIO_ACCOUNT_SID must be the account's SID: AC and 32 hex digits "
                                "(the Twilio console shows it beside the auth token)")
        ttl = value("SESSION_TTL_SECONDS") or "86400"
        if not ttl.isdigit() or int(ttl) < 60:
            raise SettingsError("SESSION_TTL_SECONDS must be a whole number of seconds, at least 60")
        per_hour = value("MAX_MESSAGES_PER_HOUR") or "60"
        if not per_hour.isdigit() or int(per_hour) < 1:
            raise SettingsError("MAX_MESSAGES_PER_HOUR must be a whole number, at least 1")
        table = value("SESSIONS_TABLE") or "triage-sessions"
        if not TABLE_NAME.fullmatch(table):
            raise SettingsError("SESSIONS_TABLE must be 3 to 255 characters: letters, digits, '_', '-' or '.'")
        base_url = value("PUBLIC_BASE_URL")
        if public_base_url_required and not base_url:
            raise SettingsError("missing required setting: PUBLIC_BASE_URL (the base of the URL Twilio "
                                "calls, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/dev)")
        if base_url and not base_url.startswith(("https://", "http://")):
            raise SettingsError("PUBLIC_BASE_URL must start with https:// (or http:// locally)")
        return cls(
            twilio_auth_token=value("TWILIO_AUTH_TOKEN") or "",
            twilio_account_sid=account_sid or "",
            phone_hash_key=value("PHONE_HASH_KEY") or "",
            public_base_url=base_url.rstrip("/") if base_url else None,
            sessions_table=table,
            aws_region=region,
            dynamodb_endpoint_url=value("DYNAMODB_ENDPOINT_URL"),
            nurse_line_number=value("NURSE_LINE_NUMBER"),
            session_ttl_seconds=int(ttl),
            max_messages_per_hour=int(per_hour),
            flows_dir=Path(value("TRIAGE_FLOWS_DIR") or FLOWS_DIR),
        )

    @staticmethod
    def _read_secrets(source: SecretSource, value: Callable[[str], str | None],
                      secrets: SecretsReader | None, region: str) -> dict[str, str]:
        """The secrets from their source. One place for each: a secret also set in the
        environment is refused, since which of the two is in use would not be visible."""
        if secrets is None:
            raise SettingsError("SECRETS_SSM_PREFIX or SECRETS_MANAGER_SECRET_ID is set, but this command reads "
                                "secrets from the environment only: unset it for local runs")
        doubled = [name for name in SECRET_NAMES if value(name)]
        if doubled:
            raise SettingsError(", ".join(doubled) + " set in the environment as well as in "
                                + ", ".join(source.where(name) for name in doubled) + ": keep one")
        found = secrets(source, SECRET_NAMES, region)
        return {name: found[name].strip() for name in SECRET_NAMES if (found.get(name) or "").strip()}
