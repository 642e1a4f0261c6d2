"""Fixtures every layer shares. The flows are read once per test session (per worker
under xdist): reading and schema-checking them costs more than most tests."""
import pytest

from handler.infra.flow_files import load_flows


@pytest.fixture(scope="session")
def flows():
    """Every flow in flows/, by id, as the app loads them at cold start."""
    return load_flows()


@pytest.fixture(scope="session")
def flow(flows):
    """The real muscle spasm and leg cramp flow from flows/."""
    return flows["muscle-spasms"]
