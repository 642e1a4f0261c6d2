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


# The order files are handed out in under xdist (with --no-loadscope-reorder, pyproject.toml):
# the longest files first (seconds on 2 cores): every free-text patient watched for
# privacy (45), the fault matrix (22), the browser (22), the bench (20), validation (14);
# then the rest of the slow ones and the channels (moto, a few seconds a file), the infra
# and the checks; the core's quick pure files last, to fill in at the end so that neither
# worker waits long for the other.
RUN_ORDER = ("tests/channels/test_free_text_vignettes.py", "tests/slow/test_fault_injection.py", "tests/browser/",
             "tests/slow/test_bench.py", "tests/checks/test_validation.py", "tests/slow/",
             "tests/channels/", "tests/infra/", "tests/checks/", "tests/core/")


def _started_at(item) -> int:
    return next((n for n, start in enumerate(RUN_ORDER) if item.nodeid.startswith(start)), len(RUN_ORDER))


def pytest_collection_modifyitems(items):
    """Files in RUN_ORDER (a stable sort: collection order within each group). Under xdist,
    one file per worker at a time, the longest then run side by side from the start while the
    short files fill in around them, instead of one landing at the end with the other worker
    idle. Tests do not depend on their order."""
    items.sort(key=_started_at)
