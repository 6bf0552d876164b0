"""The reliability tests append their figures to test-artifacts/reliability-report.txt; start it afresh per run."""

import pytest

from tests.reliability._server import REPORT


@pytest.fixture(scope="session", autouse=True)
def _fresh_reliability_report():
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("", encoding="utf-8")
    yield


@pytest.fixture(scope="session")
def _production_hash():
    from grants.platform import passwords
    from tests import factories

    return passwords.hasher.hash(factories.PASSWORD)


@pytest.fixture(autouse=True)
def _users_hashed_at_production_cost(monkeypatch, _production_hash):
    """These tests sign in on servers of their own that are not TESTING apps: their users get a
    hash at the production cost (as before the suite's cheap test hashing), so no sign-in there
    re-hashes and writes the user row inside a timed or killed request."""
    from tests import factories

    monkeypatch.setattr(factories, "_HASH", _production_hash)
