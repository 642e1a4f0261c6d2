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


def pytest_collection_modifyitems(items):
    """The slow files first: under xdist (one file per worker at a time) the fault matrix and
    the bench then start at once, side by side, while the many short files fill in around
    them, instead of both landing at the end. Tests do not depend on their order."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith("tests/slow/") else 1)
