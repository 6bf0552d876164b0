"""Security tests: each prints its figure and appends it to test-artifacts/security-report.txt."""
