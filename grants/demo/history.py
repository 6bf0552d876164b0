"""Demo history: the 1st–7th editions (closed rounds, funded projects) behind the demo's 8th edition.

The source article (惠州日報, 2021) says the Red Bauhinia venture philanthropy ran for eight
consecutive years, raised nearly 21.65 million yuan (籌集資金近2165萬元), carried out 600+ projects
(實施600多個項目) and served nearly 3.5 million person-times (精準服務婦女兒童近350萬人次).  This
step adds editions 1–7 so that, together with the 8th edition's demo awards, the funder's overview
(``/admin/overview``) tells that eight-year story:

* funds granted + the funded projects' matching funds ≈ ``ARTICLE_FUNDS`` (the money "raised");
* projects funded: ``sum(FUNDED)`` here + the 8th edition's ≈ 612;
* beneficiaries of funded projects ≈ ``ARTICLE_BENEFICIARIES``.

The 8th edition's awards are made by later demo steps (this step runs first, so editions 1–7 get
the lower proposal ids); ``EDITION_8`` holds what those steps award today and the test
``tests/demo/test_demo_history.py`` checks the combined totals, so a change there shows up.

Years are consecutive and end the year before the 8th edition (2018–2024 when the 8th is 2025).
Past rows have no reviews, rubrics, attachments or user accounts: each funded project is a Proposal
(status awarded) with an Award; each edition also has not-funded proposals.  Everything goes in
with bulk INSERTs so seeding stays fast; ``random.Random(2018)`` makes it deterministic.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from grants.demo.seed import CATEGORIES, CATEGORY_LABELS, DESCRIPTION, demo_uscc, round_labels
from grants.extensions import db
from grants.models import (
    Award,
    Category,
    District,
    Organization,
    OrgType,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    Rating,
    Round,
)
from grants.platform import localtime
from grants.rules import lifecycle

ARTICLE_FUNDS = 21_650_000  # 籌集資金近2165萬元
ARTICLE_PROJECTS = 600  # 實施600多個項目
ARTICLE_BENEFICIARIES = 3_500_000  # 服務婦女兒童近350萬人次
# What the 8th edition's demo (grants.demo.results) awards: projects, awards + matching funds, beneficiaries.
EDITION_8 = (9, 1_403_950, 10_750)

NUMERALS = "一二三四五六七八"
FUNDED = [54, 67, 79, 87, 95, 105, 116]  # projects funded per edition 1–7 (603)
NOT_FUNDED = [34, 41, 46, 50, 53, 57, 62]  # received but not funded (rejected at screening or not awarded)
PROJECT_CAP = [50_000, 50_000, 60_000, 60_000, 70_000, 80_000, 80_000]
GROWTH = [1.0, 1.06, 1.12, 1.2, 1.26, 1.33, 1.4]  # average money and reach per project, relative to edition 1
MAX_PER_ORG = 4

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
    funded_8, money_8, people_8 = EDITION_8
    money_past = ARTICLE_FUNDS - money_8
    people_past = ARTICLE_BENEFICIARIES - people_8
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
            "contact_email": f"contact{k:02d}@history-ngo.demo", "barred": False,
            "created_at": _local(max(first_year, registered.year + 1), 2, 1, 8),
        })
    db.session.execute(insert(Organization), org_rows)
    history_ids = db.session.scalars(
        select(Organization.id).where(Organization.contact_email.like("%@history-ngo.demo")).order_by(Organization.id)
    ).all()
    orgs = [(o.id, o.district, o.registered_on) for o in context["organizations"]]
    orgs += [(oid, row["district"], row["registered_on"]) for oid, row in zip(history_ids, org_rows, strict=True)]
    districts = list(District)

    proposal_rows, award_plan = [], {}
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
                status, beneficiaries = ProposalStatus.awarded, people[i]
                award_plan[number] = (i + 1, scores[i], requested, award)
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
