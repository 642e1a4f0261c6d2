"""Tests that build the Lambda package, run the bench, start real servers or run the
whole fault matrix. `make test` runs them with the rest; `-m "not slow"` leaves them out
while working on something else."""
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/slow/" in item.nodeid:
            item.add_marker(pytest.mark.slow)
