"""Shared fixtures. The flows are read once per test session."""
import pytest

from handler.infra.flow_files import load_flows


@pytest.fixture(scope="session")
def flow():
    """The real muscle spasm and leg cramp flow from flows/."""
    return load_flows()["muscle-spasms"]
