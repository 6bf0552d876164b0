"""Demo proposals for the 8th round: ~40 realistic 申報書 from the 12 demo NGOs in various states.

Budgets satisfy the round's rules (total = requested + matching, requested ≤ cap, administration
≤ 10 %); each submitted proposal has its two required documents as tiny valid PDFs under
UPLOAD_FOLDER. The demo round allows 4 proposals per organization so that 40 fit.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from flask import current_app

from grants.models import (
    ActivityRow,
    Attachment,
    AttachmentKind,
    BudgetCategory,
    BudgetLine,
    District,
    OutcomeRow,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    Screening,
    ScreeningOutcome,
    TeamMember,
)
from grants.platform import localtime, uploads
from grants.rules import budget, lifecycle

# category index -> (project name, need, target groups)
PROJECTS = {
    0: [  # 婦女發展
        ("「巾幗創業」農村婦女電商技能培訓計劃", "農村婦女就業渠道窄，缺乏電商與直播技能，家庭收入依賴外出務工。", ["rural_women", "women"]),
        ("新市民婦女職業提升與心理支持項目", "外來務工婦女工作時間長、社會支持網絡薄弱，職業晉升困難。", ["migrant_women", "women"]),
        ("「她力量」單親媽媽賦能成長營", "單親媽媽經濟與照顧壓力大，普遍存在焦慮情緒，缺少互助平台。", ["single_mothers", "women"]),
        ("銀齡姐妹健康守護計劃", "社區高齡女性慢性病多發，健康知識不足，獨居比例上升。", ["elderly_women"]),
        ("殘疾婦女居家就業支持計劃", "殘疾婦女就業率低，居家手工及網絡就業機會需要系統支持。", ["disabled_women", "women"]),
        ("婦女兩癌篩查宣傳與關愛行動", "部分鎮街婦女兩癌篩查知曉率不足六成，早篩意識薄弱。", ["women", "rural_women"]),
        ("客家繡娘非遺技藝傳承與增收項目", "客家刺繡技藝後繼乏人，山區婦女有增收需求。", ["rural_women", "women"]),
        ("社區女性領袖培育計劃", "社區治理中女性參與度低，缺乏骨幹培養機制。", ["women"]),
        ("產後媽媽心理健康陪伴計劃", "產後抑鬱發生率約15%，新手媽媽缺乏專業陪伴。", ["women", "families"]),
        ("漁村婦女互助合作社培育項目", "漁村婦女收入單一，缺少合作組織與市場對接。", ["rural_women"]),
    ],
    1: [  # 兒童關愛
        ("「守護花蕾」留守兒童安全教育計劃", "山區留守兒童防溺水、防性侵知識不足，監護缺位。", ["left_behind_children", "children"]),
        ("四點半課堂：雙職工子女課後托管", "雙職工家庭放學後無人照看，兒童課後安全與學業支持不足。", ["children", "families"]),
        ("困境兒童個案管理與成長支持", "困境兒童存在學業、情緒與監護多重困難，需要個案跟進。", ["children_in_difficulty", "children"]),
        ("「悅讀童行」鄉村兒童閱讀推廣", "鄉村學校圖書陳舊，兒童課外閱讀量遠低於城市。", ["children", "left_behind_children"]),
        ("自閉症兒童家庭融合支持計劃", "自閉症兒童家庭照顧壓力大，社區融合活動稀缺。", ["children", "families"]),
        ("青春期性教育與自我保護課程", "青少年獲取性知識渠道混亂，自我保護意識薄弱。", ["adolescents", "children"]),
        ("留守兒童「親情視頻」陪伴行動", "父母長期外出，留守兒童親子溝通不足，情感需求未被滿足。", ["left_behind_children"]),
        ("兒童心理韌性培育小組", "學業壓力與家庭變故導致兒童情緒問題增多。", ["children", "adolescents"]),
        ("暑期兒童防溺水守護行動", "每年暑期溺水事故多發，農村兒童游泳安全技能缺乏。", ["children", "left_behind_children"]),
        ("流動兒童社區融入計劃", "隨遷子女社區歸屬感弱，社交圈子狹窄。", ["children", "migrant_women"]),
    ],
    2: [  # 家庭建設
        ("「和美家庭」親子溝通工作坊", "家庭親子衝突增多，父母缺乏正面管教方法。", ["families", "children"]),
        ("新婚家庭婚姻輔導與家庭教育", "新婚夫妻婚姻調適困難，離婚率有上升趨勢。", ["families"]),
        ("隔代教養家庭支持計劃", "祖輩照顧者教育觀念與方法落後，隔代溝通困難。", ["families", "left_behind_children"]),
        ("家風家教傳承社區行動", "社區家庭文化建設薄弱，良好家風宣傳不足。", ["families"]),
        ("特殊需要兒童家庭喘息服務", "特殊兒童照顧者長期高壓，缺乏短期替代照顧。", ["families", "children_in_difficulty"]),
        ("鄰里守望家庭互助網絡", "新建小區鄰里關係淡漠，家庭遇困難時缺少支持。", ["families", "women"]),
        ("父親參與育兒成長營", "父親在育兒中普遍缺位，母親照顧負擔過重。", ["families", "children"]),
        ("家庭財務素養提升計劃", "低收入家庭缺乏理財規劃，應對風險能力弱。", ["families", "women"]),
        ("「愛在黃昏」長者家庭照護支持", "失能長者家庭照護壓力集中在女性成員身上。", ["families", "elderly_women"]),
        ("家庭教育指導站建設項目", "社區缺少常態化家庭教育指導服務。", ["families", "children"]),
    ],
    3: [  # 婦兒維權
        ("反家暴社區預防與援助項目", "家暴求助渠道認知度低，受害者不敢求助、不會求助。", ["domestic_violence_survivors", "women"]),
        ("婦女兒童法律援助進村居", "農村婦女土地權益、撫養權糾紛多，法律服務可及性低。", ["rural_women", "women"]),
        ("未成年人網絡安全保護計劃", "未成年人沉迷網絡、遭遇網絡詐騙與欺凌事件增多。", ["adolescents", "children"]),
        ("校園欺凌預防與干預項目", "校園欺凌事件時有發生，學校干預機制不完善。", ["children", "adolescents"]),
        ("婚姻家庭糾紛人民調解支持", "婚姻家庭糾紛佔基層調解案件三成以上。", ["women", "families"]),
        ("防範拐賣婦女兒童宣傳行動", "偏遠地區婦女兒童防拐騙意識不足。", ["women", "children"]),
        ("職場女性權益保護支持計劃", "女職工在孕期、哺乳期權益受損時維權困難。", ["women", "migrant_women"]),
        ("困境婦女心理危機干預熱線", "遭遇家暴、婚變的婦女心理危機缺少及時干預。", ["domestic_violence_survivors", "women"]),
        ("兒童性侵害預防「護蕾」行動", "兒童防性侵教育覆蓋率低，家長認知不足。", ["children", "families"]),
        ("婦女權益「普法大篷車」", "新法規宣傳難以深入山區，婦女維權知識匱乏。", ["rural_women", "women"]),
    ],
}
ACTIVITIES = [
    ("需求調研與方案細化", "調研報告1份"), ("招募與培訓志願者", "志願者30名"), ("開展主題講座", "講座12場"),
    ("小組工作", "小組8期"), ("個案跟進", "個案20個"), ("社區宣傳活動", "大型活動2場"),
    ("中期評估與調整", "中期報告1份"), ("成果展示與總結", "總結報告1份"),
]
OUTCOMES = [
    ("服務對象滿意度", "≥90%", "滿意度問卷"), ("知識知曉率提升", "提升30%", "前後測問卷"),
    ("服務人次", "≥1500人次", "簽到表"), ("個案目標達成率", "≥80%", "個案評估記錄"),
]
TEAM = [("陳", "項目主管", "中級社工師"), ("李", "社工", "社工證"), ("黃", "心理諮詢師", "國家二級心理諮詢師"),
        ("張", "財務", "會計從業資格"), ("周", "志願者督導", "社工證"), ("何", "律師", "律師執業證")]
GIVEN = ["美玲", "曉紅", "秀英", "麗華", "志強", "淑芬", "靜", "文華", "佳怡", "麗娟", "小燕", "永康"]
RISKS = "1. 颱風、暴雨等天氣影響戶外活動：預留室內場地並調整排期。\n2. 服務對象流失：建立微信群持續跟進，結合上門探訪。\n3. 人員變動：設置AB崗，完善交接制度。"

# status plan for 40 proposals: index -> status
PLAN = ([ProposalStatus.eligible] * 28 + [ProposalStatus.submitted] * 4 + [ProposalStatus.draft] * 3
        + [ProposalStatus.returned] * 2 + [ProposalStatus.rejected] * 2 + [ProposalStatus.withdrawn])


def _budget(rng: random.Random, requested: int, matching: int) -> list[BudgetLine]:
    """3–6 lines whose subtotals add up exactly to requested + matching, administration ≤ 8 %."""
    total = requested + matching
    lines = []
    months = rng.choice([10, 12])
    workers = rng.choice([1, 2])
    monthly = (total * rng.choice([30, 35, 40]) // 100) // (months * workers) // 100 * 100
    lines.append((BudgetCategory.personnel, f"項目社工補貼（{workers}人×{months}個月）", Decimal(monthly), Decimal(months * workers)))
    sessions = rng.choice([12, 16, 20, 24])
    per_session = (total * rng.choice([20, 25]) // 100) // sessions // 10 * 10
    lines.append((BudgetCategory.activities, "主題活動及講座", Decimal(per_session), Decimal(sessions)))
    extra = rng.randint(0, 3)
    if extra >= 1:
        lines.append((BudgetCategory.materials, "活動物資及教材", Decimal(total * 8 // 100 // 100 * 100), Decimal(1)))
    if extra >= 2:
        lines.append((BudgetCategory.publicity, "宣傳品製作", Decimal(rng.choice([20, 25, 30])), Decimal(rng.choice([100, 200]))))
    if extra >= 3:
        lines.append((BudgetCategory.other, "專家督導費", Decimal(800), Decimal(rng.choice([6, 8, 10]))))
    lines.append((BudgetCategory.administration, "行政管理費", Decimal(total * rng.choice([5, 6, 8]) // 100), Decimal(1)))
    used = sum(price * qty for _, _, price, qty in lines)
    lines.append((BudgetCategory.activities, "交通及場地費", Decimal(total) - used, Decimal(1)))
    return [BudgetLine(position=i, category=c, item=item, unit_price=p, quantity=q,
                       subtotal=budget.line_subtotal(p, q)) for i, (c, item, p, q) in enumerate(lines)]


def seed(context: dict) -> None:
    from grants.extensions import db

    rng = random.Random(8)  # noqa: S311  (demo data, not security)
    rnd = context["round"]
    orgs = context["organizations"]
    admin = context["admin"]
    now = context["now"]
    rnd.max_proposals_per_org = 4
    year = localtime.local_date(rnd.call_closes_at).year
    folder = current_app.config["UPLOAD_FOLDER"]
    pdf_bytes = uploads.tiny_pdf()
    districts = list(District)
    sequence = 0
    proposals = []
    for i, status in enumerate(PLAN):
        org = orgs[i % len(orgs)]
        cat_index = i % 4
        name, need, groups = PROJECTS[cat_index][(i // 4) % 10]
        requested = rng.randrange(80_000, 200_001, 500)
        matching = requested * rng.choice([5, 10, 15, 20]) // 100
        submitted_at = now - timedelta(days=rng.randint(1, 15), minutes=rng.randint(0, 600))
        p = Proposal(
            round_id=rnd.id, organization_id=org.id, category_id=rnd.categories[cat_index].id, status=status,
            name=name, districts=sorted({str(org.district), str(rng.choice(districts))}), target_groups=groups,
            beneficiaries=rng.randrange(200, 3000, 50), start_date=rnd.project_start, end_date=rnd.project_end,
            need=f"{need}據{org.name[:6]}前期調研，服務區域內相關對象約{rng.randrange(500, 5000, 100)}人，現有服務覆蓋不足兩成。",
            objectives=f"1. 為{rng.randrange(100, 800, 10)}名服務對象提供專業服務；\n2. 培育志願者隊伍一支；\n3. 形成可複製的服務模式。",
            risks=RISKS, requested=Decimal(requested), matching_funds=Decimal(matching),
            budget_total=Decimal(requested + matching), created_at=submitted_at - timedelta(days=5),
        )
        p.activities = [ActivityRow(position=k, month=f"{year + 1}-{2 * k + 1:02d}", activity=a, output=o)
                        for k, (a, o) in enumerate(rng.sample(ACTIVITIES, rng.randint(3, 5)))]
        p.outcomes = [OutcomeRow(position=k, indicator=a, target=b, measure=c)
                      for k, (a, b, c) in enumerate(rng.sample(OUTCOMES, rng.randint(2, 3)))]
        p.team = [TeamMember(position=k, name=s + rng.choice(GIVEN), role=r, qualification=q, hours=rng.randrange(100, 800, 20))
                  for k, (s, r, q) in enumerate(rng.sample(TEAM, rng.randint(2, 4)))]
        p.budget_lines = _budget(rng, requested, matching)
        assert not budget.check_budget(  # noqa: S101  (demo data must satisfy the rules it demonstrates)
            [budget.Line(str(b.category), b.item, b.unit_price, b.quantity) for b in p.budget_lines],
            p.requested, p.matching_funds, budget.RoundRules(project_cap=rnd.project_cap, admin_share_max=rnd.admin_share_max))
        events = [ProposalEvent(status=ProposalStatus.draft, at=p.created_at)]
        if status != ProposalStatus.draft:
            sequence += 1
            p.number, p.blind_code = lifecycle.format_number(year, rnd.edition, sequence)
            p.submitted_at = submitted_at
            events.append(ProposalEvent(status=ProposalStatus.submitted, at=submitted_at))
            for kind in (AttachmentKind.registration_certificate, AttachmentKind.annual_report):
                stored, digest = uploads.store(folder, pdf_bytes, "pdf")
                label = "登記證書" if kind == AttachmentKind.registration_certificate else "2024年度年檢報告"
                p.attachments.append(Attachment(kind=kind, original_name=f"{label}.pdf", stored_name=stored,
                                                content_type="application/pdf", size=len(pdf_bytes), sha256=digest,
                                                uploaded_at=submitted_at))
        screened_at = submitted_at + timedelta(days=1)
        if status in (ProposalStatus.eligible, ProposalStatus.returned, ProposalStatus.rejected):
            outcome = {ProposalStatus.eligible: ScreeningOutcome.passed, ProposalStatus.returned: ScreeningOutcome.returned,
                       ProposalStatus.rejected: ScreeningOutcome.rejected}[status]
            reason = {ScreeningOutcome.passed: "", ScreeningOutcome.returned: "年檢報告缺少蓋章頁，請補充後重新提交。",
                      ScreeningOutcome.rejected: "申報項目與本屆創投主題不符。"}[outcome]
            deadline = now + timedelta(days=5) if outcome == ScreeningOutcome.returned else None
            p.revision_deadline = deadline
            p.screening = Screening(checklist={"registration_valid": True, "within_cap": True,
                                               "attachments_complete": outcome != ScreeningOutcome.returned,
                                               "not_barred": True},
                                    outcome=outcome, reason=reason, revision_deadline=deadline,
                                    screened_by_id=admin.id, screened_at=screened_at)
            events.append(ProposalEvent(status=status, at=screened_at, actor_id=admin.id, note=reason))
        elif status == ProposalStatus.withdrawn:
            events.append(ProposalEvent(status=status, at=submitted_at + timedelta(hours=3)))
        p.events = events
        proposals.append(p)
    db.session.add_all(proposals)
    db.session.flush()
    context["proposals"] = proposals
