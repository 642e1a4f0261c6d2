"""Traffic limits in zappa_settings.json: the function's reserved concurrency (Zappa's
`lambda_concurrency`) and API Gateway stage throttling (set by deploy/stage_throttling.py,
Zappa's post-deploy callback, as Zappa 0.63 has no setting for it). The numbers and why:
docs/reliability.md, "Traffic limits"; the sums are checked here."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from zappa.cli import ZappaCLI

from handler.infra import store_budget
from tests.fakes import use_fake_aws

REPO = Path(__file__).resolve().parents[2]
SETTINGS = json.loads((REPO / "zappa_settings.json").read_text())
ACCOUNT_CONCURRENCY = 1000         # AWS's default per-region limit, shared by every function

# A line of this size, generously: 1,000 conversations a day of 5.3 messages (README's
# figures), a fifth of them in the busiest hour, and bursts ten times that hour's rate.
PEAK_MESSAGES_PER_SECOND = 1000 * 5.3 * 0.2 / 3600 * 10      # about 3 a second


def stage(name):
    settings = dict(SETTINGS[name])
    parent = settings.pop("extends", None)
    return {**stage(parent), **settings} if parent else settings


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_reserved_concurrency_covers_the_peak_even_with_a_slow_store_and_caps_a_flood(name):
    settings = stage(name)
    reserved = settings["lambda_concurrency"]
    slowest = store_budget.STORE_BUDGET_SECONDS + 1          # the slowest message, with the app's own time
    assert reserved >= PEAK_MESSAGES_PER_SECOND * slowest     # the peak is served while the store is slow
    assert reserved <= ACCOUNT_CONCURRENCY // 20              # a flood takes at most 5% of the account
    assert "provisioned_concurrency" not in settings


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_api_gateway_throttling_is_set_above_the_peak(name):
    settings = stage(name)
    rate, burst = settings["apigateway_throttling_rate_limit"], settings["apigateway_throttling_burst_limit"]
    assert PEAK_MESSAGES_PER_SECOND < rate <= 20
    assert rate <= burst <= settings["lambda_concurrency"]
    assert settings["apigateway_version"] == "v1"               # the callback patches a REST API stage
    assert settings["callbacks"]["post"] == "deploy.stage_throttling.apply"


def test_a_flood_at_the_limit_costs_a_few_dollars_a_day():
    rate = stage("prod")["apigateway_throttling_rate_limit"]
    requests_per_day = rate * 24 * 3600
    api_gateway = requests_per_day * 3.50 / 1e6          # REST API, per million requests
    lambda_requests = requests_per_day * 0.20 / 1e6
    lambda_compute = requests_per_day * 0.010 * 0.5 * 0.0000166667   # refused in ~10 ms at 512 MB
    assert api_gateway + lambda_requests + lambda_compute < 5


class FakeZappa:
    def __init__(self, client, api_id):
        self.apigateway_client = client
        self._api_id = api_id

    def get_api_id(self, lambda_name):
        return self._api_id if lambda_name == "triage-line-dev" else None


class FakeCli:
    """What Zappa hands a callback: its ZappaCLI, of which the callback reads these."""

    def __init__(self, zappa):
        self.stage_config = stage("dev")
        self.lambda_name = "triage-line-dev"
        self.api_stage = "dev"
        self.zappa = zappa


def test_the_post_deploy_callback_throttles_every_method_of_the_stage(monkeypatch, capsys):
    use_fake_aws(monkeypatch)
    monkeypatch.chdir(REPO)
    with mock_aws():
        client = boto3.client("apigateway", region_name="us-east-1")
        api_id = client.create_rest_api(name="triage-line-dev")["id"]
        root = client.get_resources(restApiId=api_id)["items"][0]["id"]
        client.put_method(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE")
        client.put_integration(restApiId=api_id, resourceId=root, httpMethod="ANY", type="MOCK")
        client.create_deployment(restApiId=api_id, stageName="dev")
        cli = FakeCli(FakeZappa(client, api_id))
        ZappaCLI.callback(cli, "post")         # Zappa's own loader, from zappa_settings.json's name
        methods = client.get_stage(restApiId=api_id, stageName="dev")["methodSettings"]["*/*"]
    assert methods["throttlingRateLimit"] == 10.0
    assert methods["throttlingBurstLimit"] == 20
    assert "at most 10 requests/s" in capsys.readouterr().out
