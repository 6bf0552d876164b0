"""The shape of grants/ (issue 12), read with ast from the source (nothing is imported or run):

- no module imports another stage's ``views*`` modules (a stage may use another's operations/documents);
- grants/rules/* imports only the standard library and grants.rules (plus the pure numerical solvers
  the assignment and allocation rules are built on, see ``SOLVERS``);
- grants/platform/* imports no stage package;
- no production module imports grants.demo, except grants/cli.py inside its command (lazily);
- no ``operations*.py`` module commits (operations flush, views commit);
- no view module makes user text out of an exception (``str(exc)``, ``_(str(exc))``, ``exc.args``, an
  f-string of it, ``str(exc) == "already"``), translates a non-literal, or raises an exception with text;
- every views module is registered in grants/platform/web.py ``VIEW_MODULES`` and nothing else is.

Every check is parametrized by module, so a failure names the module that breaks the rule.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from grants import ROOT

GRANTS = ROOT / "grants"
STAGES = ("accounts", "rounds", "intake", "screening", "review", "assignment", "ranking", "roadshow",
          "allocation", "publication", "dashboards", "agreements", "background", "reports", "evaluation",
          "organizations")
# The assignment and allocation rules solve flows and integer programs; these libraries compute and do
# no I/O (no web, no ORM, no files). tests/unit/test_purity.py keeps the stdlib-only list per module.
SOLVERS = {"ortools", "numpy"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(GRANTS.rglob("*.py"))}


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def is_views(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 2 and parts[1] in STAGES and parts[2].startswith("views") or (
        len(parts) > 2 and parts[1] in STAGES and parts[2].endswith("views"))


@dataclass(frozen=True)
class Import:
    name: str  # a module, or module.attribute for ``from module import attribute`` (it may be a submodule)
    line: int
    lazy: bool  # inside a function body


def imports_of(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import of the source, relative ones resolved; ``importlib.import_module("x")`` counts."""
    package = module if is_package else module.rpartition(".")[0]
    out: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend(Import(alias.name, child.lineno, lazy) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    source_module = ".".join(base + ([child.module] if child.module else []))
                else:
                    source_module = child.module or ""
                out.append(Import(source_module, child.lineno, lazy))
                out.extend(Import(f"{source_module}.{alias.name}", child.lineno, lazy) for alias in child.names)
            elif isinstance(child, ast.Call) and _call_name(child) in ("import_module", "__import__") \
                    and child.args and isinstance(child.args[0], ast.Constant) and isinstance(child.args[0].value, str):
                out.append(Import(child.args[0].value, child.lineno, lazy))
            visit(child, inner)

    visit(ast.parse(source), False)
    return out


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _imports(module: str) -> list[Import]:
    path = MODULES[module]
    return imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


# ------------------------------------------------------------------------------------ the checks


def views_imports(module: str, imports: list[Import]) -> list[str]:
    own = stage_of(module)
    found = [f"{'.'.join(imp.name.split('.')[:3])} (line {imp.line})" for imp in imports
             if imp.name.startswith("grants.") and is_views(imp.name) and stage_of(imp.name) != own]
    return list(dict.fromkeys(found))


def impure_rule_imports(imports: list[Import]) -> list[str]:
    bad = []
    for imp in imports:
        root = imp.name.split(".")[0]
        if imp.name == "grants.rules" or imp.name.startswith("grants.rules."):
            continue
        if root not in STDLIB | SOLVERS:
            bad.append(f"{imp.name} (line {imp.line})")
    return bad


def stage_imports(imports: list[Import]) -> list[str]:
    return [f"{imp.name} (line {imp.line})" for imp in imports if stage_of(imp.name) is not None
            and imp.name.startswith("grants.")]


def demo_imports(module: str, imports: list[Import]) -> list[str]:
    demo = [imp for imp in imports if imp.name == "grants.demo" or imp.name.startswith("grants.demo.")]
    if module == "grants.cli":
        demo = [imp for imp in demo if not imp.lazy]
    return [f"{imp.name} (line {imp.line}{', at import time' if not imp.lazy else ''})" for imp in demo]


def commits(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"]


def exception_text(source: str) -> list[str]:
    """User text made from exceptions, translations of non-literals, exceptions raised with text."""
    tree = ast.parse(source)
    found = []
    scopes = []  # (exception name, the code where it is bound): ``except X as name`` and ``name: SomeError``
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.name:
            scopes.append((node.name, node.body))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scopes.extend((arg.arg, node.body) for arg in node.args.args + node.args.kwonlyargs
                          if arg.annotation is not None
                          and ast.unparse(arg.annotation).endswith(("Error", "Exception", "Refused")))
    for name, body in scopes:
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "repr") \
                    and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == name:
                found.append(f"line {node.lineno}: {node.func.id}({name})")
            elif isinstance(node, ast.FormattedValue) and isinstance(node.value, ast.Name) and node.value.id == name:
                found.append(f"line {node.lineno}: f-string of {name}")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name \
                    and node.attr in ("args", "message", "messages", "issues", "detail"):
                found.append(f"line {node.lineno}: {name}.{node.attr}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT \
                and node.args and not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append(f"line {node.lineno}: {node.func.id}() of a non-literal")
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                and ast.unparse(node.exc.func).rpartition(".")[2] not in ("Refusal", "abort") and any(
                isinstance(arg, ast.Constant) and isinstance(arg.value, str) or isinstance(arg, ast.JoinedStr)
                for arg in node.exc.args):
            found.append(f"line {node.lineno}: raises {ast.unparse(node.exc)[:60]}")
    return found


# ------------------------------------------------------------------------------------- the tests


def test_the_walk_sees_every_stage_and_its_views():
    assert {stage_of(m) for m in MODULES} - {None} == set(STAGES)
    views = sorted(m for m in MODULES if is_views(m))
    assert "grants.review.admin_views" in views and "grants.roadshow.judge_views" in views
    assert not [m for m in MODULES if m.rpartition(".")[2].startswith("view") and m not in views]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_another_stages_views(module):
    assert not views_imports(module, _imports(module)), _where(module, 1)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("grants.rules")))
def test_rules_import_only_the_stdlib_and_rules(module):
    assert not impure_rule_imports(_imports(module)), _where(module, 1)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("grants.platform")))
def test_platform_imports_no_stage(module):
    assert not stage_imports(_imports(module)), _where(module, 1)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.startswith("grants.demo")))
def test_only_the_cli_loads_the_demo_and_only_lazily(module):
    assert not demo_imports(module, _imports(module)), _where(module, 1)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.rpartition(".")[2].startswith("operations")))
def test_operations_never_commit(module):
    lines = commits(MODULES[module].read_text(encoding="utf-8"))
    assert not lines, f"{_where(module, lines[0])}: operations flush, the view (or job) that calls them commits"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if is_views(m)))
def test_views_make_no_text_from_exceptions(module):
    found = exception_text(MODULES[module].read_text(encoding="utf-8"))
    assert not found, f"{MODULES[module].relative_to(ROOT)}: " + "; ".join(found)


def test_every_views_module_is_registered():
    from grants.platform import web

    assert set(web.VIEW_MODULES) == {m for m in MODULES if is_views(m)}


# -------------------------------------------------- the checks themselves catch what they look for


def test_checks_catch_samples():
    src = ("from grants.review import views\nfrom grants.roadshow.judge_views import x\nfrom . import views as own\n"
           "import importlib\ndef f():\n    from grants.demo import seed\n    importlib.import_module('grants.ranking.views')\n")
    imports = imports_of(src, "grants.review.operations")
    assert views_imports("grants.review.operations", imports) == [
        "grants.roadshow.judge_views (line 2)", "grants.ranking.views (line 7)"]
    assert views_imports("grants.platform.mail", imports)[0] == "grants.review.views (line 1)"
    assert [i.name for i in imports_of("from ..rules import rubric\n", "grants.review.forms")][1] == "grants.rules.rubric"
    assert impure_rule_imports(imports_of("import math\nimport flask\nfrom ortools.sat.python import cp_model\n"
                                          "from grants.models import Round\n", "grants.rules.x")) == [
        "flask (line 2)", "grants.models (line 4)", "grants.models.Round (line 4)"]
    assert stage_imports(imports_of("from grants.intake import operations\nfrom grants.rules import uscc\n",
                                    "grants.platform.x")) == ["grants.intake (line 1)", "grants.intake.operations (line 1)"]
    assert demo_imports("grants.cli", imports) == []  # inside a function: lazy
    assert demo_imports("grants.cli", imports_of("from grants.demo import seed\n", "grants.cli"))
    assert demo_imports("grants.review.views", imports) == ["grants.demo (line 6)", "grants.demo.seed (line 6)"]
    assert commits("def op():\n    db.session.flush()\n    db.session.commit()\n") == [3]
    bad = ("def v():\n    try:\n        pass\n    except E as exc:\n        flash(_(str(exc)))\n"
           "        if str(exc) == 'already': pass\n        x = f'{exc}'\n        y = exc.args[0]\n"
           "    raise ValueError('English text')\n")
    assert len(exception_text(bad)) == 6
    assert exception_text("def messages(error: rubric.RubricError):\n    return list(error.issues)\n") == [
        "line 2: error.issues"]
    good = ("def v():\n    try:\n        pass\n    except Refusal as exc:\n        refusals.flash_refusal(exc)\n"
            "    flash(_('Saved.'))\n    abort(404)\n    raise Refusal('quota', field='name')\n")
    assert exception_text(good) == []
