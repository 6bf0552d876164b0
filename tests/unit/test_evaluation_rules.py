"""The pure evaluation rules: pass mark edge, bonus and deduction caps, overdue as a fail, aggregation."""

from decimal import Decimal as D

import pytest

from grants.rules import evaluation as ev
from grants.rules import rubric as rr
from grants.rules.refusal import Refusal

MID = rr.default_midterm_evaluation_rubric()
FULL = {"implementation": "30", "resources": "20", "finance": "20", "outcomes": "30"}


def scores(i, r, f, o):
    return {"implementation": str(i), "resources": str(r), "finance": str(f), "outcomes": str(o)}


def test_default_evaluation_rubrics():
    for rub in (MID, rr.default_final_evaluation_rubric()):
        assert rr.max_total(rub) == 100 and ev.pass_mark(rub) == 60
        assert [c.key for c in rub.criteria] == ["implementation", "resources", "finance", "outcomes"]
        assert rub.bonus_cap == 5 and rub.deduction_cap == 10
        assert rr.load_rubric(rr.dumps_rubric(rub)) == rub
    assert MID.criteria[0].label["zh_Hans"] == "项目实施" and MID.criteria[1].label["zh_Hant"] == "人力物資投入"


def test_review_rubrics_unchanged_by_evaluation_fields():
    d = rr.rubric_to_dict(rr.default_written_rubric())
    assert "deduction_items" not in d and "pass_mark" not in d
    assert rr.default_written_rubric().pass_mark is None


@pytest.mark.parametrize(("score", "passed"), [(D("59.99"), False), (D("60"), True), (D("60.00"), True),
                                              (D("0"), False), (D("100"), True)])
def test_pass_mark_edge(score, passed):
    v = ev.verdict(score, D(60))
    assert v.passed is passed and v.reason == ("" if passed else "score")


def test_configurable_pass_mark():
    assert ev.verdict(D("65"), D("70")).passed is False
    custom = rr.rubric_from_dict({**rr.rubric_to_dict(MID), "pass_mark": "70"})
    assert ev.pass_mark(custom) == 70
    with pytest.raises(rr.RubricError) as e:
        rr.rubric_from_dict({**rr.rubric_to_dict(MID), "pass_mark": "101"})
    assert e.value.problems[0].code == "rubric_pass_mark_above_max"


def test_bonus_cap():
    assert ev.sheet_total(MID, scores(20, 10, 10, 20), {"media": "3", "innovation": "3"}) == D(65)  # 6 capped at 5
    assert ev.sheet_total(MID, FULL, {"media": "3"}) == D(103)


def test_deduction_cap_and_floor():
    assert ev.sheet_total(MID, scores(20, 10, 10, 20), deductions={"unapproved_change": "2"}) == D(58)
    # 5 + 3 + 10 = 18, capped at 10
    assert ev.sheet_total(MID, scores(20, 10, 10, 20),
                          deductions={"unapproved_change": "5", "late_material": "3", "incident": "10"}) == D(50)
    assert ev.sheet_total(MID, scores(0, 0, 0, 5), deductions={"incident": "10"}) == D(0)  # floored at 0


def test_deduction_validation():
    problems = ev.sheet_problems(MID, scores(20, 10, 10, 20), {}, {}, {"incident": "11", "zzz": "1"})
    assert {p.code for p in problems} == {"deduction_out_of_range", "score_unknown_item"}
    assert ev.sheet_problems(MID, scores(20, 10, 10, 20), {}, {}, {"late_material": "x"})[0].code == \
        "deduction_not_a_number"
    with pytest.raises(rr.ScoreError):
        ev.sheet_total(MID, scores(20, 10, 10, 20), deductions={"incident": "0.5"})


def test_overdue_is_a_fail_whatever_the_scores():
    v = ev.verdict(D(95), D(60), overdue=True)
    assert v.passed is False and v.reason == "overdue"
    assert ev.verdict(None, D(60), overdue=True).reason == "overdue"
    with pytest.raises(Refusal) as e:
        ev.verdict(None, D(60))
    assert e.value.code == "evaluation_no_sheets"


def test_aggregation_mean_below_five_trimmed_from_five():
    agg = ev.aggregate({1: D("59.5"), 2: D("60.5"), 3: D("60")})
    assert agg.score == D("60.00") and agg.rule == "mean" and agg.n == 3
    agg = ev.aggregate({1: D(10), 2: D(60), 3: D(61), 4: D(62), 5: D(100)})
    assert agg.score == D("61.00") and agg.rule == "trimmed_mean"  # 10 and 100 dropped
    assert ev.aggregate({1: D("59.985"), 2: D("59.995")}).score == D("59.99")  # half-up, 2 dp
    assert ev.aggregate({}) is None


def test_effects():
    ok = ev.effects("midterm", True)
    assert ok.condition_met == "midterm" and not ok.stop_payments and not ok.completed
    assert ev.effects("final", True).completed
    bad = ev.effects("midterm", False, paid=D("60000"), justified=D("42000.50"))
    assert bad.stop_payments and bad.terminate and bad.refund == D("17999.50") and bad.condition_met is None
    assert ev.effects("final", False, paid=D(100), justified=D(500)).refund == 0
    assert ev.effects("final", False, paid=D(100), refund_entered=D(30)).refund == 30
    with pytest.raises(ValueError):
        ev.effects("other", True)
