"""The line's secrets from AWS: SSM Parameter Store (SecureString parameters under one
prefix, one GetParameters call) or Secrets Manager (one secret holding a JSON object, one
GetSecretValue call). Read once per cold start, by create_app or lambda_entry through
Settings.from_env(secrets=fetch). Every AWS call outside the session store is here.

Errors name the parameter or secret, never a value; what was read is returned to the
settings and never logged."""
from __future__ import annotations

import json
from collections.abc import Sequence

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from handler.infra.settings import SecretSource, SettingsError

# A cold start must not hang on the secrets: Lambda gives the whole init phase 10 s.
# Two attempts of at most 1 s to connect and 2 s to read stay well inside it.
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 2, "mode": "standard"})


def fetch(source: SecretSource, names: Sequence[str], region: str) -> dict[str, str]:
    """The secrets among `names` that the source holds. A name it does not hold is left out;
    the settings then say which required one is missing and where it was looked for."""
    if source.ssm_prefix:
        return _from_ssm(source.ssm_prefix, names, region)
    if source.secret_id:
        return _from_secrets_manager(source.secret_id, names, region)
    raise SettingsError("no secret source named")


def _client(service: str, region: str):
    import boto3

    return boto3.client(service, region_name=region, config=CLIENT_CONFIG)


def _aws_error(error: Exception) -> str:
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "ClientError")
    return type(error).__name__


def _from_ssm(prefix: str, names: Sequence[str], region: str) -> dict[str, str]:
    wanted = {prefix + name: name for name in names}
    try:
        answer = _client("ssm", region).get_parameters(Names=list(wanted), WithDecryption=True)
    except (BotoCoreError, ClientError) as error:
        raise SettingsError(f"could not read the SSM parameters under {prefix} in {region}: "
                            f"{_aws_error(error)}") from None
    found = {}
    for parameter in answer.get("Parameters", []):
        if parameter["Name"] not in wanted:
            continue
        if parameter.get("Type") != "SecureString":
            # a plain String is stored and shown unencrypted: not a place for a secret
            raise SettingsError(f"SSM parameter {parameter['Name']} is a {parameter.get('Type')}; "
                                "secrets must be SecureString parameters")
        found[wanted[parameter["Name"]]] = parameter["Value"]
    return found


def _from_secrets_manager(secret_id: str, names: Sequence[str], region: str) -> dict[str, str]:
    try:
        answer = _client("secretsmanager", region).get_secret_value(SecretId=secret_id)
    except (BotoCoreError, ClientError) as error:
        raise SettingsError(f"could not read Secrets Manager secret {secret_id} in {region}: "
                            f"{_aws_error(error)}") from None
    try:
        held = json.loads(answer.get("SecretString") or "")
    except ValueError:
        held = None
    if not isinstance(held, dict):
        raise SettingsError(f"Secrets Manager secret {secret_id} must hold a JSON object of names to values, "
                            f"with the keys {', '.join(names)}")
    return {name: held[name] for name in names if isinstance(held.get(name), str)}
