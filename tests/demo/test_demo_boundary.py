"""Demo data stays out of the production code path: only the CLI's seed-demo uses grants.demo,
and the demo passwords are written nowhere else in the package."""

from __future__ import annotations

import ast
from pathlib import Path

from grants.demo import seed

GRANTS = Path(__file__).resolve().parents[2] / "grants"


def _imports_of_demo(path: Path) -> list[tuple[int, bool]]:
    """(line, at module level) of every import of grants.demo in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        if any(n == "grants.demo" or n.startswith("grants.demo.") for n in names):
            found.append((node.lineno, id(node) in top_level))
    return found


def test_only_the_cli_imports_the_demo_package():
    importers = {
        str(path.relative_to(GRANTS.parent)): lines
        for path in GRANTS.rglob("*.py")
        if GRANTS / "demo" not in path.parents and (lines := _imports_of_demo(path))
    }
    assert set(importers) <= {"grants/cli.py"}, importers


def test_demo_passwords_appear_only_in_the_demo_package():
    passwords = [seed.ADMIN_PASSWORD, seed.NGO_PASSWORD, seed.REVIEWER_PASSWORD]
    leaks = [
        str(path.relative_to(GRANTS.parent))
        for path in GRANTS.rglob("*")
        if path.is_file() and GRANTS / "demo" not in path.parents and path.suffix in {".py", ".html", ".po", ".txt"}
        and any(p in path.read_text(encoding="utf-8", errors="replace") for p in passwords)
    ]
    templates = Path(GRANTS.parent / "templates")
    leaks += [str(p) for p in templates.rglob("*.html") if any(w in p.read_text(encoding="utf-8") for w in passwords)]
    assert leaks == []
