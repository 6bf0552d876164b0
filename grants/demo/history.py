"""Demo history: the 1st–7th editions (closed rounds, funded projects) behind the demo's 8th edition.

The source article (惠州日報, 2021) says the Red Bauhinia venture philanthropy ran for eight
consecutive years, raised nearly 21.65 million yuan (籌集資金近2165萬元), carried out 600+ projects
(實施600多個項目) and served nearly 3.5 million person-times (精準服務婦女兒童近350萬人次).  This
step adds editions 1–7 so that, together with the 8th edition's demo awards, the funder's overview
(``/admin/overview``) tells that eight-year story:

* funds granted + the funded projects' matching funds ≈ ``ARTICLE_FUNDS`` (the money "raised");
* projects funded: ``sum(FUNDED)`` here + the 8th edition's ≈ 612;
* person-times served ≈ ``ARTICLE_BENEFICIARIES``.

None of these is stored as a total: the overview computes them (grants.dashboards.outcomes) from
the rows this step writes for every funded past project, as the platform would have recorded them:
a signed agreement with its three tranches (60/30/10) and their payments, a mid-term and a final
report (accepted) with person-times served per target group and district and the matching funds
actually raised (the proposal holds the pledge, rounded), and the mid-term and final evaluations
(final, passed).  A few projects per edition failed an evaluation (``FAILED_MIDTERM``,
``FAILED_FINAL``): terminated, the later tranches unpaid, a refund demanded and received.

The 8th edition's awards are made by later demo steps (this step runs first, so editions 1–7 get
the lower proposal ids); ``EDITION_8`` holds what those steps award today (projects, awards +
pledged matching funds) and the test ``tests/demo/test_demo_history.py`` checks the combined totals,
so a change there shows up.

Years are consecutive and end the year before the 8th edition (2018–2024 when the 8th is 2025).
Past rows have no reviews, rubrics, attachments, evaluation sheets or user accounts.  Everything goes
in with bulk INSERTs so seeding stays fast; ``random.Random(2018)`` makes it deterministic.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload, selectinload

from grants.agreements import operations as agreement_ops
from grants.demo.seed import CATEGORIES, CATEGORY_LABELS, DESCRIPTION, demo_uscc, round_labels
from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    Award,
    BudgetVersion,
    Category,
    District,
    Evaluation,
    EvaluationState,
    Organization,
    OrgType,
    Payment,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    Rating,
    Report,
    ReportKind,
    ReportServed,
    ReportStatus,
    Round,
    TargetGroup,
    Tranche,
)
from grants.platform import localtime
from grants.rules import lifecycle

ARTICLE_FUNDS = 21_650_000  # 籌集資金近2165萬元
ARTICLE_PROJECTS = 600  # 實施600多個項目
ARTICLE_BENEFICIARIES = 3_500_000  # 服務婦女兒童近350萬人次
# What the 8th edition's demo (grants.demo.results) awards: projects, awards + pledged matching funds.
EDITION_8 = (8, 1_204_300)

NUMERALS = "一二三四五六七八"
FUNDED = [54, 67, 79, 87, 95, 105, 116]  # projects funded per edition 1–7 (603)
NOT_FUNDED = [34, 41, 46, 50, 53, 57, 62]  # received but not funded (rejected at screening or not awarded)
PROJECT_CAP = [50_000, 50_000, 60_000, 60_000, 70_000, 80_000, 80_000]
GROWTH = [1.0, 1.06, 1.12, 1.2, 1.26, 1.33, 1.4]  # average money and reach per project, relative to edition 1
MAX_PER_ORG = 4
# how a past project's approved budget splits over the categories (percent; the last takes the rest)
BUDGET_SHARES = [("personnel", 30), ("activities", 45), ("materials", 12), ("publicity", 5), ("administration", 8)]
FAILED_MIDTERM = [1, 1, 2, 1, 2, 2, 1]  # projects per edition that failed the mid-term evaluation (terminated)
FAILED_FINAL = [0, 1, 0, 1, 1, 0, 1]  # ... and the final evaluation

# ---------------------------------------------------------------- 44 historical organizations
# (core of the name, district, type code)
HISTORY_ORGS = [
    ("同心", District.huicheng, "2"), ("啟明星", District.huicheng, "2"), ("善緣", District.huicheng, "1"),
    ("暖陽", District.huicheng, "2"), ("西湖", District.huicheng, "1"), ("紅棉", District.huicheng, "2"),
    ("德馨", District.huicheng, "3"), ("東江", District.huicheng, "1"), ("晨曦", District.huiyang, "2"),
    ("淡水", District.huiyang, "1"), ("秋長", District.huiyang, "2"), ("鵬程", District.huiyang, "2"),
    ("仁愛", District.huiyang, "1"), ("新圩", District.huiyang, "2"), ("羅浮", District.boluo, "2"),
    ("石灣", District.boluo, "1"), ("園洲", District.boluo, "2"), ("春雨", District.boluo, "2"),
    ("龍溪", District.boluo, "1"), ("博愛", District.boluo, "3"), ("巽寮", District.huidong, "1"),
    ("平海", District.huidong, "2"), ("稔山", District.huidong, "2"), ("海韻", District.huidong, "1"),
    ("繁星", District.huidong, "2"), ("南昆山", District.longmen, "1"), ("永漢", District.longmen, "2"),
    ("龍華", District.longmen, "2"), ("朝陽", District.longmen, "1"), ("霞涌", District.dayawan, "2"),
    ("澳頭", District.dayawan, "1"), ("西區", District.dayawan, "2"), ("藍海", District.dayawan, "2"),
    ("彩虹", District.dayawan, "1"), ("陳江", District.zhongkai, "2"), ("瀝林", District.zhongkai, "1"),
    ("潼湖", District.zhongkai, "2"), ("潼僑", District.zhongkai, "2"), ("惠環", District.zhongkai, "1"),
    ("新希望", District.zhongkai, "3"), ("知行", District.huicheng, "2"), ("微光", District.huiyang, "2"),
    ("守望", District.boluo, "1"), ("築夢", District.huidong, "2"),
]
PLACE = {
    District.huicheng: "惠州市惠城區", District.huiyang: "惠州市惠陽區", District.boluo: "博羅縣",
    District.huidong: "惠東縣", District.longmen: "龍門縣", District.dayawan: "惠州大亞灣經濟技術開發區",
    District.zhongkai: "惠州仲愷高新區",
}
SUFFIX = {
    "1": ["婦女互助協會", "志願者協會", "家庭教育促進會", "公益協會"],
    "2": ["社會工作服務中心", "家庭綜合服務中心", "婦女兒童服務中心", "青少年服務中心", "心理健康服務中心"],
    "3": ["公益基金會"],
}
TYPE = {"1": OrgType.social_group, "2": OrgType.social_service, "3": OrgType.foundation}
RATINGS = [Rating.none, Rating.none, Rating.a2, Rating.a3, Rating.a3, Rating.a4, Rating.a5]
SURNAMES = "陳李張黃劉吳周鄭孫馬朱何林王葉鍾曾謝"
GIVEN = ["麗珍", "秀梅", "慧玲", "雅婷", "志明", "少芬", "詠儀", "曉燕", "嘉欣", "海濤", "玉蘭", "婉婷"]

# ---------------------------------------------------------------- project names from parts
SLOGANS = ["暖心", "護苗", "巾幗", "同行", "花開", "陽光", "築夢", "守護", "彩虹", "向日葵", "紫荊", "悅讀",
           "牽手", "安心", "啟航", "童心", "和美", "她力量", "愛相隨", "微光", "鄰里情", "春苗", "益起來", "暖陽"]
PLACES = ["社區", "鄉村", "山區", "漁村", "城中村", "新市民", "鎮街", "村居", "校園", "工業園區"]
# per category: (who, what, suffix)
PARTS = {
    0: (["農村婦女", "單親媽媽", "新市民婦女", "殘疾婦女", "銀齡姐妹", "產後媽媽", "女性骨幹", "漁村婦女", "待業女性"],
        ["就業技能培訓", "創業扶持", "健康守護", "心理支持", "能力提升", "兩癌篩查宣傳", "電商直播培訓", "互助成長"],
        ["計劃", "項目", "行動", "營"]),
    1: (["留守兒童", "困境兒童", "流動兒童", "自閉症兒童", "雙職工子女", "青少年", "學齡前兒童", "事實無人撫養兒童"],
        ["安全教育", "課後託管", "閱讀推廣", "心理韌性培育", "防溺水守護", "成長陪伴", "社會融入", "個案支持"],
        ["計劃", "項目", "行動", "小組"]),
    2: (["新婚家庭", "隔代教養家庭", "困難家庭", "特殊需要兒童家庭", "二孩家庭", "長者照護家庭", "外來務工家庭"],
        ["親子溝通", "家風家教傳承", "家庭教育指導", "喘息服務", "婚姻輔導", "互助網絡建設", "父親參與育兒"],
        ["工作坊", "計劃", "項目", "行動"]),
    3: (["受家暴婦女", "農村婦女", "未成年人", "女職工", "困境婦女", "中小學生"],
        ["法律援助", "反家暴預防", "防性侵教育", "網絡安全保護", "糾紛調解", "普法宣傳", "危機干預"],
        ["項目", "行動", "計劃", "服務站"]),
}
TARGETS = {
    0: [["women", "rural_women"], ["single_mothers", "women"], ["migrant_women", "women"], ["disabled_women"],
        ["elderly_women"]],
    1: [["left_behind_children", "children"], ["children_in_difficulty", "children"], ["children", "adolescents"],
        ["children", "families"]],
    2: [["families", "children"], ["families"], ["families", "elderly_women"], ["families", "women"]],
    3: [["domestic_violence_survivors", "women"], ["rural_women", "women"], ["adolescents", "children"],
        ["women", "families"]],
}
NEEDS = {
    0: "服務區域內婦女就業、健康與發展支持不足，缺乏持續的專業服務。",
    1: "服務區域內兒童安全、教育與心理支持資源匱乏，監護與陪伴不足。",
    2: "家庭教育、婚姻調適與照護支持薄弱，家庭矛盾與照顧壓力突出。",
    3: "婦女兒童維權意識與求助渠道不足，基層法律與心理支援可及性低。",
}


def _money_split(rng: random.Random, count: int, target: int, cap: int) -> list[tuple[int, int, int]]:
    """``count`` (requested, award, matching) in whole yuan: awards ≤ requested ≤ cap, sum(award + matching) == target."""
    raw = []
    for _ in range(count):
        award = rng.triangular(0.35, 1.0, 0.6) * cap
        raw.append((award, award * rng.choice([0.1, 0.15, 0.2, 0.25, 0.3])))
    scale = target / sum(a + m for a, m in raw)
    rows = []
    for award, matching in raw:
        award = min(cap, round(award * scale / 500) * 500)
        matching = round(matching * scale / 100) * 100
        requested = min(cap, round(award / rng.choice([1.0, 1.0, 0.95, 0.9, 0.85]) / 500) * 500)
        rows.append([requested, award, matching])
    gap = target - sum(a + m for _r, a, m in rows)  # spread over the matching funds, 100 yuan at a time
    i = 0
    while gap:
        step = max(-100, min(100, gap))
        if rows[i % count][2] + step >= 0:
            rows[i % count][2] += step
            gap -= step
        i += 1
    return [tuple(r) for r in rows]


def _people_split(rng: random.Random, count: int, target: int) -> list[int]:
    raw = [rng.lognormvariate(0, 0.7) for _ in range(count)]
    scale = target / sum(raw)
    people = [max(100, round(r * scale / 10) * 10) for r in raw]
    people[people.index(max(people))] += target - sum(people)
    return people


def _project_name(rng: random.Random, category: int, used: set[str]) -> str:
    who, what, suffix = PARTS[category]
    while True:
        name = f"「{rng.choice(SLOGANS)}」{rng.choice(PLACES)}{rng.choice(who)}{rng.choice(what)}{rng.choice(suffix)}"
        if name not in used:
            used.add(name)
            return name


def _local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time (office hours: calls open at 9:00, close at 17:00), as UTC."""
    return localtime.at(date(year, month, day), time(hour, minute))


def _weights(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]


def seed(context: dict) -> None:
    rng = random.Random(2018)  # noqa: S311  (demo data, not security)
    current = context["round"]
    last_year = localtime.local_date(current.call_opens_at).year - 1
    first_year = last_year - len(FUNDED) + 1
    _funded_8, money_8 = EDITION_8
    money_past = ARTICLE_FUNDS - money_8
    people_past = ARTICLE_BENEFICIARIES
    weights = _weights([n * g for n, g in zip(FUNDED, GROWTH, strict=True)])
    money_targets = [round(money_past * w / 100) * 100 for w in weights]
    money_targets[-1] += money_past - sum(money_targets)
    people_weights = _weights([n * g * g for n, g in zip(FUNDED, GROWTH, strict=True)])
    people_targets = [round(people_past * w) for w in people_weights]
    people_targets[-1] += people_past - sum(people_targets)

    # organizations: the 12 demo NGOs plus 44 that took part in earlier editions only
    org_rows = []
    for k, (core, district, type_code) in enumerate(HISTORY_ORGS, start=1):
        registered = date(2008 + k % 11, 1 + (k * 5) % 12, 1 + (k * 7) % 28)
        org_rows.append({
            "name": f"{PLACE[district]}{core}{SUFFIX[type_code][k % len(SUFFIX[type_code])]}",
            "uscc": demo_uscc(100 + k, type_code, district), "org_type": TYPE[type_code],
            "registered_on": registered, "rating": RATINGS[k % len(RATINGS)],
            "address": f"{PLACE[district]}{core}路{rng.randint(1, 188)}號", "district": district,
            "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN), "contact_phone": f"1382752{k:04d}",
            "contact_email": f"contact{k:02d}@history-ngo.demo",
            "created_at": _local(max(first_year, registered.year + 1), 2, 1, 8),
        })
    db.session.execute(insert(Organization), org_rows)
    history_ids = db.session.scalars(
        select(Organization.id).where(Organization.contact_email.like("%@history-ngo.demo")).order_by(Organization.id)
    ).all()
    orgs = [(o.id, o.district, o.registered_on) for o in context["organizations"]]
    orgs += [(oid, row["district"], row["registered_on"]) for oid, row in zip(history_ids, org_rows, strict=True)]
    districts = list(District)

    proposal_rows, award_plan, outcome_plan = [], {}, {}
    for index, (n_funded, n_other) in enumerate(zip(FUNDED, NOT_FUNDED, strict=True)):
        edition = index + 1
        year = first_year + index
        opens = _local(year, 3, 1, 9)
        closes = _local(year, 4, 15, 17)
        cap = PROJECT_CAP[index]
        money = _money_split(rng, n_funded, money_targets[index], cap)
        pool = (sum(a for _r, a, _m in money) // 100_000 + 1) * 100_000
        eighth_pool = sum(q for _n, q in CATEGORIES)
        rnd = Round(
            edition=edition, name=f"第{NUMERALS[index]}屆紅紫荊婦女兒童公益項目創投活動", issuer="惠州市婦女聯合會",
            description=DESCRIPTION, labels=round_labels(edition, NUMERALS[index]),
            funding_pool=Decimal(pool), project_cap=Decimal(cap), max_proposals_per_org=MAX_PER_ORG,
            project_start=date(year, 7, 1), project_end=date(year + 1, 6, 30),
            call_opens_at=opens, call_closes_at=closes,
            screening_closes_at=_local(year, 4, 30, 17),
            review_opens_at=_local(year, 5, 6, 9),
            review_closes_at=_local(year, 5, 25, 17),
            roadshow_at=_local(year, 6, 8, 9, 30),
            notice_starts_at=_local(year, 6, 18, 9),
            created_at=opens - timedelta(days=30), updated_at=_local(year, 6, 30, 17),
            categories=[Category(name=name, quota=(Decimal(pool) * quota / eighth_pool / 1000).quantize(Decimal(1)) * 1000,
                                 position=i, labels={"name": CATEGORY_LABELS[name]})
                        for i, (name, quota) in enumerate(CATEGORIES)],
        )
        db.session.add(rnd)
        db.session.flush()
        category_ids = [c.id for c in rnd.categories]
        people = _people_split(rng, n_funded, people_targets[index])
        eligible = [o for o in orgs if o[2].year < year]
        slots = [o for o in eligible for _ in range(MAX_PER_ORG)]
        rng.shuffle(slots)
        slots = slots[: n_funded + n_other]
        scores = sorted((round(rng.uniform(72, 94), 2) for _ in range(n_funded)), reverse=True)
        outcomes = [("awarded", i) for i in range(n_funded)] + [("other", i) for i in range(n_other)]
        rng.shuffle(outcomes)  # the order in which they were submitted
        used: set[str] = set()
        for seq, ((org_id, org_district, _reg), (outcome, i)) in enumerate(zip(slots, outcomes, strict=True), start=1):
            category = rng.choices(range(4), weights=[30, 30, 22, 18])[0]
            number, blind = lifecycle.format_number(year, edition, seq)
            submitted_at = closes - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 900))
            served = sorted({str(org_district)} | ({str(rng.choice(districts))} if rng.random() < 0.3 else set()))
            if outcome == "awarded":
                requested, award, matching = money[i]
                # the proposal declared an estimate and pledged round figures; the reports say what happened
                status, beneficiaries = ProposalStatus.awarded, round(people[i] * rng.uniform(0.8, 1.1), -2) or 100
                award_plan[number] = (i + 1, scores[i], requested, award)
                outcome_plan[number] = (index, matching, people[i])
                matching = max(0, round(matching * rng.uniform(0.85, 1.05), -3))
            else:
                requested = rng.randrange(cap // 3, cap + 1, 500)
                matching = requested * rng.choice([10, 15, 20]) // 100
                status = ProposalStatus.rejected if rng.random() < 0.2 else ProposalStatus.not_awarded
                beneficiaries = rng.randrange(300, 6000, 50)
            proposal_rows.append({
                "round_id": rnd.id, "organization_id": org_id, "category_id": category_ids[category],
                "number": number, "blind_code": blind, "status": status,
                "name": _project_name(rng, category, used), "districts": served,
                "target_groups": rng.choice(TARGETS[category]), "beneficiaries": beneficiaries,
                "start_date": rnd.project_start, "end_date": rnd.project_end, "need": NEEDS[category],
                "objectives": "", "risks": "", "requested": Decimal(requested), "matching_funds": Decimal(matching),
                "budget_total": Decimal(requested + matching), "submitted_at": submitted_at,
                "revision_deadline": None, "created_at": submitted_at - timedelta(days=rng.randint(3, 20)),
                "updated_at": _local(year, 6, 30, 17), "version": 1,
            })
    db.session.execute(insert(Proposal), proposal_rows)

    past_rounds = {r.id: r for r in db.session.scalars(select(Round).where(Round.edition < current.edition))}
    ids = dict(db.session.execute(
        select(Proposal.number, Proposal.id).where(Proposal.round_id.in_(list(past_rounds)))).all())
    award_rows, event_rows = [], []
    for row in proposal_rows:
        pid = ids[row["number"]]
        rnd = past_rounds[row["round_id"]]
        event_rows.append({"proposal_id": pid, "at": row["submitted_at"], "status": ProposalStatus.submitted, "note": ""})
        screened = rnd.screening_closes_at - timedelta(days=rng.randint(1, 10))
        if row["status"] == ProposalStatus.rejected:
            event_rows.append({"proposal_id": pid, "at": screened, "status": ProposalStatus.rejected,
                               "note": "申報項目與本屆創投主題不符。"})
            continue
        event_rows.append({"proposal_id": pid, "at": screened, "status": ProposalStatus.eligible, "note": ""})
        event_rows.append({"proposal_id": pid, "at": rnd.notice_starts_at, "status": row["status"], "note": ""})
        if row["number"] in award_plan:
            rank, score, requested, amount = award_plan[row["number"]]
            award_rows.append({
                "round_id": rnd.id, "proposal_id": pid, "rank": rank, "score": Decimal(str(score)),
                "requested": Decimal(requested), "amount": Decimal(amount),
                "method": "rank_order" if amount == requested else "adjusted",
                "adjustment_reason": "" if amount == requested else "按評審意見核減部分活動預算。",
                "withdrawn": False, "withdrawn_reason": "", "updated_at": rnd.notice_starts_at,
            })
    db.session.execute(insert(Award), award_rows)
    db.session.execute(insert(ProposalEvent), event_rows)
    _projects(rng, past_rounds, proposal_rows, ids, outcome_plan)


# ---------------------------------------------------------------- after 立項: agreements, reports, evaluations
GROUP_OF = {  # a proposal's target groups -> the report's four groups of person-times
    "women": TargetGroup.women, "rural_women": TargetGroup.women, "single_mothers": TargetGroup.women,
    "migrant_women": TargetGroup.women, "disabled_women": TargetGroup.women, "elderly_women": TargetGroup.women,
    "domestic_violence_survivors": TargetGroup.women, "children": TargetGroup.children,
    "left_behind_children": TargetGroup.children, "children_in_difficulty": TargetGroup.children,
    "adolescents": TargetGroup.children, "families": TargetGroup.families,
}
SCHEDULE = ((Decimal(60), "signing"), (Decimal(30), "midterm"), (Decimal(10), "final"))


def _split(total: int, weights: dict) -> dict:
    """``total`` in whole person-times over the keys of ``weights``, exactly (the remainder to the largest)."""
    scale = sum(weights.values())
    parts = {k: int(total * w / scale) for k, w in weights.items()}
    parts[max(weights, key=lambda k: weights[k])] += total - sum(parts.values())
    return {k: v for k, v in parts.items() if v > 0}


def _served_cells(rng: random.Random, total: int, groups: list[str], districts: list[str]) -> dict:
    """(target group, district) -> person-times, adding up to ``total``."""
    weights: dict[TargetGroup, float] = defaultdict(float)
    for k, g in enumerate(dict.fromkeys(GROUP_OF.get(g, TargetGroup.others) for g in groups)):
        weights[g] += 0.7 if k == 0 else 0.3
    if rng.random() < 0.3:
        weights[TargetGroup.others] += 0.05  # e.g. volunteers' neighbours, community members
    by_group = _split(total, weights)
    district_weights = {d: (3.0 if k == 0 else 1.0) for k, d in enumerate(districts or ["huicheng"])}
    cells = {}
    for group, n in by_group.items():
        for district, m in _split(n, district_weights).items():
            cells[(group, district)] = m
    return cells


def _projects(rng: random.Random, rounds: dict, proposal_rows: list[dict], ids: dict, plan: dict) -> None:
    """Agreements, tranches, payments, reports with person-times served, and evaluations for every funded
    past project (bulk INSERTs, a handful of statements whatever the number of projects)."""
    today = localtime.today()
    awards = {pid: (aid, amount) for pid, aid, amount in db.session.execute(
        select(Award.proposal_id, Award.id, Award.amount).where(Award.round_id.in_(list(rounds)))).all()}
    rows_by_number = {r["number"]: r for r in proposal_rows if r["number"] in plan}
    failing: dict[str, str] = {}
    for index, (n_mid, n_final) in enumerate(zip(FAILED_MIDTERM, FAILED_FINAL, strict=True)):
        numbers_ = sorted(n for n, (i, _m, _p) in plan.items() if i == index)
        chosen = rng.sample(numbers_, n_mid + n_final)
        failing.update({n: "midterm" for n in chosen[:n_mid]} | {n: "final" for n in chosen[n_mid:]})

    def before_today(d: date, margin: int) -> date:
        return min(d, today - timedelta(days=margin))

    agreement_rows, facts = [], {}
    seq_of: dict[int, int] = defaultdict(int)
    for number in sorted(rows_by_number):
        row = rows_by_number[number]
        rnd = rounds[row["round_id"]]
        pid = ids[number]
        year = rnd.project_start.year
        seq_of[rnd.id] += 1
        award_id, amount = awards[pid]
        issued = localtime.local_date(rnd.notice_starts_at) + timedelta(days=14)
        signed = issued + timedelta(days=rng.randint(3, 12))
        fail = failing.get(number)
        dates = {
            "paid1": signed + timedelta(days=rng.randint(5, 15)),
            "mid_submitted": date(year + 1, 1, rng.randint(5, 15)),
            "mid_final": before_today(date(year + 1, 3, rng.randint(1, 20)), 120),
            "paid2": before_today(date(year + 1, 3, 25), 110),
            "final_submitted": before_today(date(year + 1, 7, rng.randint(10, 28)), 90),
            "final_final": before_today(date(year + 1, 9, rng.randint(1, 20)), 30),
            "paid3": before_today(date(year + 1, 9, 28), 20),
        }
        agreement_rows.append({
            "award_id": award_id, "round_id": rnd.id, "proposal_id": pid, "organization_id": row["organization_id"],
            "number": f"HZXY-{rnd.edition:02d}-{seq_of[rnd.id]:03d}",
            "status": AgreementStatus.terminated if fail else AgreementStatus.signed, "amount": amount,
            "language": "zh_Hant", "duties": "", "terms": "", "change_threshold": Decimal(10),
            "issued_at": localtime.at(issued, time(10)), "issued_on": issued, "deadline": issued + timedelta(days=21),
            "midterm_report_due": date(year + 1, 1, 15), "final_report_due": date(year + 1, 7, 31),
            "bank_account_name": "", "bank_name": "", "bank_account": "",
            "bank_confirmed_at": localtime.at(signed, time(9)), "ngo_signed_at": localtime.at(signed, time(9)),
            "signed_budget_version": 1, "countersigned_on": signed,
            "stopped_at": localtime.at(dates["mid_final" if fail == "midterm" else "final_final"], time(17))
            if fail else None,
            "stop_reason": {"midterm": "中期評估不合格，停止後續撥款，終止項目。",
                            "final": "結項評估不合格，不予撥付尾款，終止項目。"}.get(fail or "", ""),
            "refund_demanded": Decimal(0), "refund_reason": "",
            "conditions_met": ["signing"] if fail == "midterm" else ["signing", "midterm"] if fail else
            ["signing", "midterm", "final"],
            "version": 1,
        })
        facts[pid] = (number, rnd, amount, fail, dates)
    db.session.execute(insert(Agreement), agreement_rows)
    agreement_of = dict(db.session.execute(
        select(Agreement.proposal_id, Agreement.id).where(Agreement.round_id.in_(list(rounds)))).all())

    # every agreement has its approved budget (version 1), as grants.agreements.operations issues it
    version_rows = []
    for pid, (_number, _rnd, amount, _fail, dates) in facts.items():
        shares = {k: (amount * Decimal(p) / 100).quantize(Decimal("0.01")) for k, p in BUDGET_SHARES[:-1]}
        shares[BUDGET_SHARES[-1][0]] = amount - sum(shares.values())
        version_rows.append({"agreement_id": agreement_of[pid], "number": 1, "change_id": None,
                             "lines": {k: str(v) for k, v in shares.items()},
                             "created_at": localtime.at(dates["paid1"] - timedelta(days=10), time(10))})
    db.session.execute(insert(BudgetVersion), version_rows)

    tranche_rows = []
    for pid, (_number, _rnd, amount, fail, dates) in facts.items():
        amounts = [(amount * p / 100).quantize(Decimal("0.01")) for p, _c in SCHEDULE]
        amounts[-1] = amount - sum(amounts[:-1])
        due = [dates["paid1"] - timedelta(days=3), None if fail == "midterm" else dates["mid_final"],
               None if fail else dates["final_final"]]
        for position, ((percent, condition), a, d) in enumerate(zip(SCHEDULE, amounts, due, strict=True)):
            tranche_rows.append({"agreement_id": agreement_of[pid], "position": position, "percent": percent,
                                 "condition": condition, "amount": a, "due_on": d})
    db.session.execute(insert(Tranche), tranche_rows)
    tranche_of = {(aid, pos): (tid, amount) for tid, aid, pos, amount in db.session.execute(
        select(Tranche.id, Tranche.agreement_id, Tranche.position, Tranche.amount)
        .where(Tranche.agreement_id.in_(list(agreement_of.values())))).all()}

    payment_rows, refunds, report_rows, evaluation_rows = [], {}, [], []
    for pid, (_number, rnd, _amount, fail, dates) in facts.items():
        aid = agreement_of[pid]
        edition = rnd.edition
        paid_tranches = 1 if fail == "midterm" else 2 if fail == "final" else 3
        for position in range(paid_tranches):
            tid, amount = tranche_of[(aid, position)]
            paid_on = dates[f"paid{position + 1}"]
            payment_rows.append({
                "agreement_id": aid, "tranche_id": tid, "kind": "payment", "amount": amount, "paid_on": paid_on,
                "voucher_no": f"HZFL-{paid_on.year}-{edition:02d}{len(payment_rows) + 1:05d}",
                "recorded_at": localtime.at(paid_on, time(15)), "confirmed_at": localtime.at(paid_on, time(18)),
            })
        if fail:
            paid = sum((tranche_of[(aid, p)][1] for p in range(paid_tranches)), Decimal(0))
            refund = (paid * Decimal(rng.choice(["0.1", "0.15", "0.2"]))).quantize(Decimal("1"))
            refunds[aid] = refund
            on = dates["mid_final" if fail == "midterm" else "final_final"] + timedelta(days=20)
            payment_rows.append({
                "agreement_id": aid, "tranche_id": None, "kind": "refund", "amount": refund, "paid_on": on,
                "voucher_no": f"TH-{on.year}-{edition:02d}{len(refunds):03d}", "recorded_at": localtime.at(on, time(15)),
                "confirmed_at": None,
            })
        kinds = [ReportKind.midterm] if fail == "midterm" else [ReportKind.midterm, ReportKind.final]
        for kind in kinds:
            submitted = dates["mid_submitted" if kind == ReportKind.midterm else "final_submitted"]
            report_rows.append({
                "agreement_id": aid, "round_id": rnd.id, "organization_id": None, "kind": kind,
                "status": ReportStatus.accepted,
                "due_on": date(submitted.year, 1, 15) if kind == ReportKind.midterm else date(submitted.year, 7, 31),
                "extension_reason": "", "return_reason": "", "activities": [], "indicators": [], "spending": {},
                "settlement": {}, "problems": "", "changes": "",
                "submitted_at": localtime.at(submitted, time(16)), "created_at": localtime.at(submitted, time(9)),
                "updated_at": localtime.at(submitted + timedelta(days=5), time(10)), "version": 1,
                "sessions_held": None, "volunteers": None, "volunteer_hours": None, "matching_funds": None,
            })
    if payment_rows:
        db.session.execute(insert(Payment), payment_rows)
    proposal_of = {aid: pid for pid, aid in agreement_of.items()}
    org_of = {ids[r["number"]]: r["organization_id"] for r in rows_by_number.values()}
    by_pid = {ids[n]: r for n, r in rows_by_number.items()}
    for r in report_rows:
        pid = proposal_of[r["agreement_id"]]
        _index, matching, people = plan[facts[pid][0]]
        share = 1.0 if r["kind"] == ReportKind.final else rng.uniform(0.4, 0.55)
        r["organization_id"] = org_of[pid]
        r["sessions_held"] = max(4, round(people * share / rng.randint(25, 60)))
        r["volunteers"] = rng.randint(8, 60)
        r["volunteer_hours"] = Decimal(r["volunteers"] * rng.randint(10, 40))
        # matching funds raised so far; a project terminated at the mid-term had raised all it would
        last = r["kind"] == ReportKind.final or facts[pid][3] == "midterm"
        r["matching_funds"] = Decimal(matching if last else round(matching * share))
    for aid, refund in refunds.items():  # the refund demanded, on the agreement
        db.session.execute(update(Agreement).where(Agreement.id == aid).values(
            refund_demanded=refund, refund_reason="部分活動未開展，退回相應資金。"))
    db.session.execute(insert(Report), report_rows)
    report_of = {(aid, kind): rid for rid, aid, kind in db.session.execute(
        select(Report.id, Report.agreement_id, Report.kind).where(Report.round_id.in_(list(rounds)))).all()}
    served_rows = []
    for (aid, kind), rid in report_of.items():
        pid = proposal_of[aid]
        number, rnd, _amount, fail, dates = facts[pid]
        _index, _matching, people = plan[number]
        last = kind == ReportKind.final or fail == "midterm"  # the report that counts carries the whole project
        total = people if last else round(people * rng.uniform(0.4, 0.55))
        cells = _served_cells(rng, total, by_pid[pid]["target_groups"], by_pid[pid]["districts"])
        served_rows += [{"report_id": rid, "target_group": g, "district": d, "person_times": n}
                        for (g, d), n in cells.items()]
        passed = not (fail == kind.value)
        decided = dates["mid_final" if kind == ReportKind.midterm else "final_final"]
        evaluation_rows.append({
            "agreement_id": aid, "round_id": rnd.id, "proposal_id": pid, "organization_id": org_of[pid],
            "report_id": rid, "kind": kind, "state": EvaluationState.final,
            "score": Decimal(str(round(rng.uniform(66, 93) if passed else rng.uniform(45, 58), 2))),
            "aggregate_rule": "mean", "sheets": 3, "passed": passed, "reason": "" if passed else "score",
            "decided_at": localtime.at(decided - timedelta(days=10), time(11)), "finalised_on": decided,
            "refund_amount": refunds.get(aid) if not passed else None, "created_at": localtime.at(decided, time(9)),
            "updated_at": localtime.at(decided, time(17)), "version": 1,
        })
    db.session.execute(insert(ReportServed), served_rows)
    db.session.execute(insert(Evaluation), evaluation_rows)
    # each agreement's verification code, as issuing one sets it (its PDF prints it; /verify finds it)
    for agreement in db.session.scalars(
            select(Agreement).where(Agreement.id.in_(list(agreement_of.values())))
            .options(selectinload(Agreement.tranches), selectinload(Agreement.budget_versions),
                     joinedload(Agreement.round), joinedload(Agreement.organization), joinedload(Agreement.proposal))):
        agreement_ops.refresh_code(agreement)
    db.session.flush()
