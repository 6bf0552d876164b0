"""The reliability tests append their figures to test-artifacts/reliability-report.txt; start it afresh per run."""

import pytest

from tests.reliability._server import REPORT


@pytest.fixture(scope="session", autouse=True)
def _fresh_reliability_report():
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("", encoding="utf-8")
    yield
