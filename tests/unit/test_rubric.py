"""Unit tests for grants.rules.rubric (pure: no app, no database), and, at the end, its problems
rendered through grants.platform.refusals in the three interface languages (those use the app)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants.rules.rubric import (
    LANGS,
    PROBLEM_CODES,
    Band,
    BonusItem,
    Criterion,
    LocalizedText,
    Problem,
    Refusal,
    Rubric,
    RubricError,
    ScoreError,
    VetoItem,
    band_for,
    base_total,
    bonus_total,
    check_rubric,
    default_roadshow_rubric,
    default_written_rubric,
    dumps_rubric,
    is_vetoed,
    load_rubric,
    loads_rubric,
    max_total,
    next_version,
    normalize_lang,
    parse_number,
    rubric_from_dict,
    rubric_to_dict,
    total,
    validate,
    vetoed_items,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def T(s: str) -> LocalizedText:
    return LocalizedText(f"{s}（繁）", f"{s}（简）", s)


INNOVATION = Criterion(
    key="innovation",
    label=LocalizedText("創新性", "创新性", "Innovation"),
    max_points=D(15),
    step=D("0.5"),
    bands=(
        Band("excellent", T("優"), D(13), D(15), T("new")),
        Band("good", T("良"), D(10), D("12.5"), T("better")),
        Band("fair", T("中"), D(7), D("9.5"), T("routine")),
        Band("poor", T("差"), D(0), D("6.5"), T("copy")),
    ),
)
BUDGET = Criterion(
    key="budget",
    label=LocalizedText("預算合理性", "预算合理性", "Budget"),
    max_points=D(10),
    weight=D(2),
    require_comment_highest=False,
    bands=(
        Band("low", T("低"), D(0), D(4), T("bad")),
        Band("high", T("高"), D(5), D(10), T("good")),
    ),
)
SMALL = Rubric(
    name=T("小"),
    version=1,
    criteria=(INNOVATION, BUDGET),
    veto_items=(
        VetoItem("fees", LocalizedText("項目向服務對象收費", "项目向服务对象收费", "Charges beneficiaries")),
        VetoItem("politics", T("politics"), require_comment_if_yes=False),
    ),
    bonus_items=(BonusItem("matching", T("matching"), D(3)), BonusItem("rating", T("4A"), D(2), step=D(2))),
    bonus_cap=D(4),
)
GOOD_SHEET = dict(
    scores={"innovation": "11.5", "budget": D(6)},
    comments={},
    veto_answers={"fees": False, "politics": False},
    bonus={"matching": "3", "rating": 2},
)


# ------------------------------------------------------------------ examples


def test_small_rubric_is_valid_and_totals():
    assert check_rubric(SMALL) == []
    assert max_total(SMALL) == D(35)  # 15 + 10 × 2
    assert max_total(SMALL, with_bonus=True) == D(39)  # cap 4 < 3 + 2
    assert validate(SMALL, **GOOD_SHEET) == []
    assert base_total(SMALL, GOOD_SHEET["scores"]) == D("23.5")
    assert bonus_total(SMALL, GOOD_SHEET["bonus"]) == D(4)  # 5 capped at 4
    assert total(SMALL, GOOD_SHEET["scores"], GOOD_SHEET["bonus"]) == D("27.5")
    assert total(SMALL, GOOD_SHEET["scores"]) == D("23.5")


def test_validate_reports_every_problem_at_once():
    problems = validate(
        SMALL,
        scores={"innovation": "16", "budget": "abc", "extra": "1"},
        comments={},
        veto_answers={"fees": None},
        bonus={"matching": "4", "rating": "1"},
    )
    assert [(p.field, p.code) for p in problems] == [
        ("innovation", "score_out_of_range"),
        ("budget", "score_not_a_number"),
        ("fees", "veto_unanswered"),
        ("politics", "veto_unanswered"),
        ("matching", "bonus_out_of_range"),
        ("rating", "bonus_off_step"),
        ("extra", "score_unknown_item"),
    ]
    assert problems[0].params["max"] == D(15)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "score_missing"),
        ("", "score_missing"),
        ("   ", "score_missing"),
        ("x", "score_not_a_number"),
        ("NaN", "score_not_a_number"),
        ("1e1", "score_not_a_number"),
        (D("NaN"), "score_not_a_number"),
        (D("Infinity"), "score_not_a_number"),
        ("-0.5", "score_out_of_range"),
        ("15.5", "score_out_of_range"),
        (D("1e1000"), "score_out_of_range"),
        ("12.25", "score_off_step"),
        ("7.3", "score_off_step"),
    ],
)
def test_score_problem_codes(value, code):
    problems = validate(SMALL, {"innovation": value, "budget": "5"}, {}, {"fees": False, "politics": False})
    assert [(p.field, p.code) for p in problems] == [("innovation", code)]


def test_absent_score_is_missing():
    problems = validate(SMALL, {"budget": "5"}, {}, {"fees": False, "politics": False})
    assert [(p.field, p.code) for p in problems] == [("innovation", "score_missing")]


def test_score_input_forms():
    assert parse_number("１２．５") == D("12.5")  # full-width input from a Chinese IME
    assert parse_number(" 12 ") == D(12)
    assert parse_number(7) == D(7)
    assert str(parse_number("-0")) == "0"
    assert parse_number("") is None
    with pytest.raises(TypeError):
        parse_number(12.5)  # floats are a programming error
    with pytest.raises(TypeError):
        parse_number(True)
    with pytest.raises(TypeError):
        validate(SMALL, {"innovation": 1.5, "budget": "5"})


def test_comment_rules():
    vetoes = {"fees": False, "politics": False}
    # innovation requires comments in both the lowest and highest band
    for score, needed in [
        ("0", True),
        ("6.5", True),
        ("7", False),
        ("12.5", False),
        ("13", True),
        ("15", True),
    ]:
        problems = validate(SMALL, {"innovation": score, "budget": "5"}, {}, vetoes)
        assert [p.code for p in problems] == (["score_comment_required"] if needed else []), score
        assert validate(SMALL, {"innovation": score, "budget": "5"}, {"innovation": "理由"}, vetoes) == []
    # whitespace is not a comment
    problems = validate(SMALL, {"innovation": "0", "budget": "5"}, {"innovation": " \n"}, vetoes)
    assert problems[0].params["reason"] == "lowest"
    assert problems[0].params["band"].en == "差"
    # budget: lowest band only
    assert [p.field for p in validate(SMALL, {"innovation": "8", "budget": "4"}, {}, vetoes)] == ["budget"]
    assert validate(SMALL, {"innovation": "8", "budget": "10"}, {}, vetoes) == []


def test_single_band_criterion_needs_comment_always():
    c = Criterion("all", T("all"), D(5), (Band("only", T("o"), D(0), D(5), T("d")),))
    r = Rubric(T("r"), 1, (c,))
    assert check_rubric(r) == []
    assert [p.code for p in validate(r, {"all": "3"})] == ["score_comment_required"]
    no_rules = replace(r, criteria=(replace(c, require_comment_lowest=False, require_comment_highest=False),))
    assert validate(no_rules, {"all": "3"}) == []


def test_veto():
    sheet = dict(scores={"innovation": "8", "budget": "5"}, comments={})
    assert not is_vetoed(SMALL, {"fees": False, "politics": None})
    assert is_vetoed(SMALL, {"fees": True, "politics": False})
    assert [v.key for v in vetoed_items(SMALL, {"fees": True, "politics": True})] == ["fees", "politics"]
    problems = validate(SMALL, **sheet, veto_answers={"fees": True, "politics": True})
    # "fees" needs a reason, "politics" was configured not to
    assert [(p.field, p.code) for p in problems] == [("fees", "veto_comment_required")]
    assert (
        validate(SMALL, sheet["scores"], {"fees": "收費每人 200 元"}, {"fees": True, "politics": False}) == []
    )
    with pytest.raises(TypeError):
        validate(SMALL, **sheet, veto_answers={"fees": "yes", "politics": False})
    # a vetoed sheet still has a total: the ranking layer excludes it
    assert total(SMALL, sheet["scores"]) == D(18)


def test_bonus_cap_and_optional_bonus():
    assert bonus_total(SMALL, {}) == 0
    assert bonus_total(SMALL, {"matching": "", "rating": None}) == 0
    assert bonus_total(SMALL, {"matching": "2"}) == 2
    assert bonus_total(SMALL, {"matching": "3", "rating": "2"}) == 4
    problems = validate(SMALL, GOOD_SHEET["scores"], {}, GOOD_SHEET["veto_answers"], {"matching": "-1"})
    assert [(p.field, p.code) for p in problems] == [("matching", "bonus_out_of_range")]
    with pytest.raises(ScoreError) as exc:
        bonus_total(SMALL, {"matching": "lots"})
    assert exc.value.problems[0].code == "bonus_not_a_number"


def test_total_refuses_invalid_scores():
    with pytest.raises(ScoreError) as exc:
        total(SMALL, {"innovation": "99"})
    assert [(p.field, p.code) for p in exc.value.problems] == [
        ("innovation", "score_out_of_range"),
        ("budget", "score_missing"),
    ]
    assert isinstance(exc.value, Refusal)
    assert exc.value.params == {"label": INNOVATION.label, "min": D(0), "max": D(15), "value": D(99)}
    assert str(exc.value) == "score_out_of_range, score_missing"  # codes, never English text


def test_band_for():
    assert band_for(INNOVATION, D(0)).key == "poor"
    assert band_for(INNOVATION, "6.5").key == "poor"
    assert band_for(INNOVATION, "7").key == "fair"
    assert band_for(INNOVATION, D("12.5")).key == "good"
    assert band_for(INNOVATION, 13).key == "excellent"
    assert band_for(INNOVATION, "15").key == "excellent"
    assert band_for(INNOVATION, "6.7").key == "poor"  # off step, between bands: lower band
    assert INNOVATION.lowest_band.key == "poor" and INNOVATION.highest_band.key == "excellent"
    for bad in ("-1", "15.5", None):
        with pytest.raises(ValueError):
            band_for(INNOVATION, bad)


def test_problem_params_are_plain_values():
    """Codes and params only: Decimals as people write them (0.50 -> 0.5, 15.0 -> 15), labels as
    LocalizedText (rendered in the reader's language at the edge), what was typed as a string."""
    c = replace(INNOVATION, max_points=D("15.0"), step=D("0.50"))
    r = replace(SMALL, criteria=(c, BUDGET))
    vetoes = {"fees": False, "politics": False}
    (p,) = validate(r, {"innovation": "16", "budget": "5"}, {}, vetoes)
    assert (p.field, p.code) == ("innovation", "score_out_of_range")
    assert p.params == {"label": INNOVATION.label, "min": D(0), "max": D(15), "value": D(16)}
    assert str(p.params["max"]) == "15"
    (p,) = validate(r, {"innovation": "7.3", "budget": "5"}, {}, vetoes)
    assert p.code == "score_off_step" and str(p.params["step"]) == "0.5" and p.params["value"] == D("7.3")
    (p,) = validate(r, {"innovation": "十二", "budget": "5"}, {}, vetoes)
    assert p.code == "score_not_a_number" and p.params["value"] == "十二"
    (p,) = validate(r, {"innovation": "0", "budget": "5"}, {}, vetoes)
    assert p.code == "score_comment_required" and p.params["band"].zh_Hant == "差（繁）"
    (p,) = validate(r, {"innovation": "8", "budget": "5", "zzz": "1"}, {}, vetoes)
    assert (p.field, p.code, p.params) == ("zzz", "score_unknown_item", {"key": "zzz"})


def test_every_problem_code_is_produced():
    problems = validate(
        SMALL,
        scores={"innovation": "x", "budget": "0", "zzz": "1"},
        comments={},
        veto_answers={"fees": True},
        bonus={"matching": "x", "rating": "1"},
    )
    problems += validate(SMALL, {"innovation": "99", "budget": "1.5"}, bonus={"matching": "9"})
    problems += validate(SMALL, {})
    assert {p.code for p in problems} == PROBLEM_CODES
    assert all(isinstance(p, Problem) for p in problems)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh_Hant", "zh_Hant"), ("zh-HK", "zh_Hant"), ("zh_Hant_TW", "zh_Hant"), ("zh", "zh_Hans"),
     ("zh-Hans-CN", "zh_Hans"), ("en_GB", "en"), ("fr", "en"), ("", "en")],
)  # fmt: skip
def test_normalize_lang(lang, expected):
    assert normalize_lang(lang) == expected


def test_next_version():
    r2 = next_version(SMALL)
    assert r2.version == 2 and r2.criteria == SMALL.criteria and SMALL.version == 1


# ------------------------------------------------------------- check_rubric


def _with_bands(*bands: tuple[str, str]) -> Rubric:
    c = replace(
        INNOVATION,
        bands=tuple(Band(f"b{i}", T("b"), D(lo), D(hi), T("d")) for i, (lo, hi) in enumerate(bands)),
    )
    return replace(SMALL, criteria=(c, BUDGET))


def _has(problems, field, code, **params) -> bool:
    """A problem at ``field`` with ``code`` whose params include ``params`` (and the path)."""
    return any(
        p.field == field and p.code == code and p.params.get("path", field) == field
        and all(p.params.get(k) == v for k, v in params.items())
        for p in problems
    )


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        ((("0", "6.5"), ("7", "15")), None),
        ((("7", "15"), ("0", "6.5")), None),  # order does not matter
        ((("0", "6"), ("7", "15")),
         ("criteria[0].bands[1]", "rubric_band_gap", {"other": "bands[0]", "low": D(6), "high": D(7)})),
        ((("0", "7"), ("7", "15")),
         ("criteria[0].bands[1]", "rubric_band_overlap", {"other": "bands[0]", "other_range": "0–7"})),
        ((("0.5", "6.5"), ("7", "15")), ("criteria[0].bands[0].min", "rubric_band_start", {"value": D("0.5")})),
        ((("0", "6.5"), ("7", "14.5")),
         ("criteria[0].bands[1].max", "rubric_band_end", {"max": D(15), "value": D("14.5")})),
        ((("0", "6.5"), ("7", "15"), ("8", "7.5")),
         ("criteria[0].bands[2]", "rubric_band_min_above_max", {"min": D(8), "max": D("7.5")})),
        ((("0", "6.25"), ("6.5", "15")),
         ("criteria[0].bands[0].max", "rubric_band_off_step", {"value": D("6.25"), "step": D("0.5")})),
        ((), ("criteria[0].bands", "rubric_no_bands", {})),
    ],
)  # fmt: skip
def test_check_rubric_bands(bands, expected):
    issues = check_rubric(_with_bands(*bands))
    if expected is None:
        assert issues == []
    else:
        field, code, params = expected
        assert _has(issues, field, code, **params), issues


def test_check_rubric_other_rules():
    bad = Rubric(
        name=LocalizedText("名", "", "name"),
        version=0,
        criteria=(
            replace(INNOVATION, key="Bad Key", step=D("0.7")),
            replace(BUDGET, key="dup", max_points=D(-1), weight=D(0)),
        ),
        veto_items=(VetoItem("dup", T("v")),),
        bonus_items=(BonusItem("b", T("b"), D(3), D(2)),),
        bonus_cap=D(0),
    )
    issues = check_rubric(bad)
    for field, code, params in [
        ("name.zh_Hans", "rubric_text_empty", {}),
        ("version", "rubric_version_invalid", {"value": "0"}),
        ("criteria[0].key", "rubric_key_invalid", {"value": "Bad Key"}),
        ("criteria[0].step", "rubric_step_divides", {"step": D("0.7"), "max": D(15)}),
        ("criteria[1].max_points", "rubric_not_positive", {}),
        ("criteria[1].weight", "rubric_not_positive", {}),
        ("veto_items[0].key", "rubric_key_duplicate", {"value": "dup", "other": "criteria[1].key"}),
        ("bonus_items[0].step", "rubric_step_divides", {"step": D(2), "max": D(3)}),
        ("bonus_cap", "rubric_bonus_cap_zero", {}),
    ]:
        assert _has(issues, field, code, **params), (field, code, issues)
    assert check_rubric(replace(SMALL, criteria=())) == [
        Problem("criteria", "rubric_no_criteria", {"path": "criteria"})
    ]


# ------------------------------------------------------------------ JSON


def test_json_round_trip_is_exact():
    text = dumps_rubric(SMALL)
    again = load_rubric(text)
    assert again == SMALL
    assert dumps_rubric(again) == text
    assert rubric_from_dict(rubric_to_dict(SMALL)) == SMALL
    data = json.loads(text)
    assert data["criteria"][0]["step"] == "0.5"  # Decimals as strings
    assert "創新性" in text  # not \u-escaped


def test_json_preserves_decimal_representation():
    r = replace(SMALL, criteria=(replace(INNOVATION, weight=D("1.50")), BUDGET))
    again = load_rubric(dumps_rubric(r))
    assert str(again.criteria[0].weight) == "1.50"


def test_json_accepts_plain_numbers_and_defaults():
    data = rubric_to_dict(SMALL)
    data["criteria"][0]["max_points"] = 15
    data["criteria"][0]["bands"][1]["max"] = D("12.5")  # what json parse_float gives
    for name in ("weight", "require_comment_lowest", "require_comment_highest"):
        del data["criteria"][1][name]
    del data["bonus_cap"], data["bonus_items"], data["veto_items"]
    r = rubric_from_dict(data)
    assert r.criteria[1].weight == 1 and r.criteria[1].require_comment_highest is True
    assert r.bonus_items == () and r.bonus_cap == 0
    text = json.dumps(rubric_to_dict(SMALL)).replace('"max_points": "15"', '"max_points": 15.0')
    assert load_rubric(text).criteria[0].max_points == D(15)


def test_syntax_error_names_line_and_column():
    lines = dumps_rubric(SMALL).splitlines()
    assert lines[6] == '  "version": 1,'
    lines[6] = '  "version": 1 "oops": 2,'  # missing comma on line 7
    broken = "\n".join(lines)
    with pytest.raises(RubricError) as exc:
        load_rubric(broken)
    assert isinstance(exc.value, Refusal)
    assert (exc.value.code, exc.value.params) == ("rubric_json_syntax", {"line": 7, "column": 16})


def test_syntax_errors_from_file_name_the_file(tmp_path: Path):
    path = tmp_path / "mine.json"
    path.write_text('{\n  "name": {\n  }\n  ]', encoding="utf-8")
    for source in (path, str(path)):
        with pytest.raises(RubricError) as exc:
            load_rubric(source)
        assert exc.value.code == "rubric_json_syntax"
        assert exc.value.params == {"line": 4, "column": 3, "file": "mine.json"}


@pytest.mark.parametrize(
    ("mutate", "field", "code", "params"),
    [
        (lambda d: d["criteria"][0]["bands"].__getitem__(1).__setitem__("max", "lots"),
         "criteria[0].bands[1].max", "rubric_number_text", {"value": "lots"}),
        (lambda d: d["criteria"][0]["bands"].__getitem__(1).__setitem__("max", True),
         "criteria[0].bands[1].max", "rubric_not_number", {}),
        (lambda d: d["criteria"][1].__setitem__("max_points", [10]), "criteria[1].max_points", "rubric_not_number", {}),
        (lambda d: d["criteria"][1].__setitem__("weight", "NaN"), "criteria[1].weight", "rubric_number_text",
         {"value": "NaN"}),
        (lambda d: d["criteria"][0]["label"].pop("en"), "criteria[0].label.en", "rubric_key_required", {}),
        (lambda d: d["criteria"][0].__setitem__("max_point", "15"), "criteria[0].max_point", "rubric_key_unknown", {}),
        (lambda d: d.__setitem__("version", "1"), "version", "rubric_not_integer", {}),
        (lambda d: d.__setitem__("criteria", {}), "criteria", "rubric_not_list", {}),
        (lambda d: d["veto_items"][0].__setitem__("require_comment_if_yes", "yes"),
         "veto_items[0].require_comment_if_yes", "rubric_not_boolean", {}),
        (lambda d: d["bonus_items"].__setitem__(0, "matching"), "bonus_items[0]", "rubric_not_object", {}),
        (lambda d: d["criteria"][0]["bands"][3].__setitem__("min", "1"),
         "criteria[0].bands[3].min", "rubric_band_start", {"value": D(1)}),
    ],
)  # fmt: skip
def test_wrong_types_name_the_key_path(mutate, field, code, params):
    data = rubric_to_dict(SMALL)
    mutate(data)
    with pytest.raises(RubricError) as exc:
        rubric_from_dict(data)
    assert _has(exc.value.problems, field, code, **params), exc.value.problems
    with pytest.raises(RubricError) as exc:  # same through JSON text
        load_rubric(json.dumps(data, default=str))
    assert _has(exc.value.problems, field, code), exc.value.problems


def test_malformed_json_structure():
    for text, code, params in [
        ("[1, 2]", "rubric_top_not_object", {}),
        ('{"name": {"zh_Hant": "a", "zh_Hans": "a", "en": "a"}, "version": 1, "version": 2, "criteria": []}',
         "rubric_json_duplicate_key", {"key": "version"}),
        ('{"bonus_cap": NaN}', "rubric_json_constant", {"value": "NaN"}),
        ("[" * 100_000, "rubric_json_too_deep", {}),
    ]:  # fmt: skip
        with pytest.raises(RubricError) as exc:
            loads_rubric(text)
        assert (exc.value.field, exc.value.code, exc.value.params) == (None, code, params)
    with pytest.raises(RubricError) as exc:
        rubric_from_dict({"name": {}, "criteria": []})
    assert _has(exc.value.problems, "version", "rubric_key_required")
    assert _has(exc.value.problems, "name.en", "rubric_key_required")


# --------------------------------------------------------------- defaults


@pytest.mark.parametrize("loader", [default_written_rubric, default_roadshow_rubric])
def test_defaults_load_check_and_sum_to_100(loader):
    r = loader()
    assert check_rubric(r) == []
    assert max_total(r) == D(100)
    assert load_rubric(dumps_rubric(r)) == r
    for c in r.criteria:
        assert [b.key for b in c.sorted_bands] == ["poor", "fair", "good", "excellent"]
        for b in c.bands:
            for lang in LANGS:
                assert b.descriptor[lang].strip() and b.label[lang].strip()


def test_default_files_are_canonical():
    """The shipped JSON is exactly what dumps_rubric writes (so diffs stay clean)."""
    folder = Path(__file__).resolve().parents[2] / "grants" / "rules" / "rubrics"
    for name, loader in [
        ("written_default", default_written_rubric),
        ("roadshow_default", default_roadshow_rubric),
    ]:
        assert (folder / f"{name}.json").read_text(encoding="utf-8") == dumps_rubric(loader())


def test_default_written_rubric_contents():
    r = default_written_rubric()
    assert [(c.label.zh_Hant, c.max_points) for c in r.criteria] == [
        ("需求與必要性", 20), ("項目設計與可行性", 25), ("創新性", 15),
        ("預算合理性", 15), ("機構能力與團隊", 15), ("可持續性與社會效益", 10),
    ]  # fmt: skip
    assert {v.label.zh_Hant for v in r.veto_items} >= {
        "項目向服務對象收費",
        "涉及政治或宗教活動",
        "申報材料弄虛作假",
    }
    assert r.bonus_cap == 5 and max_total(r, with_bonus=True) == 105
    need = r.criterion("need")
    assert [(b.label.zh_Hant, b.min, b.max) for b in need.bands] == [
        ("優", 18, 20), ("良", 14, 17), ("中", 10, 13), ("差", 0, 9),
    ]  # fmt: skip
    scores = {c.key: c.max_points for c in r.criteria}
    comments = {c.key: "很好" for c in r.criteria}
    vetoes = {v.key: False for v in r.veto_items}
    assert validate(r, scores, comments, vetoes, {"matching_funds": "3", "rating_4a": "2"}) == []
    assert total(r, scores, {"matching_funds": "3", "rating_4a": "2"}) == 105
    assert [p.code for p in validate(r, scores, comments, vetoes, {"rating_4a": "1"})] == ["bonus_off_step"]


def test_roadshow_contents():
    r = default_roadshow_rubric()
    assert [(c.label.zh_Hant, c.max_points) for c in r.criteria] == [
        ("項目呈現", 30),
        ("回應提問", 30),
        ("落地可行", 40),
    ]
    assert r.veto_items == () and r.bonus_items == ()


# ------------------------------------------------------------- properties

STEPS = [D("0.25"), D("0.5"), D("1"), D("2")]
WEIGHTS = [D("1"), D("0.5"), D("1.5"), D("2")]


@st.composite
def criteria(draw, key: str) -> Criterion:
    step = draw(st.sampled_from(STEPS))
    k = draw(st.integers(1, 40))  # grid 0..k
    cuts = sorted(draw(st.sets(st.integers(1, k), max_size=min(3, k))))
    lows = [0, *cuts]
    highs = [c - 1 for c in cuts] + [k]
    bands = tuple(
        Band(f"b{i}", T(f"b{i}"), step * lo, step * hi, T("d"))
        for i, (lo, hi) in enumerate(zip(lows, highs, strict=True))
    )
    return Criterion(
        key=key,
        label=T(key),
        max_points=step * k,
        bands=tuple(draw(st.permutations(bands))),
        step=step,
        weight=draw(st.sampled_from(WEIGHTS)),
        require_comment_lowest=draw(st.booleans()),
        require_comment_highest=draw(st.booleans()),
    )


@st.composite
def rubrics(draw) -> Rubric:
    n = draw(st.integers(1, 5))
    crits = tuple(draw(criteria(f"c{i}")) for i in range(n))
    bonus = tuple(
        BonusItem(f"bonus{i}", T("b"), m, s)
        for i, (m, s) in enumerate(
            draw(st.lists(st.sampled_from([(D(3), D(1)), (D(2), D(2)), (D(1), D("0.5"))]), max_size=3))
        )
    )
    return Rubric(
        name=T("r"),
        version=draw(st.integers(1, 9)),
        criteria=crits,
        veto_items=tuple(VetoItem(f"veto{i}", T("v")) for i in range(draw(st.integers(0, 2)))),
        bonus_items=bonus,
        bonus_cap=draw(st.sampled_from([D(1), D(4), D("2.5")])) if bonus else D(0),
    )


@st.composite
def rubric_and_valid_sheet(draw):
    r = draw(rubrics())
    scores = {}
    for c in r.criteria:
        j = draw(st.integers(0, int(c.max_points / c.step)))
        value = c.step * j
        scores[c.key] = draw(st.sampled_from([value, str(value), f"{value:f}"]))
    bonus = {b.key: b.step * draw(st.integers(0, int(b.max_points / b.step))) for b in r.bonus_items}
    return r, scores, bonus


@SETTINGS
@given(rubrics())
def test_generated_rubrics_pass_check_and_round_trip(r):
    assert check_rubric(r) == []
    assert load_rubric(dumps_rubric(r)) == r


@SETTINGS
@given(rubric_and_valid_sheet())
def test_valid_sheets_total_within_bounds(case):
    r, scores, bonus = case
    comments = {c.key: "ok" for c in r.criteria}
    vetoes = {v.key: False for v in r.veto_items}
    assert validate(r, scores, comments, vetoes, bonus) == []
    base = base_total(r, scores)
    assert 0 <= base <= max_total(r)
    assert base == sum((D(str(scores[c.key])) * c.weight for c in r.criteria), D(0))
    assert 0 <= total(r, scores, bonus) <= max_total(r, with_bonus=True)
    assert total(r, scores, bonus) - base <= r.bonus_cap
    for c in r.criteria:
        assert band_for(c, scores[c.key]).contains(D(str(scores[c.key])))


@SETTINGS
@given(rubric_and_valid_sheet(), st.data())
def test_invalid_scores_are_refused_on_the_right_field(case, data):
    r, scores, _ = case
    target = data.draw(st.sampled_from(r.criteria))
    kind = data.draw(st.sampled_from(["missing", "absent", "above", "below", "off_step", "text"]))
    s = D(str(scores[target.key]))
    bad = dict(scores)
    if kind == "absent":
        del bad[target.key]
    else:
        bad[target.key] = {
            "missing": "",
            "above": target.max_points + target.step * data.draw(st.integers(1, 5)),
            "below": -target.step * data.draw(st.integers(1, 5)),
            "off_step": (s + target.step / 2) if s < target.max_points else (s - target.step / 2),
            "text": data.draw(st.sampled_from(["abc", "1,5", "十", "1.2.3"])),
        }[kind]
    expected = {"missing": "score_missing", "absent": "score_missing", "above": "score_out_of_range",
                "below": "score_out_of_range", "off_step": "score_off_step", "text": "score_not_a_number"}[kind]  # fmt: skip
    comments = {c.key: "ok" for c in r.criteria}
    problems = validate(r, bad, comments, {v.key: False for v in r.veto_items})
    assert [(p.field, p.code) for p in problems] == [(target.key, expected)]
    with pytest.raises(ScoreError):
        total(r, bad)


# ------------------------------------------- rendered through grants.platform.refusals (uses the app)

LOCALES = ("zh_Hant", "zh_Hans", "en")


def _render(app, problems, locale: str) -> list[str]:
    from flask import session
    from flask_babel import refresh

    from grants.platform import refusals

    with app.test_request_context("/"):
        session["lang"] = locale
        refresh()
        return refusals.messages(Refusal.of(problems))


@pytest.mark.no_database
@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (Problem("innovation", "score_out_of_range", {"label": INNOVATION.label, "min": D(0), "max": D(15)}),
         {"zh_Hant": "「創新性」的分數必須在 0 到 15 之間。", "zh_Hans": "“创新性”的分数必须在 0 到 15 之间。",
          "en": "The score for “Innovation” must be between 0 and 15."}),
        (Problem("innovation", "score_comment_required",
                 {"label": INNOVATION.label, "band": LocalizedText("差", "差", "Poor"), "reason": "lowest"}),
         {"zh_Hant": "「創新性」的分數屬於「差」檔，請填寫評語說明理由。",
          "zh_Hans": "“创新性”的分数属于“差”档，请填写评语说明理由。",
          "en": "The score for “Innovation” is in the “Poor” band: please add a comment explaining it."}),
        (Problem("criteria[1].max_points", "rubric_number_text", {"path": "criteria[1].max_points", "value": "lots"}),
         {"zh_Hant": "criteria[1].max_points：必須是數字，不能是「lots」。",
          "zh_Hans": "criteria[1].max_points：必须是数字，不能是“lots”。",
          "en": "criteria[1].max_points: must be a number, not “lots”."}),
        (Problem(None, "rubric_json_syntax", {"line": 7, "column": 16}),
         {"zh_Hant": "JSON 格式無效（第 7 行，第 16 列）。", "zh_Hans": "JSON 格式有误（第 7 行，第 16 列）。",
          "en": "The JSON is not valid at line 7, column 16."}),
    ],
)  # fmt: skip
def test_messages_in_three_languages(app, problem, expected):
    for locale in LOCALES:
        assert _render(app, [problem], locale) == [expected[locale]]


def _every_rubric_problem() -> list[Problem]:
    """At least one problem of every kind a score sheet or a rubric file can have."""
    problems = validate(SMALL, {"innovation": "x", "budget": "0", "zzz": "1"}, {}, {"fees": True},
                        {"matching": "x", "rating": "1"})
    problems += validate(SMALL, {"innovation": "99", "budget": "1.5"}, bonus={"matching": "9"})
    problems += validate(SMALL, {})
    problems += check_rubric(Rubric(
        name=LocalizedText("名", "", "name"), version=0,
        criteria=(replace(INNOVATION, key="Bad Key", step=D("0.7")), replace(BUDGET, key="dup", max_points=D(-1))),
        veto_items=(VetoItem("dup", T("v")),), bonus_items=(BonusItem("b", T("b"), D(3), D(2)),), bonus_cap=D(0)))
    for bands in [(("0", "6"), ("7", "15")), (("0", "7"), ("7", "15")), (("0.5", "6.5"), ("7", "14.5")),
                  (("0", "6.25"), ("8", "7.5")), ()]:
        problems += check_rubric(_with_bands(*bands))
    problems += check_rubric(replace(SMALL, criteria=(), bonus_cap=D(-1), name="plain"))
    problems += check_rubric(replace(SMALL, bonus_cap=D("NaN")))
    for text in ("[1]", '{"a": 1, "a": 2}', '{"a": NaN}', "{", "[" * 100_000,
                 '{"name": 1, "version": true, "criteria": [{"key": 1, "label": {"en": 2}, "max_points": "x",'
                 ' "bands": {}, "weight": [], "step": "1e999999", "require_comment_lowest": 3}], "bonus_items": [7],'
                 ' "oops": 1}'):
        with pytest.raises(RubricError) as exc:
            loads_rubric(text)
        problems += exc.value.problems
    return problems


@pytest.mark.no_database
def test_every_rubric_problem_renders_in_each_language(app):
    from grants.platform.refusals import MESSAGES

    problems = _every_rubric_problem()
    codes = {p.code for p in problems}
    assert codes >= PROBLEM_CODES and len(codes) >= 40, sorted(codes)
    assert codes <= set(MESSAGES), sorted(codes - set(MESSAGES))
    for locale in LOCALES:
        texts = _render(app, problems, locale)
        for problem, text in zip(problems, texts, strict=True):
            assert text and "%(" not in text, (problem, locale, text)
            if "path" in problem.params:  # the admin finds the place by its key path, in every language
                assert text.startswith(problem.params["path"]), (problem, locale, text)
            if "label" in problem.params:  # the criterion's own words in the reader's language
                assert problem.params["label"].get(locale) in text, (problem, locale, text)
            if locale != "en":
                assert re.search(r"[\u4e00-\u9fff]", text), (problem, locale, text)
