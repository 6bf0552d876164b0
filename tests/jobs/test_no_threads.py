"""No business work in threads or executors of the web process: work that outlives a request is a job.

Read with ast from the source. The one allowed thread is the job heartbeat, which runs in the worker
(grants/platform/jobs.py, only while ``execute`` runs a job)."""

from __future__ import annotations

import ast

import pytest

from grants import ROOT

ALLOWED = {"grants/platform/jobs.py"}
FORBIDDEN = {"Thread", "Timer", "ThreadPoolExecutor", "ProcessPoolExecutor", "start_new_thread"}
MODULES = sorted(p for p in (ROOT / "grants").rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_threads_or_executors(path):
    if str(path.relative_to(ROOT)) in ALLOWED:
        return
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        if name in FORBIDDEN:
            found.append(f"line {node.lineno}: {name}")
        if isinstance(node, ast.ImportFrom) and node.module in ("threading", "concurrent.futures", "_thread"):
            found += [f"line {node.lineno}: from {node.module} import {a.name}" for a in node.names
                      if a.name in FORBIDDEN]
    assert not found, f"{path.name} starts threads or executors: {found}; enqueue a job instead"
