"""Production settings and the deploy-time commands: what can be proven offline."""
import json
import re
import sys
from xml.etree import ElementTree

import boto3
import pytest
from moto import mock_aws

from handler.infra.store import create_table
from handler.tools.cli import main
from tests.paths import REPO

SETTINGS = json.loads((REPO / "zappa_settings.json").read_text())
TWILIO_TIMEOUT_SECONDS = 15


def stage(name):
    """A stage's settings with `extends` applied, as Zappa reads them."""
    settings = dict(SETTINGS[name])
    parent = settings.pop("extends", None)
    return {**stage(parent), **settings} if parent else settings


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_no_traceback_ever_reaches_a_response(name):
    assert stage(name)["debug"] is False          # Zappa puts tracebacks in 500 bodies when debug is on
    assert stage(name)["log_level"] != "DEBUG"     # and logs whole events (with message bodies) at DEBUG


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_runtime_matches_the_python_the_package_is_built_with(name):
    assert stage(name)["runtime"] == f"python{sys.version_info.major}.{sys.version_info.minor}"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_lambda_gives_up_well_inside_twilios_timeout(name):
    assert stage(name)["timeout_seconds"] <= TWILIO_TIMEOUT_SECONDS - 5


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_permissions_are_scoped_to_the_sessions_table(name):
    settings = stage(name)
    table = settings["aws_environment_variables"]["SESSIONS_TABLE"]
    statements = [s for s in settings["extra_permissions"] if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert statements
    # the one other statement reads the stage's secrets (tests/infra/test_iam_scope.py)
    assert len(settings["extra_permissions"]) == len(statements) + 1
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert set(statement["Action"]) <= {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}
        assert re.fullmatch(rf"arn:aws:dynamodb:[a-z0-9-]+:ACCOUNT_ID:table/{re.escape(table)}",
                            statement["Resource"])        # the deploying account, filled in at deploy
    # The base policy replaces Zappa's broad default: logs only, nothing else.
    policy = json.loads((REPO / settings["attach_policy"]).read_text())
    actions = {action for statement in policy["Statement"] for action in statement["Action"]}
    assert actions == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_entry_point_is_the_projects_own_module(name):
    settings = stage(name)
    assert settings["lambda_handler"] == "handler.lambda_entry.lambda_handler"
    assert settings["app_function"] == "handler.lambda_entry.app"
    assert settings["use_precompiled_packages"] is False


def test_no_secret_is_committed():
    # the secrets' names appear only in the ARNs of their SSM parameters, never as settings
    text = (REPO / "zappa_settings.json").read_text()
    for secret in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PHONE_HASH_KEY"):
        assert text.count(secret) == text.count(f"/{secret}\"") == len(SETTINGS), secret
        for name in SETTINGS:
            assert secret not in stage(name)["aws_environment_variables"]
    assert "environment_variables" not in SETTINGS["dev"]   # only the function's own environment is used


def test_prod_is_kept_warm_and_dev_is_not():
    assert stage("prod")["keep_warm"] is True
    assert stage("dev")["keep_warm"] is False


@pytest.mark.parametrize("flag, root_tag, verb", [([], "Response", "Message"), (["--voice"], "Response", "Say")])
def test_fallback_twiml_is_valid_and_names_911(capsys, flag, root_tag, verb, monkeypatch):
    monkeypatch.delenv("NURSE_LINE_NUMBER", raising=False)
    assert main(["fallback-twiml", *flag]) == 0
    root = ElementTree.fromstring(capsys.readouterr().out.strip())
    assert root.tag == root_tag
    said = " ".join(element.text for element in root.iter(verb))
    assert "911" in said and "988" in said
    if flag:
        assert root[-1].tag == "Hangup"


def test_fallback_twiml_gives_the_nurse_line_when_set(capsys, monkeypatch):
    monkeypatch.setenv("NURSE_LINE_NUMBER", "+15005550006")
    main(["fallback-twiml"])
    assert "+15005550006" in capsys.readouterr().out


@pytest.fixture
def aws(monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_REGION", "us-east-1"), ("SESSIONS_TABLE", "triage-sessions-test")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


def test_create_table_makes_a_production_table_and_is_harmless_twice(aws, capsys):
    assert main(["create-table"]) == 0
    assert main(["create-table"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("created table") == 1 and "exists" in printed
    table = aws.describe_table(TableName="triage-sessions-test")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    ttl = aws.describe_time_to_live(TableName="triage-sessions-test")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    backups = aws.describe_continuous_backups(TableName="triage-sessions-test")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_create_table_with_a_customer_kms_key(aws):
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    create_table(aws, "triage-sessions-kms", kms_key_id=key)
    sse = aws.describe_table(TableName="triage-sessions-kms")["Table"]["SSEDescription"]
    assert sse["Status"] == "ENABLED" and sse["SSEType"] == "KMS" and sse["KMSMasterKeyArn"] == key
