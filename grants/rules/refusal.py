"""The one refusal type. PURE: standard library only.

Every rule and every operation that says "no" raises ``Refusal`` (or returns ``Problem`` values
that a caller may raise together as one ``Refusal``). A refusal carries no text: only a
``code`` (what is wrong), the ``field`` it concerns (a form field name, or None for the whole
request) and plain ``params`` (numbers, Decimals, dates, datetimes, strings, lists of strings).

Text is made at the edge, in ``grants.platform.refusals``, from the gettext catalogs, with the
params as named placeholders (``%(cap)s``). Never match on a refusal's text; match on its code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``code``, the ``field`` it belongs to and the figures the message shows."""

    field: str | None
    code: str
    params: dict = field(default_factory=dict)


class Refusal(Exception):
    """An action the rules refuse; ``problems`` says why (one or several at once).

    ``Refusal("quota", field="name", max=3)`` is one problem; ``Refusal.of(problems)`` several
    (a form with three mistakes is told about all three at once). ``code``, ``field`` and
    ``params`` are the first problem's.
    """

    def __init__(self, code: str, /, *, field: str | None = None, **params):
        self.problems: tuple[Problem, ...] = (Problem(field, code, dict(params)),)
        super().__init__(code)

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> Refusal:
        problems = tuple(problems)
        if not problems:
            raise ValueError("a refusal needs at least one problem")
        refusal = cls(problems[0].code, field=problems[0].field, **problems[0].params)
        refusal.problems = problems
        refusal.args = (", ".join(p.code for p in problems),)
        return refusal

    @property
    def code(self) -> str:
        return self.problems[0].code

    @property
    def field(self) -> str | None:
        return self.problems[0].field

    @property
    def params(self) -> dict:
        return self.problems[0].params

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]
