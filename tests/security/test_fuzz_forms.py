"""Fuzzing: hypothesis drives every POST route through the test client, as the role allowed to
use it, with a valid CSRF token and the field names of the route's own form (taken from the
rendered pages): random text (unicode, NUL, huge), numbers, dates and repeated values.
No response may be a server error (>= 500).

Bounded: 8 examples per route on SQLite, 3 on PostgreSQL (NUL and huge strings matter there).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict

from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token
from tests.security.test_access_matrix import cells, expectation, minimal_data
from tests.security.world import build, login, report

SKIP = {"auth.logout", "auth.login", "public.set_language"}  # session-ending / covered by throttling tests
PREFERRED = ["admin", "appA", "rev", "anonymous", "appB"]
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
ACTION = re.compile(r'action="([^"]*)"')
NAME = re.compile(r'name="([^"]+)"')

text = st.text(st.characters(codec="utf-8"), max_size=40)
value = st.one_of(
    text,
    st.just("\x00"), st.text(alphabet="\x00abc中", min_size=1, max_size=5),
    st.integers(-10**12, 10**12).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.dates().map(str), st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "9" * 40, "x" * 70000, "<script>", "None", "on", "y"]),
)
field_value = st.one_of(value, st.lists(value, min_size=2, max_size=3))


def _forms_by_action(client, urls) -> dict[str, set[str]]:
    """Field names of every form on the given pages, by the path the form posts to."""
    out = defaultdict(set)
    for url in urls:
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        for form in FORM.findall(response.get_data(as_text=True)):
            m = ACTION.search(form[:form.find(">") + 1])
            target = (m.group(1) if m and m.group(1) else url).replace("&amp;", "&").split("?")[0].split("#")[0]
            out[target] |= set(NAME.findall(form)) - {"csrf_token"}
    return out


def test_fuzz_every_form(app, make, backend):
    world = build(make, app)
    examples = 8 if backend == "sqlite" else 3
    clients, tokens, forms = {}, {}, {}
    routes = []
    for endpoint, method, rule in cells(app):
        if method != "POST" or endpoint in SKIP:
            continue
        allowed, overrides = expectation(endpoint)
        role = next((r for r in PREFERRED if r in allowed), None)
        if role is None:
            continue
        with app.test_request_context():
            url = url_for(endpoint, **world.url_values(rule, {k: world.ids[v] for k, v in overrides.items()}))
        routes.append((endpoint, role, url))
    for role in {r for _e, r, _u in routes}:
        clients[role] = login(app, role)
        tokens[role] = csrf_token(clients[role], "/")
        gets = []
        for endpoint, method, rule in cells(app):
            allowed, overrides = expectation(endpoint)
            if method == "GET" and role in allowed and endpoint != "auth.logout" and not rule.rule.endswith(
                    (".pdf", ".xlsx", ".csv", ".json")):
                with app.test_request_context():
                    gets.append(url_for(endpoint, **world.url_values(
                        rule, {k: world.ids[v] for k, v in overrides.items()})))
        forms[role] = _forms_by_action(clients[role], gets)
    sent, errors, started = 0, [], time.monotonic()
    def fuzzer(endpoint, client, url, base, names):
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(st.fixed_dictionaries({}, optional={n: field_value for n in names}))
        def fuzz(data):
            nonlocal sent
            sent += 1
            try:
                response = client.post(url, data=data | base)
            except Exception as exc:  # TESTING propagates exceptions: each one would be a 500
                errors.append(f"{endpoint} {url} {type(exc).__name__}: {exc} {ascii(data)[:300]}")
                return
            if response.status_code >= 500:
                errors.append(f"{endpoint} {url} {response.status_code} {ascii(data)[:300]}")

        return fuzz

    for endpoint, role, url in routes:
        names = sorted(forms[role].get(url, set())) or ["name", "reason", "amount"]
        fuzzer(endpoint, clients[role], url, minimal_data(world, endpoint, tokens[role]), names)()
    elapsed = time.monotonic() - started
    report(f"fuzz [{backend}]", f"{len(routes)} POST routes, {sent} requests in {elapsed:.0f} s, "
                                f"{len(errors)} responses >= 500")
    assert not errors, "\n".join(errors[:20])
