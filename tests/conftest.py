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


# The longest files, longest first (seconds on 2 cores): every free-text patient watched for
# privacy (45), the browser (35), the bench (23), the fault matrix (22), validation (15).
LONGEST_FIRST = ("tests/channels/test_free_text_vignettes.py", "tests/browser/", "tests/slow/test_bench.py",
                 "tests/slow/test_fault_injection.py", "tests/checks/test_validation.py", "tests/slow/")


def _started_at(item) -> int:
    return next((n for n, start in enumerate(LONGEST_FIRST) if item.nodeid.startswith(start)), len(LONGEST_FIRST))


def pytest_collection_modifyitems(items):
    """The longest files first: under xdist (one file per worker at a time) they then run
    side by side from the start while the many short files fill in around them, instead of
    one landing at the end with the other worker idle. Tests do not depend on their order."""
    items.sort(key=_started_at)
