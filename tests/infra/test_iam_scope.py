"""The function's role: its own log group, its own table and its own secrets' SSM
parameters, in one account. The
committed files name the account ACCOUNT_ID (this repository cannot know it); Zappa's
settings callback (deploy/account_arns.py) puts in the deploying account before
`zappa deploy` and `zappa update`, and refuses a resource left unscoped."""
from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from zappa.cli import ZappaCLI

from handler.infra.settings import SECRET_NAMES
from tests.fakes import use_fake_aws

REPO = Path(__file__).resolve().parents[2]
SETTINGS = json.loads((REPO / "zappa_settings.json").read_text())


def stage(name):
    settings = dict(SETTINGS[name])
    parent = settings.pop("extends", None)
    return {**stage(parent), **settings} if parent else settings


def statements(name) -> list[dict]:
    """The role's policy as Zappa writes it: attach_policy's statements, then extra_permissions."""
    settings = stage(name)
    policy = json.loads((REPO / settings["attach_policy"]).read_text())
    return policy["Statement"] + settings["extra_permissions"]


def resources(statement: dict) -> list[str]:
    listed = statement["Resource"]
    return [listed] if isinstance(listed, str) else listed


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_logs_only_to_the_functions_own_log_group(name):
    settings = stage(name)
    function = f"{settings['project_name']}-{name}"
    logs = [s for s in statements(name) if any(a.startswith("logs:") for a in s["Action"])]
    assert len(logs) == 1
    assert logs[0]["Resource"] == f"arn:aws:logs:{settings['aws_region']}:ACCOUNT_ID:log-group:/aws/lambda/{function}:*"
    assert set(logs[0]["Action"]) == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_the_table_in_one_account_only(name):
    settings = stage(name)
    table = settings["aws_environment_variables"]["SESSIONS_TABLE"]
    tables = [s for s in statements(name) if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert [s["Resource"] for s in tables] == [f"arn:aws:dynamodb:{settings['aws_region']}:ACCOUNT_ID:table/{table}"]


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_secrets_only_from_the_stages_own_parameters(name):
    """ssm:GetParameters on exactly the parameters the app asks for (SECRETS_SSM_PREFIX and
    each secret's name), nothing else; no kms:Decrypt, since SecureStrings under SSM's own
    key (aws/ssm) need none (docs/deploy.md says what to add for a customer key)."""
    settings = stage(name)
    prefix = settings["aws_environment_variables"]["SECRETS_SSM_PREFIX"]
    secrets = [s for s in statements(name) if any(a.startswith(("ssm:", "secretsmanager:", "kms:"))
                                                   for a in s["Action"])]
    assert len(secrets) == 1 and secrets[0]["Action"] == ["ssm:GetParameters"]
    assert sorted(resources(secrets[0])) == sorted(
        f"arn:aws:ssm:{settings['aws_region']}:ACCOUNT_ID:parameter{prefix}{secret}" for secret in SECRET_NAMES)
    assert prefix == f"/{settings['project_name']}/{name}/"       # one stage cannot read another's


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_no_resource_is_a_wildcard_account_or_region(name):
    for statement in statements(name):
        for resource in resources(statement):
            parts = resource.split(":")
            assert parts[3] != "*" and parts[4] == "ACCOUNT_ID", resource
            assert "*" not in resource.removesuffix(":*"), resource    # only the log group's streams


class FakeZappa:
    def __init__(self, name, session):
        settings = stage(name)
        self.attach_policy = (REPO / settings["attach_policy"]).read_text()
        self.extra_permissions = [dict(s) for s in settings["extra_permissions"]]
        self.boto_session = session


class FakeCli:
    def __init__(self, command, zappa, name="dev"):
        self.command = command
        self.zappa = zappa
        self.stage_config = stage(name)


class NoAws:
    def client(self, *args, **kwargs):
        raise AssertionError("no AWS call outside deploy and update")


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_deploy_fills_in_the_deploying_account(monkeypatch, name, capsys):
    use_fake_aws(monkeypatch)
    monkeypatch.chdir(REPO)
    with mock_aws():
        account = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]
        cli = FakeCli("deploy", FakeZappa(name, boto3.Session(region_name="us-east-1")), name)
        ZappaCLI.callback(cli, "settings")          # Zappa's own loader, from zappa_settings.json's name
    policy = json.loads(cli.zappa.attach_policy)["Statement"] + cli.zappa.extra_permissions
    arns = [arn for statement in policy for arn in resources(statement)]
    assert len(arns) == 2 + len(SECRET_NAMES)
    assert all(re.fullmatch(rf"arn:aws:(logs|dynamodb|ssm):us-east-1:{account}:\S+", arn) for arn in arns), arns
    assert "ACCOUNT_ID" not in json.dumps(policy)
    assert account in capsys.readouterr().out


@pytest.mark.parametrize("command", ["package", "tail", "status"])
def test_other_commands_make_no_aws_call_and_change_nothing(monkeypatch, command):
    monkeypatch.chdir(REPO)
    zappa = FakeZappa("dev", NoAws())
    before = (zappa.attach_policy, json.dumps(zappa.extra_permissions))
    ZappaCLI.callback(FakeCli(command, zappa), "settings")
    assert (zappa.attach_policy, json.dumps(zappa.extra_permissions)) == before


def test_a_resource_left_unscoped_stops_the_deploy():
    import importlib.util

    spec = importlib.util.spec_from_file_location("account_arns", REPO / "deploy" / "account_arns.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.unscoped_resources([{"Resource": "arn:aws:logs:*:*:*"},
                                      {"Resource": "arn:aws:dynamodb:us-east-1:*:table/t"},
                                      {"Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t"},
                                      {"Resource": ["arn:aws:ssm:us-east-1:123456789012:parameter/a/B",
                                                    "arn:aws:ssm:us-east-1:ACCOUNT_ID:parameter/a/C"]}]) == \
        ["arn:aws:logs:*:*:*", "arn:aws:dynamodb:us-east-1:*:table/t", "arn:aws:ssm:us-east-1:ACCOUNT_ID:parameter/a/C"]
    with pytest.raises(ValueError):
        module.filled("x", "*")
