"""The domain core imports neither Flask nor SQLAlchemy; the stdlib-only modules import nothing else."""

import ast
import sys

import pytest

from grants import ROOT

NO_WEB_OR_ORM = ("flask", "flask_", "sqlalchemy", "werkzeug", "wtforms")
STDLIB_ONLY = {"rubric.py", "workdays.py", "uscc.py", "charts.py", "budget.py"}
PURE = sorted(STDLIB_ONLY | {"scoring.py", "allocation.py", "assignment.py"})


def imported_modules(name: str) -> set[str]:
    tree = ast.parse((ROOT / "grants" / name).read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            out.add(node.module or "")
    return out


@pytest.mark.parametrize("name", PURE)
def test_domain_module_is_pure(name):
    roots = {m.split(".")[0] for m in imported_modules(name)}
    assert not {r for r in roots if r.startswith(NO_WEB_OR_ORM)}, name
    if name in STDLIB_ONLY:
        assert roots <= set(sys.stdlib_module_names) | {"__future__", "grants"}, (name, roots)
