"""The domain core (grants/rules/) imports neither Flask nor SQLAlchemy nor any other part of the
app; the stdlib-only modules import nothing outside the standard library."""

import ast
import sys

import pytest

from grants import ROOT

RULES = ROOT / "grants" / "rules"
NO_WEB_OR_ORM = ("flask", "flask_", "sqlalchemy", "werkzeug", "wtforms")
STDLIB_ONLY = {"rubric.py", "workdays.py", "uscc.py", "charts.py", "budget.py", "lifecycle.py"}
PURE = sorted(p.name for p in RULES.glob("*.py") if p.name != "__init__.py")


def imported_modules(name: str) -> set[str]:
    tree = ast.parse((RULES / name).read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            out.add(node.module or "")
    return out


def test_every_rule_module_is_checked():
    assert STDLIB_ONLY <= set(PURE)
    assert {"scoring.py", "allocation.py", "assignment.py"} <= set(PURE)


@pytest.mark.parametrize("name", PURE)
def test_domain_module_is_pure(name):
    modules = imported_modules(name)
    roots = {m.split(".")[0] for m in modules}
    assert not {r for r in roots if r.startswith(NO_WEB_OR_ORM)}, name
    app_imports = {m for m in modules if m.split(".")[0] == "grants"}
    assert all(m.startswith("grants.rules") for m in app_imports), (name, app_imports)
    if name in STDLIB_ONLY:
        assert roots <= set(sys.stdlib_module_names) | {"__future__", "grants"}, (name, roots)
