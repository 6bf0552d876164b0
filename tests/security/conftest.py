"""The security tests append their figures to test-artifacts/security-report.txt; start it afresh per run."""

from pathlib import Path

import pytest

REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "security-report.txt"


@pytest.fixture(scope="session", autouse=True)
def _fresh_security_report():
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("", encoding="utf-8")
    yield
