"""Scoring rubrics (評分標準 / 评分标准): criteria with band descriptors, veto items
(一票否決) and bonus items (加分項), plus validation of a reviewer's score sheet.

PURE module: standard library and grants.rules only (no Flask, no SQLAlchemy), so that
everything here can be tested without an app or a database. Nothing here makes text: a
problem is a ``grants.rules.refusal.Problem`` (a code, the field it concerns, plain params;
a criterion's label is a LocalizedText param) and errors are ``Refusal``s. The words, in
the three interface languages, are in grants/platform/refusals.py (section "review").

Definitions
-----------
* A score for criterion ``c`` is *valid* when it is a finite Decimal ``s`` with
  ``0 <= s <= c.max_points`` and ``s`` an exact multiple of ``c.step``.
* Weighted base total: ``base_total = Σ score × weight`` over all criteria;
  ``max_total(rubric) = Σ max_points × weight``. With the default weight 1 these are
  plain sums (the default written rubric totals 100).
* Bonus: each bonus value lies in ``[0, item.max_points]`` on ``item.step``;
  ``bonus_total = min(Σ bonus values, rubric.bonus_cap)``. A missing/empty bonus value
  means 0 (bonus items are optional).
* ``total = base_total + bonus_total``; ``max_total(rubric, with_bonus=True)`` is the
  highest total reachable with bonus.
* Deductions (扣分項, evaluation rubrics): each deduction value lies in
  ``[0, item.max_points]`` on ``item.step``; ``deduction_total = min(Σ values,
  rubric.deduction_cap)``. Evaluation totals (base + capped bonus − capped deductions,
  floored at 0) and the pass mark (``Rubric.pass_mark``, None for review rubrics) are applied
  by ``grants.rules.evaluation``; the review totals here ignore deductions.
* Veto: a proposal is vetoed when any veto item is answered ``True``. A vetoed sheet
  still has a total; excluding it from the ranking is the caller's job (``is_vetoed``).
* The *lowest band* of a criterion is the band containing 0, the *highest band* the one
  containing ``max_points``. By default a comment is required for a score in either.
* No rounding happens here: totals are exact Decimals. Rounding for publication
  (2 decimals, half-up) belongs to the scoring layer.

Rubric objects are frozen dataclasses and are not validated on construction (so an
editor can hold a draft); call ``check_rubric``. The loaders (``load_rubric``,
``rubric_from_dict``) always check and raise ``RubricError`` (a ``Refusal``) whose problems
name the key path (``criteria[2].bands[1].max``) in ``field`` and in the ``path`` param.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from grants.rules.refusal import Problem, Refusal

__all__ = [
    "LANGS",
    "Band",
    "BonusItem",
    "Criterion",
    "DeductionItem",
    "LocalizedText",
    "Problem",
    "Refusal",
    "Rubric",
    "RubricError",
    "ScoreError",
    "VetoItem",
    "band_for",
    "base_total",
    "bonus_total",
    "check_rubric",
    "deduction_total",
    "validate_deductions",
    "default_final_evaluation_rubric",
    "default_midterm_evaluation_rubric",
    "default_roadshow_rubric",
    "default_written_rubric",
    "dumps_rubric",
    "is_vetoed",
    "load_rubric",
    "loads_rubric",
    "max_total",
    "next_version",
    "normalize_lang",
    "parse_number",
    "rubric_from_dict",
    "rubric_to_dict",
    "total",
    "validate",
    "vetoed_items",
]

LANGS: tuple[str, ...] = ("zh_Hant", "zh_Hans", "en")
KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
# What a person may type as a score (after NFKC, so full-width "１８．５" is accepted).
_INPUT_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# What a rubric file may hold as a number string (str(Decimal) may use an exponent).
_FILE_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RUBRIC_DIR = Path(__file__).resolve().parent / "rubrics"


class RubricError(Refusal):
    """A rubric file or dict is malformed: a ``Refusal`` whose ``problems`` list every problem
    found, each with the key path (``criteria[2].bands[1].max``) as ``field`` and ``path`` param.
    A JSON syntax error is one ``rubric_json_syntax`` problem with ``line`` and ``column``."""


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class LocalizedText:
    """A text in the three interface languages. ``text["en"]`` works like a dict;
    ``text.get(lang)`` also accepts "zh-TW", "zh_CN", "en-GB"... (see normalize_lang)."""

    zh_Hant: str
    zh_Hans: str
    en: str

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGS:
            raise KeyError(lang)
        return getattr(self, lang)

    def get(self, lang: str | None) -> str:
        return getattr(self, normalize_lang(lang))

    def as_dict(self) -> dict[str, str]:
        return {lang: getattr(self, lang) for lang in LANGS}

    @classmethod
    def from_dict(cls, d: Mapping[str, str]) -> LocalizedText:
        return cls(**{lang: d[lang] for lang in LANGS})


@dataclass(frozen=True)
class Band:
    """A score band such as 優 18–20: ``min`` and ``max`` are inclusive."""

    key: str
    label: LocalizedText
    min: Decimal
    max: Decimal
    descriptor: LocalizedText  # what earns this band, shown to reviewers

    def contains(self, score: Decimal) -> bool:
        return self.min <= score <= self.max


@dataclass(frozen=True)
class Criterion:
    key: str
    label: LocalizedText
    max_points: Decimal
    bands: tuple[Band, ...]
    step: Decimal = Decimal("1")
    weight: Decimal = Decimal("1")
    require_comment_lowest: bool = True
    require_comment_highest: bool = True

    @property
    def sorted_bands(self) -> tuple[Band, ...]:
        """Bands from the lowest to the highest."""
        return tuple(sorted(self.bands, key=lambda b: b.min))

    @property
    def lowest_band(self) -> Band:
        return self.sorted_bands[0]

    @property
    def highest_band(self) -> Band:
        return self.sorted_bands[-1]

    @property
    def weighted_max(self) -> Decimal:
        return self.max_points * self.weight


@dataclass(frozen=True)
class VetoItem:
    """一票否決: a yes answer disqualifies the proposal. By default a "yes" needs a
    reason in ``comments[key]`` (a disqualification must be explainable in 公示)."""

    key: str
    label: LocalizedText
    require_comment_if_yes: bool = True


@dataclass(frozen=True)
class BonusItem:
    """加分項: a value in [0, max_points] on ``step`` (step == max_points: all or nothing)."""

    key: str
    label: LocalizedText
    max_points: Decimal
    step: Decimal = Decimal("1")


@dataclass(frozen=True)
class DeductionItem:
    """扣分項 (evaluation rubrics): points taken off, a value in [0, max_points] on ``step``."""

    key: str
    label: LocalizedText
    max_points: Decimal
    step: Decimal = Decimal("1")


@dataclass(frozen=True)
class Rubric:
    name: LocalizedText
    version: int
    criteria: tuple[Criterion, ...]
    veto_items: tuple[VetoItem, ...] = ()
    bonus_items: tuple[BonusItem, ...] = ()
    bonus_cap: Decimal = Decimal("0")
    # evaluation rubrics only (the review rubrics leave the defaults, and their JSON omits them)
    deduction_items: tuple[DeductionItem, ...] = ()
    deduction_cap: Decimal = Decimal("0")
    pass_mark: Decimal | None = None

    def deduction_item(self, key: str) -> DeductionItem:
        for d in self.deduction_items:
            if d.key == key:
                return d
        raise KeyError(key)

    def criterion(self, key: str) -> Criterion:
        for c in self.criteria:
            if c.key == key:
                return c
        raise KeyError(key)

    def veto_item(self, key: str) -> VetoItem:
        for v in self.veto_items:
            if v.key == key:
                return v
        raise KeyError(key)

    def bonus_item(self, key: str) -> BonusItem:
        for b in self.bonus_items:
            if b.key == key:
                return b
        raise KeyError(key)


class ScoreError(Refusal):
    """Raised by the total functions for input ``validate`` would refuse (``problems``: what)."""


# ------------------------------------------------------------------ number parsing


def parse_number(value: Decimal | int | str | None) -> Decimal | None:
    """Turn form input into a Decimal. ``None`` and blank strings give ``None``;
    strings are NFKC-normalised (full-width digits are fine) and must be plain decimals
    ("18", "17.5"; no exponent). Raises ValueError for non-numbers and NaN/Infinity,
    TypeError for floats and bools (a programming error: never pass floats)."""
    if value is None:
        return None
    if isinstance(value, bool | float):
        raise TypeError(f"scores must be Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, str):
        s = unicodedata.normalize("NFKC", value).strip()
        if not s:
            return None
        if not _INPUT_NUMBER_RE.fullmatch(s):
            raise ValueError(f"not a number: {value!r}")
        d = Decimal(s)
    else:
        raise TypeError(f"scores must be Decimal, int or str, not {type(value).__name__}")
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return d + 0  # turns -0 into 0


def number_strings(values: Mapping[str, str], keys: Iterable[str]) -> dict[str, str]:
    """The values of ``keys`` that are numbers, as canonical decimal strings (what a score sheet stores);
    blanks are left out. Validate first: a value that is not a number raises like ``parse_number``."""
    out = {}
    for key in keys:
        number = parse_number(values.get(key))
        if number is not None:
            out[key] = str(number)
    return out


def _on_step(value: Decimal, step: Decimal) -> bool:
    try:
        return value % step == 0
    except InvalidOperation:  # quotient too large for the context: not a sane score
        return False


# ------------------------------------------------------------------------- bands


def band_for(criterion: Criterion, score: Decimal | int | str) -> Band:
    """The band a score falls in. For a checked rubric and a valid score this is the
    band with ``min <= score <= max``; a score between two bands (off step) gets the
    lower one. Raises ValueError for a missing, non-numeric or out-of-range score."""
    s = parse_number(score)
    if s is None or not (0 <= s <= criterion.max_points):
        raise ValueError(f"score {score!r} is outside 0..{criterion.max_points} for {criterion.key!r}")
    found = criterion.lowest_band
    for band in criterion.sorted_bands:
        if band.min <= s:
            found = band
    return found


# -------------------------------------------------------------------- validation


def _num(d: Decimal) -> Decimal:
    """A Decimal param as people write it: 0.50 -> 0.5, 10.0 -> 10 (exact, never rounded)."""
    if not d.is_finite():
        return d
    n = d.normalize()
    try:
        return n.quantize(Decimal(1)) if n == n.to_integral_value() else n
    except InvalidOperation:  # more digits than the context holds: leave it as it is
        return n


def _value(raw: Any) -> str:
    """What was typed, for a message param (kept short)."""
    return str(raw)[:40]


def _score_problem(c: Criterion, raw: Any) -> tuple[Decimal | None, Problem | None]:
    try:
        s = parse_number(raw)
    except ValueError:
        return None, Problem(c.key, "score_not_a_number", {"label": c.label, "value": _value(raw)})
    if s is None:
        return None, Problem(c.key, "score_missing", {"label": c.label})
    if not (0 <= s <= c.max_points):
        return None, Problem(
            c.key, "score_out_of_range", {"label": c.label, "min": Decimal(0), "max": _num(c.max_points), "value": s}
        )
    if not _on_step(s, c.step):
        return None, Problem(c.key, "score_off_step", {"label": c.label, "step": _num(c.step), "value": s})
    return s, None


def _bonus_problem(b: BonusItem, raw: Any) -> tuple[Decimal, Problem | None]:
    try:
        v = parse_number(raw)
    except ValueError:
        return Decimal(0), Problem(b.key, "bonus_not_a_number", {"label": b.label, "value": _value(raw)})
    if v is None:
        return Decimal(0), None
    if not (0 <= v <= b.max_points):
        return Decimal(0), Problem(
            b.key,
            "bonus_out_of_range",
            {"label": b.label, "min": Decimal(0), "max": _num(b.max_points), "value": v},
        )
    if not _on_step(v, b.step):
        return Decimal(0), Problem(b.key, "bonus_off_step", {"label": b.label, "step": _num(b.step), "value": v})
    return v, None


def _deduction_problem(d: DeductionItem, raw: Any) -> tuple[Decimal, Problem | None]:
    try:
        v = parse_number(raw)
    except ValueError:
        return Decimal(0), Problem(d.key, "deduction_not_a_number", {"label": d.label, "value": _value(raw)})
    if v is None:
        return Decimal(0), None
    if not (0 <= v <= d.max_points):
        return Decimal(0), Problem(
            d.key,
            "deduction_out_of_range",
            {"label": d.label, "min": Decimal(0), "max": _num(d.max_points), "value": v},
        )
    if not _on_step(v, d.step):
        return Decimal(0), Problem(d.key, "deduction_off_step", {"label": d.label, "step": _num(d.step), "value": v})
    return v, None


def validate_deductions(rubric: Rubric, deductions: Mapping[str, Decimal | int | str | None] | None) -> list[Problem]:
    """Every problem with the deduction values of an evaluation sheet (blank means 0), then unknown keys."""
    deductions = deductions or {}
    problems = []
    for d in rubric.deduction_items:
        _, p = _deduction_problem(d, deductions.get(d.key))
        if p is not None:
            problems.append(p)
    keys = {d.key for d in rubric.deduction_items}
    problems.extend(Problem(str(k), "score_unknown_item", {"key": str(k)}) for k in deductions if k not in keys)
    return problems


def deduction_total(rubric: Rubric, deductions: Mapping[str, Decimal | int | str | None] | None = None) -> Decimal:
    """min(Σ deduction values, deduction_cap). Raises ScoreError for an invalid value."""
    deductions = deductions or {}
    result = Decimal(0)
    problems = []
    for d in rubric.deduction_items:
        v, p = _deduction_problem(d, deductions.get(d.key))
        if p is not None:
            problems.append(p)
        result += v
    if problems:
        raise ScoreError.of(problems)
    return min(result, rubric.deduction_cap)


def _has_text(comments: Mapping[str, str], key: str) -> bool:
    value = comments.get(key)
    return isinstance(value, str) and bool(value.strip())


def validate(
    rubric: Rubric,
    scores: Mapping[str, Decimal | int | str | None],
    comments: Mapping[str, str] | None = None,
    veto_answers: Mapping[str, bool | None] | None = None,
    bonus: Mapping[str, Decimal | int | str | None] | None = None,
) -> list[Problem]:
    """Every problem with a score sheet, in rubric order (criteria, veto, bonus), then
    keys the rubric does not know (code ``score_unknown_item``). At most one score problem
    per criterion (score_missing / score_not_a_number / score_out_of_range / score_off_step);
    a valid score in a band that needs a comment without one gives ``score_comment_required``.
    Comments are keyed by criterion or veto key; extra comment keys are ignored."""
    comments = comments or {}
    veto_answers = veto_answers or {}
    bonus = bonus or {}
    problems: list[Problem] = []

    for c in rubric.criteria:
        s, p = _score_problem(c, scores.get(c.key))
        if p is not None:
            problems.append(p)
            continue
        assert s is not None
        band = band_for(c, s)
        reason = None
        if c.require_comment_lowest and band == c.lowest_band:
            reason = "lowest"
        elif c.require_comment_highest and band == c.highest_band:
            reason = "highest"
        if reason and not _has_text(comments, c.key):
            problems.append(
                Problem(c.key, "score_comment_required", {"label": c.label, "band": band.label, "reason": reason})
            )

    for v in rubric.veto_items:
        answer = veto_answers.get(v.key)
        if answer is None:
            problems.append(Problem(v.key, "veto_unanswered", {"label": v.label}))
        elif not isinstance(answer, bool):
            raise TypeError(f"veto answer for {v.key!r} must be True, False or None, not {answer!r}")
        elif answer and v.require_comment_if_yes and not _has_text(comments, v.key):
            problems.append(Problem(v.key, "veto_comment_required", {"label": v.label}))

    for b in rubric.bonus_items:
        _, p = _bonus_problem(b, bonus.get(b.key))
        if p is not None:
            problems.append(p)

    known = (
        ({c.key for c in rubric.criteria}, scores),
        ({v.key for v in rubric.veto_items}, veto_answers),
        ({b.key for b in rubric.bonus_items}, bonus),
    )
    for keys, given in known:
        for key in given:
            if key not in keys:
                problems.append(Problem(str(key), "score_unknown_item", {"key": str(key)}))
    return problems


# ------------------------------------------------------------------------ totals


def max_total(rubric: Rubric, *, with_bonus: bool = False) -> Decimal:
    """Σ max_points × weight; with ``with_bonus`` add min(bonus_cap, Σ bonus maxima)."""
    result = sum((c.weighted_max for c in rubric.criteria), Decimal(0))
    if with_bonus:
        result += min(rubric.bonus_cap, sum((b.max_points for b in rubric.bonus_items), Decimal(0)))
    return result


def base_total(rubric: Rubric, scores: Mapping[str, Decimal | int | str | None]) -> Decimal:
    """Σ score × weight. Raises ScoreError if any score is missing or invalid."""
    result = Decimal(0)
    problems = []
    for c in rubric.criteria:
        s, p = _score_problem(c, scores.get(c.key))
        if p is not None:
            problems.append(p)
        else:
            assert s is not None
            result += s * c.weight
    if problems:
        raise ScoreError.of(problems)
    return result


def bonus_total(rubric: Rubric, bonus: Mapping[str, Decimal | int | str | None] | None = None) -> Decimal:
    """min(Σ bonus values, bonus_cap). Raises ScoreError for an invalid bonus value."""
    bonus = bonus or {}
    result = Decimal(0)
    problems = []
    for b in rubric.bonus_items:
        v, p = _bonus_problem(b, bonus.get(b.key))
        if p is not None:
            problems.append(p)
        result += v
    if problems:
        raise ScoreError.of(problems)
    return min(result, rubric.bonus_cap)


def total(
    rubric: Rubric,
    scores: Mapping[str, Decimal | int | str | None],
    bonus: Mapping[str, Decimal | int | str | None] | None = None,
) -> Decimal:
    """base_total + bonus_total (exact, unrounded). Raises ScoreError on invalid input."""
    return base_total(rubric, scores) + bonus_total(rubric, bonus)


def vetoed_items(rubric: Rubric, veto_answers: Mapping[str, bool | None]) -> list[VetoItem]:
    return [v for v in rubric.veto_items if veto_answers.get(v.key) is True]


def is_vetoed(rubric: Rubric, veto_answers: Mapping[str, bool | None]) -> bool:
    """True when any veto item is answered yes (unanswered items do not veto)."""
    return bool(vetoed_items(rubric, veto_answers))


def next_version(rubric: Rubric) -> Rubric:
    """A copy with version + 1 (for editing a rubric after scores exist)."""
    return replace(rubric, version=rubric.version + 1)


# ---------------------------------------------------------------------- languages


def normalize_lang(lang: str | None) -> str:
    """Map a locale ("zh-TW", "zh_Hant_HK", "zh-CN", "zh", "en-GB"...) to one of LANGS.
    Traditional: zh_Hant, zh_TW, zh_HK, zh_MO; other Chinese: zh_Hans; anything else: en."""
    if not lang:
        return "en"
    parts = lang.replace("-", "_").split("_")
    if parts[0].lower() != "zh":
        return "en"
    rest = {p.lower() for p in parts[1:]}
    if rest & {"hant", "tw", "hk", "mo"}:
        return "zh_Hant"
    return "zh_Hans"


#: Every code ``validate`` and the total functions may give (messages: grants/platform/refusals.py).
PROBLEM_CODES: frozenset[str] = frozenset({
    "score_missing", "score_not_a_number", "score_out_of_range", "score_off_step", "score_comment_required",
    "veto_unanswered", "veto_comment_required", "bonus_not_a_number", "bonus_out_of_range", "bonus_off_step",
    "score_unknown_item",
})
#: Every code ``validate_deductions`` and ``deduction_total`` may give (evaluation sheets).
DEDUCTION_PROBLEM_CODES: frozenset[str] = frozenset({
    "deduction_not_a_number", "deduction_out_of_range", "deduction_off_step", "score_unknown_item",
})


# ------------------------------------------------------------------ rubric check
#
# Every problem with a rubric is a Problem whose ``field`` is the key path in the rubric
# document ("criteria[2].bands[1].max") and whose params hold that ``path`` and plain figures.


def _at(path: str, **params: Any) -> dict[str, Any]:
    return {"path": path, **params}


def _check_text(text: Any, path: str, issues: list[Problem]) -> None:
    if not isinstance(text, LocalizedText):
        issues.append(Problem(path, "rubric_not_text", _at(path)))
        return
    for lang in LANGS:
        value = getattr(text, lang)
        if not isinstance(value, str) or not value.strip():
            issues.append(Problem(f"{path}.{lang}", "rubric_text_empty", _at(f"{path}.{lang}")))


def _check_decimal(value: Any, path: str, issues: list[Problem], *, positive: bool = False) -> bool:
    if not isinstance(value, Decimal) or not value.is_finite():
        issues.append(Problem(path, "rubric_not_finite", _at(path)))
        return False
    if positive and value <= 0:
        issues.append(Problem(path, "rubric_not_positive", _at(path)))
        return False
    if not positive and value < 0:
        issues.append(Problem(path, "rubric_negative", _at(path)))
        return False
    return True


def _check_key(key: Any, path: str, seen: dict[str, str], issues: list[Problem]) -> None:
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        issues.append(Problem(path, "rubric_key_invalid", _at(path, value=str(key))))
    elif key in seen:
        issues.append(Problem(path, "rubric_key_duplicate", _at(path, value=key, other=seen[key])))
    else:
        seen[key] = path


def _check_bands(c: Criterion, path: str, issues: list[Problem]) -> None:
    if not c.bands:
        issues.append(Problem(f"{path}.bands", "rubric_no_bands", _at(f"{path}.bands")))
        return
    band_keys: dict[str, str] = {}
    ok = True
    for j, band in enumerate(c.bands):
        bpath = f"{path}.bands[{j}]"
        _check_key(band.key, f"{bpath}.key", band_keys, issues)
        _check_text(band.label, f"{bpath}.label", issues)
        _check_text(band.descriptor, f"{bpath}.descriptor", issues)
        lo_ok = _check_decimal(band.min, f"{bpath}.min", issues)
        hi_ok = _check_decimal(band.max, f"{bpath}.max", issues)
        if not (lo_ok and hi_ok):
            ok = False
            continue
        if band.min > band.max:
            issues.append(Problem(bpath, "rubric_band_min_above_max", _at(bpath, min=band.min, max=band.max)))
            ok = False
        for name in ("min", "max"):
            value = getattr(band, name)
            if not _on_step(value, c.step):
                issues.append(Problem(f"{bpath}.{name}", "rubric_band_off_step",
                                      _at(f"{bpath}.{name}", value=value, step=c.step)))
                ok = False
    if not ok:
        return
    ordered = sorted(enumerate(c.bands), key=lambda jb: jb[1].min)
    first_j, first = ordered[0]
    last_j, last = ordered[-1]
    if first.min != 0:
        at = f"{path}.bands[{first_j}].min"
        issues.append(Problem(at, "rubric_band_start", _at(at, value=first.min)))
    if last.max != c.max_points:
        at = f"{path}.bands[{last_j}].max"
        issues.append(Problem(at, "rubric_band_end", _at(at, max=c.max_points, value=last.max)))
    for (ja, a), (jb, b) in zip(ordered, ordered[1:], strict=False):
        at, other = f"{path}.bands[{jb}]", f"bands[{ja}]"
        if b.min <= a.max:
            issues.append(Problem(at, "rubric_band_overlap", _at(
                at, other=other, other_range=f"{a.min}–{a.max}", range=f"{b.min}–{b.max}")))
        elif b.min != a.max + c.step:
            issues.append(Problem(at, "rubric_band_gap", _at(at, other=other, low=a.max, high=b.min, step=c.step)))


def check_rubric(rubric: Rubric) -> list[Problem]:
    """Everything wrong with a rubric, as Problems located by key path (empty: fine).

    Checks: a non-empty name in every language, version an int >= 1, at least one
    criterion, keys well-formed and unique across criteria, veto and bonus items,
    max_points/step/weight positive, step dividing max_points, bands on the step grid
    covering [0, max_points] with no gap or overlap, bonus items sane, bonus_cap >= 0
    (and > 0 when there are bonus items)."""
    issues: list[Problem] = []
    _check_text(rubric.name, "name", issues)
    if isinstance(rubric.version, bool) or not isinstance(rubric.version, int) or rubric.version < 1:
        issues.append(Problem("version", "rubric_version_invalid", _at("version", value=str(rubric.version))))
    if not rubric.criteria:
        issues.append(Problem("criteria", "rubric_no_criteria", _at("criteria")))
    seen: dict[str, str] = {}
    for i, c in enumerate(rubric.criteria):
        path = f"criteria[{i}]"
        _check_key(c.key, f"{path}.key", seen, issues)
        _check_text(c.label, f"{path}.label", issues)
        max_ok = _check_decimal(c.max_points, f"{path}.max_points", issues, positive=True)
        step_ok = _check_decimal(c.step, f"{path}.step", issues, positive=True)
        _check_decimal(c.weight, f"{path}.weight", issues, positive=True)
        for flag in ("require_comment_lowest", "require_comment_highest"):
            if not isinstance(getattr(c, flag), bool):
                issues.append(Problem(f"{path}.{flag}", "rubric_not_boolean", _at(f"{path}.{flag}")))
        if max_ok and step_ok:
            if not _on_step(c.max_points, c.step):
                issues.append(Problem(f"{path}.step", "rubric_step_divides",
                                      _at(f"{path}.step", step=c.step, max=c.max_points)))
            else:
                _check_bands(c, path, issues)
    for i, v in enumerate(rubric.veto_items):
        path = f"veto_items[{i}]"
        _check_key(v.key, f"{path}.key", seen, issues)
        _check_text(v.label, f"{path}.label", issues)
        if not isinstance(v.require_comment_if_yes, bool):
            at = f"{path}.require_comment_if_yes"
            issues.append(Problem(at, "rubric_not_boolean", _at(at)))
    for i, b in enumerate(rubric.bonus_items):
        path = f"bonus_items[{i}]"
        _check_key(b.key, f"{path}.key", seen, issues)
        _check_text(b.label, f"{path}.label", issues)
        max_ok = _check_decimal(b.max_points, f"{path}.max_points", issues, positive=True)
        step_ok = _check_decimal(b.step, f"{path}.step", issues, positive=True)
        if max_ok and step_ok and not _on_step(b.max_points, b.step):
            issues.append(Problem(f"{path}.step", "rubric_step_divides",
                                  _at(f"{path}.step", step=b.step, max=b.max_points)))
    if _check_decimal(rubric.bonus_cap, "bonus_cap", issues) and rubric.bonus_items and rubric.bonus_cap == 0:
        issues.append(Problem("bonus_cap", "rubric_bonus_cap_zero", _at("bonus_cap")))
    for i, d in enumerate(rubric.deduction_items):
        path = f"deduction_items[{i}]"
        _check_key(d.key, f"{path}.key", seen, issues)
        _check_text(d.label, f"{path}.label", issues)
        max_ok = _check_decimal(d.max_points, f"{path}.max_points", issues, positive=True)
        step_ok = _check_decimal(d.step, f"{path}.step", issues, positive=True)
        if max_ok and step_ok and not _on_step(d.max_points, d.step):
            issues.append(Problem(f"{path}.step", "rubric_step_divides",
                                  _at(f"{path}.step", step=d.step, max=d.max_points)))
    if (_check_decimal(rubric.deduction_cap, "deduction_cap", issues) and rubric.deduction_items
            and rubric.deduction_cap == 0):
        issues.append(Problem("deduction_cap", "rubric_deduction_cap_zero", _at("deduction_cap")))
    if rubric.pass_mark is not None and _check_decimal(rubric.pass_mark, "pass_mark", issues) \
            and rubric.pass_mark > max_total(rubric):
        issues.append(Problem("pass_mark", "rubric_pass_mark_above_max",
                              _at("pass_mark", value=rubric.pass_mark, max=max_total(rubric))))
    return issues


# ------------------------------------------------------------------ dict / JSON


def _text_to_dict(t: LocalizedText) -> dict[str, str]:
    return t.as_dict()


def rubric_to_dict(rubric: Rubric) -> dict[str, Any]:
    """A JSON-ready dict; Decimals become strings (exact), every field is written (the evaluation
    fields only when used, so a review rubric's dict is what it always was)."""
    result = _review_rubric_to_dict(rubric)
    if rubric.deduction_items or rubric.deduction_cap:
        result["deduction_cap"] = str(rubric.deduction_cap)
        result["deduction_items"] = [
            {"key": d.key, "label": _text_to_dict(d.label), "max_points": str(d.max_points), "step": str(d.step)}
            for d in rubric.deduction_items
        ]
    if rubric.pass_mark is not None:
        result["pass_mark"] = str(rubric.pass_mark)
    return result


def _review_rubric_to_dict(rubric: Rubric) -> dict[str, Any]:
    return {
        "name": _text_to_dict(rubric.name),
        "version": rubric.version,
        "bonus_cap": str(rubric.bonus_cap),
        "criteria": [
            {
                "key": c.key,
                "label": _text_to_dict(c.label),
                "max_points": str(c.max_points),
                "step": str(c.step),
                "weight": str(c.weight),
                "require_comment_lowest": c.require_comment_lowest,
                "require_comment_highest": c.require_comment_highest,
                "bands": [
                    {
                        "key": b.key,
                        "label": _text_to_dict(b.label),
                        "min": str(b.min),
                        "max": str(b.max),
                        "descriptor": _text_to_dict(b.descriptor),
                    }
                    for b in c.bands
                ],
            }
            for c in rubric.criteria
        ],
        "veto_items": [
            {
                "key": v.key,
                "label": _text_to_dict(v.label),
                "require_comment_if_yes": v.require_comment_if_yes,
            }
            for v in rubric.veto_items
        ],
        "bonus_items": [
            {
                "key": b.key,
                "label": _text_to_dict(b.label),
                "max_points": str(b.max_points),
                "step": str(b.step),
            }
            for b in rubric.bonus_items
        ],
    }


class _Reader:
    """Reads a plain dict into model objects, collecting problems with key paths."""

    def __init__(self) -> None:
        self.issues: list[Problem] = []

    def obj(
        self, value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict | None:
        if not isinstance(value, Mapping):
            if path:
                self.issues.append(Problem(path, "rubric_not_object", _at(path)))
            else:
                self.issues.append(Problem(None, "rubric_top_not_object"))
            return None
        prefix = f"{path}." if path else ""
        for name in required:
            if name not in value:
                self.issues.append(Problem(f"{prefix}{name}", "rubric_key_required", _at(f"{prefix}{name}")))
        for name in value:
            if name not in required and name not in optional:
                self.issues.append(Problem(f"{prefix}{name}", "rubric_key_unknown", _at(f"{prefix}{name}")))
        return dict(value)

    def number(self, value: Any, path: str, default: Decimal | None = None) -> Decimal:
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            self.issues.append(Problem(path, "rubric_not_number", _at(path)))
            return Decimal(0)
        if isinstance(value, str):
            if not _FILE_NUMBER_RE.fullmatch(value.strip()):
                self.issues.append(Problem(path, "rubric_number_text", _at(path, value=value[:40])))
                return Decimal(0)
            value = Decimal(value.strip())
        d = Decimal(value)
        if not d.is_finite():
            self.issues.append(Problem(path, "rubric_not_finite", _at(path)))
            return Decimal(0)
        if abs(d) > NUMBER_LIMIT or (d != 0 and -d.normalize().as_tuple().exponent > NUMBER_PLACES):
            self.issues.append(Problem(path, "rubric_number_out_of_range",
                                       _at(path, limit=NUMBER_LIMIT, places=NUMBER_PLACES)))
            return Decimal(0)
        return d

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            self.issues.append(Problem(path, "rubric_not_string", _at(path)))
            return ""
        return value

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.issues.append(Problem(path, "rubric_not_boolean", _at(path)))
            return default
        return value

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.issues.append(Problem(path, "rubric_not_integer", _at(path)))
            return 1
        return value

    def text(self, value: Any, path: str) -> LocalizedText:
        d = self.obj(value, path, LANGS)
        if d is None:
            return LocalizedText("", "", "")
        return LocalizedText(**{lang: self.string(d.get(lang, ""), f"{path}.{lang}") for lang in LANGS})

    def items(self, value: Any, path: str, *, required: bool) -> list:
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.issues.append(Problem(path, "rubric_not_list", _at(path)))
            return []
        return value


def rubric_from_dict(data: Mapping[str, Any]) -> Rubric:
    """Build and check a rubric; raises RubricError listing every problem by key path
    (e.g. ``criteria[2].bands[1].max``, code ``rubric_not_number``). Numbers may be JSON
    integers, Decimals or numeric strings; floats are refused. Unknown keys are errors (typos)."""
    r = _Reader()
    top = r.obj(data, "", ("name", "version", "criteria"),
                ("bonus_cap", "veto_items", "bonus_items", "deduction_cap", "deduction_items", "pass_mark"))
    if top is None:
        raise RubricError.of(r.issues)
    criteria = []
    for i, raw in enumerate(r.items(top.get("criteria"), "criteria", required=True)):
        path = f"criteria[{i}]"
        c = r.obj(
            raw,
            path,
            ("key", "label", "max_points", "bands"),
            ("step", "weight", "require_comment_lowest", "require_comment_highest"),
        )
        if c is None:
            continue
        bands = []
        for j, braw in enumerate(r.items(c.get("bands"), f"{path}.bands", required=True)):
            bpath = f"{path}.bands[{j}]"
            b = r.obj(braw, bpath, ("key", "label", "min", "max", "descriptor"))
            if b is None:
                continue
            bands.append(
                Band(
                    key=r.string(b.get("key"), f"{bpath}.key"),
                    label=r.text(b.get("label"), f"{bpath}.label"),
                    min=r.number(b.get("min"), f"{bpath}.min"),
                    max=r.number(b.get("max"), f"{bpath}.max"),
                    descriptor=r.text(b.get("descriptor"), f"{bpath}.descriptor"),
                )
            )
        criteria.append(
            Criterion(
                key=r.string(c.get("key"), f"{path}.key"),
                label=r.text(c.get("label"), f"{path}.label"),
                max_points=r.number(c.get("max_points"), f"{path}.max_points"),
                bands=tuple(bands),
                step=r.number(c.get("step"), f"{path}.step", default=Decimal("1")),
                weight=r.number(c.get("weight"), f"{path}.weight", default=Decimal("1")),
                require_comment_lowest=r.boolean(
                    c.get("require_comment_lowest"), f"{path}.require_comment_lowest", True
                ),
                require_comment_highest=r.boolean(
                    c.get("require_comment_highest"), f"{path}.require_comment_highest", True
                ),
            )
        )
    vetoes = []
    for i, raw in enumerate(r.items(top.get("veto_items"), "veto_items", required=False)):
        path = f"veto_items[{i}]"
        v = r.obj(raw, path, ("key", "label"), ("require_comment_if_yes",))
        if v is None:
            continue
        vetoes.append(
            VetoItem(
                key=r.string(v.get("key"), f"{path}.key"),
                label=r.text(v.get("label"), f"{path}.label"),
                require_comment_if_yes=r.boolean(
                    v.get("require_comment_if_yes"), f"{path}.require_comment_if_yes", True
                ),
            )
        )
    bonuses = []
    for i, raw in enumerate(r.items(top.get("bonus_items"), "bonus_items", required=False)):
        path = f"bonus_items[{i}]"
        b = r.obj(raw, path, ("key", "label", "max_points"), ("step",))
        if b is None:
            continue
        bonuses.append(
            BonusItem(
                key=r.string(b.get("key"), f"{path}.key"),
                label=r.text(b.get("label"), f"{path}.label"),
                max_points=r.number(b.get("max_points"), f"{path}.max_points"),
                step=r.number(b.get("step"), f"{path}.step", default=Decimal("1")),
            )
        )
    deductions = []
    for i, raw in enumerate(r.items(top.get("deduction_items"), "deduction_items", required=False)):
        path = f"deduction_items[{i}]"
        d = r.obj(raw, path, ("key", "label", "max_points"), ("step",))
        if d is None:
            continue
        deductions.append(
            DeductionItem(
                key=r.string(d.get("key"), f"{path}.key"),
                label=r.text(d.get("label"), f"{path}.label"),
                max_points=r.number(d.get("max_points"), f"{path}.max_points"),
                step=r.number(d.get("step"), f"{path}.step", default=Decimal("1")),
            )
        )
    rubric = Rubric(
        deduction_items=tuple(deductions),
        deduction_cap=r.number(top.get("deduction_cap"), "deduction_cap", default=Decimal("0")),
        pass_mark=(None if top.get("pass_mark") is None else r.number(top.get("pass_mark"), "pass_mark")),
        name=r.text(top.get("name"), "name"),
        version=r.integer(top.get("version"), "version"),
        criteria=tuple(criteria),
        veto_items=tuple(vetoes),
        bonus_items=tuple(bonuses),
        bonus_cap=r.number(top.get("bonus_cap"), "bonus_cap", default=Decimal("0")),
    )
    # Structural errors first; semantic checks only make sense on a well-typed rubric.
    issues = r.issues or check_rubric(rubric)
    if issues:
        raise RubricError.of(issues)
    return rubric


class _ConstantRefused(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_constant(name: str) -> Any:
    raise _ConstantRefused(name)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise RubricError.of([Problem(None, "rubric_json_duplicate_key", {"key": str(key)[:60]})])
        result[key] = value
    return result


#: Limits on rubric JSON (input policy, SECURITY.md): a real rubric is a few KB, 5 levels deep.
#: Every number in it lies within +-NUMBER_LIMIT with at most NUMBER_PLACES decimals.
MAX_JSON_CHARS = 200_000
MAX_JSON_DEPTH = 20
MAX_JSON_NUMBER_CHARS = 30
NUMBER_LIMIT = Decimal(1_000_000)
NUMBER_PLACES = 4


def _json_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings (a linear scan, before json.loads recurses)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


class _NumberTooLong(ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text) > MAX_JSON_NUMBER_CHARS:
        raise _NumberTooLong(text)
    return int(text)


def _parse_float(text: str) -> Decimal:
    if len(text) > MAX_JSON_NUMBER_CHARS:
        raise _NumberTooLong(text)
    return Decimal(text)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def loads_rubric(text: str) -> Rubric:
    """Parse rubric JSON text. A syntax error is a ``rubric_json_syntax`` problem naming the
    line and column; NaN/Infinity (``rubric_json_constant``), a key given twice in one
    object (``rubric_json_duplicate_key``), more than MAX_JSON_CHARS characters
    (``rubric_json_too_large``), nesting deeper than MAX_JSON_DEPTH (``rubric_json_too_deep``),
    numbers longer than MAX_JSON_NUMBER_CHARS (``rubric_json_number_too_long``) and lone
    surrogates such as ``"\\ud800"`` (``rubric_json_surrogate``: they cannot be stored as UTF-8
    nor signed in the audit log) are refused too."""
    if len(text) > MAX_JSON_CHARS:
        raise RubricError.of([Problem(None, "rubric_json_too_large", {"limit": MAX_JSON_CHARS // 1000})])
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise RubricError.of([Problem(None, "rubric_json_too_deep")])
    try:
        data = json.loads(
            text,
            parse_float=_parse_float,
            parse_int=_parse_int,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except json.JSONDecodeError as e:
        raise RubricError.of([Problem(None, "rubric_json_syntax", {"line": e.lineno, "column": e.colno})]) from None
    except _ConstantRefused as e:
        raise RubricError.of([Problem(None, "rubric_json_constant", {"value": e.name})]) from None
    except _NumberTooLong:
        raise RubricError.of([Problem(None, "rubric_json_number_too_long")]) from None
    except RecursionError:
        raise RubricError.of([Problem(None, "rubric_json_too_deep")]) from None
    if _has_surrogate(data) or any("\ud800" <= ch <= "\udfff" for ch in text):
        raise RubricError.of([Problem(None, "rubric_json_surrogate")])
    return rubric_from_dict(data)


def load_rubric(source: str | bytes | os.PathLike[str]) -> Rubric:
    """Load a rubric from a path (``os.PathLike``, or a ``str`` not starting with "{")
    or from JSON text (a ``str`` whose first non-blank character is "{", or ``bytes``).
    Files are read as UTF-8 (a BOM is tolerated). Raises RubricError when malformed;
    problems from a file carry its name in the ``file`` param. OSError propagates."""
    if isinstance(source, bytes):
        return loads_rubric(source.decode("utf-8-sig"))
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return loads_rubric(source)
    path = Path(source)
    text = path.read_text(encoding="utf-8-sig")
    try:
        return loads_rubric(text)
    except RubricError as e:
        raise RubricError.of(Problem(p.field, p.code, {**p.params, "file": path.name}) for p in e.problems) from None


def dumps_rubric(rubric: Rubric) -> str:
    """Pretty JSON (UTF-8 text, Chinese unescaped); load_rubric(dumps_rubric(r)) == r."""
    return json.dumps(rubric_to_dict(rubric), ensure_ascii=False, indent=2) + "\n"


@cache
def default_written_rubric() -> Rubric:
    """The shipped written-review (書面評審) rubric: 6 criteria, 100 points, 4 veto items,
    2 bonus items capped at 5."""
    return load_rubric(_RUBRIC_DIR / "written_default.json")


@cache
def default_roadshow_rubric() -> Rubric:
    """The shipped roadshow (路演) rubric: 3 criteria, 100 points."""
    return load_rubric(_RUBRIC_DIR / "roadshow_default.json")


@cache
def default_midterm_evaluation_rubric() -> Rubric:
    """The shipped mid-term evaluation (中期評估) rubric: 4 criteria, 100 points, pass at 60,
    bonus items capped at 5, deduction items capped at 10."""
    return load_rubric(_RUBRIC_DIR / "evaluation_midterm_default.json")


@cache
def default_final_evaluation_rubric() -> Rubric:
    """The shipped final evaluation (結項評估) rubric: 4 criteria, 100 points, pass at 60,
    bonus items capped at 5, deduction items capped at 10."""
    return load_rubric(_RUBRIC_DIR / "evaluation_final_default.json")
