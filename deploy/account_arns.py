"""Zappa's "settings" callback (zappa_settings.json, "callbacks"): the IAM resources in
zappa_settings.json (`extra_permissions`) and deploy/lambda-policy-<stage>.json name the
account as ACCOUNT_ID, since this repository cannot know yours. Before `zappa deploy` and
`zappa update` (the commands that write the function's role) this puts in the account the
deploy really goes to, from STS's get-caller-identity with Zappa's own AWS session, and
refuses to go on if any resource is still not scoped to one account. Other commands
(`zappa package` among them) touch no IAM and make no AWS call here."""
from __future__ import annotations

import json
import re

PLACEHOLDER = "ACCOUNT_ID"
COMMANDS_THAT_WRITE_THE_ROLE = frozenset({"deploy", "update"})
# the services the role may touch: its logs, its table, its secrets (and a customer KMS key, if added)
SCOPED_ARN = re.compile(r"arn:aws:(logs|dynamodb|ssm|secretsmanager|kms):[a-z0-9-]+:\d{12}:\S+")


def filled(text: str, account: str) -> str:
    if not re.fullmatch(r"\d{12}", account):
        raise ValueError(f"not an AWS account id: {account!r}")
    return text.replace(f":{PLACEHOLDER}:", f":{account}:")


def unscoped_resources(statements: list[dict]) -> list[str]:
    """Resources not limited to one account (a wildcard, or the placeholder left in)."""
    found = []
    for statement in statements:
        resources = statement["Resource"]
        for resource in [resources] if isinstance(resources, str) else resources:
            if not SCOPED_ARN.fullmatch(resource):
                found.append(resource)
    return found


def fill(cli) -> None:
    if getattr(cli, "command", None) not in COMMANDS_THAT_WRITE_THE_ROLE:
        return
    zappa = cli.zappa
    account = zappa.boto_session.client("sts").get_caller_identity()["Account"]
    zappa.attach_policy = filled(zappa.attach_policy, account)
    zappa.extra_permissions = json.loads(filled(json.dumps(zappa.extra_permissions or []), account))
    statements = json.loads(zappa.attach_policy)["Statement"] + zappa.extra_permissions
    left = unscoped_resources(statements)
    if left:
        raise RuntimeError(f"IAM resources not scoped to account {account}: {', '.join(left)}")
    print(f"IAM resources scoped to account {account}")
