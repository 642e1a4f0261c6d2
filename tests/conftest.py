"""Fixtures every layer shares, made once per test session (per worker under xdist):
the flows (reading and schema-checking them costs more than most tests) and a boto3
DynamoDB client for moto (a client made while moto is on builds a new boto3 session,
75-185 ms)."""
import boto3
import pytest

from handler.infra.flow_files import load_flows
from handler.infra.store import CLIENT_CONFIG
from tests.fakes import REGION, use_fake_aws


@pytest.fixture(scope="session")
def flows():
    """Every flow in flows/, by id, as the app loads them at cold start."""
    return load_flows()


@pytest.fixture(scope="session")
def flow(flows):
    """The real muscle spasm and leg cramp flow from flows/."""
    return flows["muscle-spasms"]


@pytest.fixture(scope="session")
def moto_client():
    """One boto3 DynamoDB client (with the app's short timeouts, fake credentials) for every
    moto test of this worker. It holds no data: moto keeps that, inside each test's mock_aws."""
    with pytest.MonkeyPatch.context() as patch:
        use_fake_aws(patch, REGION)
        return boto3.client("dynamodb", region_name=REGION, config=CLIENT_CONFIG)


def pytest_collection_modifyitems(items):
    """The slow files first: under xdist (one file per worker at a time) the fault matrix and
    the bench then start at once, side by side, while the many short files fill in around
    them, instead of both landing at the end. Tests do not depend on their order."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith("tests/slow/") else 1)
