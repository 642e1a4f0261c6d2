"""The function's role: its own log group and its own table, in one account. The
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
def test_no_resource_is_a_wildcard_account_or_region(name):
    for statement in statements(name):
        parts = statement["Resource"].split(":")
        assert parts[3] != "*" and parts[4] == "ACCOUNT_ID", statement["Resource"]
        assert statement["Resource"] != "*"


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
    resources = [s["Resource"] for s in policy]
    assert all(re.fullmatch(rf"arn:aws:(logs|dynamodb):us-east-1:{account}:\S+", r) for r in resources), resources
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
                                      {"Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t"}]) == \
        ["arn:aws:logs:*:*:*", "arn:aws:dynamodb:us-east-1:*:table/t"]
    with pytest.raises(ValueError):
        module.filled("x", "*")
