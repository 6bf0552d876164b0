"""Access rules per feature, merged by tests/platform/test_access.py.

Each module defines ``RULES = {endpoint: rule}`` where rule is "all" (anyone, 200), "token"
(reached through a one-time link; tested elsewhere), "skip:<reason>" (checked by a dedicated test),
or a set of role names allowed (others: anonymous → redirect to login, signed in → 403 or 404),
or a tuple ``(roles, build)`` where ``build(make, rnd)`` returns the URL values for real objects,
and optionally ``POST_ONLY = {endpoint, ...}``.
"""

import importlib
import pkgutil


def merged():
    rules, post_only = {}, set()
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        overlap = set(rules) & set(getattr(module, "RULES", {}))
        assert not overlap, f"endpoints with two rules: {overlap}"
        rules.update(getattr(module, "RULES", {}))
        post_only |= set(getattr(module, "POST_ONLY", set()))
    return rules, post_only
