"""The one export writer (grants/platform/exports.py) and every export route.

* Unit tests of the writer: text always stored as text, numbers as numbers with their format, dates
  in local time, CSV neutralised (OWASP), download headers.
* ``test_every_export_route_keeps_hostile_text_as_text`` walks EVERY route of the URL map ending in
  ``.xlsx`` or ``.csv`` (a new export route without an entry in ``ROUTES`` fails) in a world where
  every user-controlled column holds formula-like text, opens each file and checks that no cell is a
  formula, that each hostile value comes back exactly as typed (xlsx: a string cell; CSV: behind a
  ``'``), and that numeric columns hold numbers.
* The score matrix counts the bonus as the ranking does: capped by the review's rubric version.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import unquote

import pytest
from flask import url_for
from openpyxl import load_workbook
from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Assignment,
    Award,
    BudgetLine,
    Category,
    ProposalStatus,
    Review,
    ReviewStatus,
    Role,
    Round,
    RubricVersion,
    Stage,
    utcnow,
)
from grants.platform import downloads, exports
from grants.platform.exports import (
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    MONEY,
    PERCENT,
    SCORE,
    TEXT,
    Column,
    Row,
    Sheet,
)
from grants.ranking import operations as ranking_ops
from grants.rules import rubric as rubric_mod

EN = {"Accept-Language": "en"}
ADMIN = "exports-admin@example.org"
LONG_CJK = "惠州市" + "婦女兒童公益服務長名稱" * 8 + "中心"  # 93 characters
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "=cmd|' /C calc'!A0",
    LONG_CJK,
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# =========================================================================== the writer


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _no_formula_anywhere(data: bytes) -> None:
    """No <f> element in any worksheet (what Excel would evaluate), whatever openpyxl reports."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name


@pytest.mark.no_database
def test_text_is_always_text_in_xlsx(app):
    values = HOSTILE + ["\r=1", "普通文字", "0012", "1e5"]
    with app.app_context():
        data = exports.xlsx_bytes([Sheet("t", [Column("名稱"), Column("金額", MONEY)],
                                         [[v, "=1+1"] for v in values])])
    _no_formula_anywhere(data)
    ws = _book(data).active
    assert ws["A1"].value == "名稱" and ws["A1"].font.b
    for i, value in enumerate(values, start=2):
        cell = ws.cell(i, 1)
        assert cell.data_type == "s"
        assert cell.value == value.replace("\r", "\n")  # XML keeps a CR as a line break
        assert cell.quotePrefix == value.startswith(TRIGGERS)  # editing it in Excel keeps it text
        money = ws.cell(i, 2)  # a str in a numeric column is text too, never a formula
        assert money.data_type == "s" and money.value == "=1+1" and money.quotePrefix
    assert ws.cell(len(values) + 1, 1).value == "1e5" and ws.cell(len(values), 1).value == "0012"


@pytest.mark.no_database
def test_numbers_dates_and_formats(app):
    when = datetime(2025, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Asia/Shanghai
    columns = [Column("n", INTEGER), Column("d", DECIMAL), Column("m", MONEY), Column("s", SCORE),
               Column("p", PERCENT), Column("day", DATE), Column("at", DATETIME), Column("t", TEXT, 33)]
    rows = [
        [3, Decimal("2.5"), Decimal("1234567.5"), Decimal("88.125"), Decimal("0.253"), date(2025, 3, 1), when, 12],
        [Decimal("4"), 1.5, 100, None, None, None, None, None],
        Row([None, None, Decimal("-20.00"), "—", None, None, datetime(2025, 3, 1, 16, 30), ""], strong=True),
    ]
    with app.app_context():
        data = exports.xlsx_bytes([Sheet("numbers", columns, rows)])
    ws = _book(data).active
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["H"].width == 33 and ws.column_dimensions["C"].width == exports.DEFAULT_WIDTHS[MONEY]
    first = ws[2]
    assert [c.value for c in first[:5]] == [3, 2.5, 1234567.5, 88.125, 0.253]
    assert all(c.data_type == "n" for c in first[:5])
    assert [c.number_format for c in first[:7]] == ["0", "General", "#,##0.00", "0.00", "0.0%", "yyyy-mm-dd",
                                                     "yyyy-mm-dd hh:mm"]
    assert first[5].value == datetime(2025, 3, 1)  # a date (openpyxl reads dates back as datetimes)
    assert first[6].value == datetime(2025, 3, 2, 0, 30)  # local wall time, no zone
    assert first[7].value == "12" and first[7].data_type == "s"  # a number in a text column is text
    second = ws[3]
    assert second[0].value == 4 and second[0].data_type == "n" and second[1].value == 1.5
    assert second[3].value is None
    third = ws[4]
    assert third[2].value == -20 and third[2].data_type == "n" and third[2].font.b
    assert third[3].value == "—" and third[3].data_type == "s"
    assert third[6].value == datetime(2025, 3, 2, 0, 30)  # naive datetimes are UTC, as stored


@pytest.mark.no_database
def test_preamble_titles_and_unwritable_characters(app):
    sheets = [
        Sheet("=bad/title?[1]", [Column("h")], [["a\x00b\x1fc"], ["長" * 40_000]], preamble=[["=1+1"], [None, "-x"]]),
        Sheet("=bad/title?[1]", [Column("h")], []),
    ]
    with app.app_context():
        data = exports.xlsx_bytes(sheets)
    _no_formula_anywhere(data)
    book = _book(data)
    assert book.sheetnames == ["=bad title  1", "=bad title  1 (2)"]
    ws = book.worksheets[0]
    assert ws["A1"].value == "=1+1" and ws["A1"].data_type == "s" and ws["A1"].quotePrefix and ws["A1"].font.b
    assert ws["B2"].value == "-x" and ws["B2"].data_type == "s"
    assert ws["A3"].value == "h" and ws.freeze_panes == "A4"
    assert ws["A4"].value == "abc"  # characters XML cannot hold are dropped, not a 500
    assert len(ws["A5"].value) == exports.MAX_CELL_CHARS


@pytest.mark.no_database
def test_unknown_kind_and_ragged_rows_are_programming_errors(app):
    with pytest.raises(ValueError):
        Column("x", "currency")
    with app.app_context(), pytest.raises(ValueError):
        exports.xlsx_bytes([Sheet("t", [Column("a"), Column("b")], [["only one"]])])


@pytest.mark.no_database
def test_csv_is_neutralised_utf8_with_bom(app):
    columns = [Column("名稱"), Column("=head"), Column("金額", MONEY), Column("分", SCORE), Column("n", INTEGER),
               Column("at", DATETIME), Column("day", DATE)]
    rows = [[v, "x", Decimal("1234.5"), Decimal("88.125"), -3, datetime(2025, 3, 1, 16, 30, tzinfo=UTC),
             date(2025, 3, 1)] for v in HOSTILE + ["\r=1"]]
    rows.append(Row(["普通", None, "-1", None, None, None, None], strong=True))
    with app.app_context():
        data = exports.csv_bytes(columns, rows)
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert read[0] == ["名稱", "'=head", "金額", "分", "n", "at", "day"]
    for value, line in zip(HOSTILE + ["\r=1"], read[1:], strict=False):
        assert line[0] == ("'" + value if value.startswith(TRIGGERS) else value)
        assert line[2:] == ["1234.50", "88.13", "-3", "2025-03-02 00:30", "2025-03-01"]  # numbers plain
    assert read[-1][:3] == ["普通", "", "'-1"]  # a str in a numeric column is neutralised text


@pytest.mark.no_database
def test_download_headers_and_filenames(app):
    with app.test_request_context():
        response = exports.xlsx_response([Sheet("s", [Column("a")], [["x"]])], "公示名單-8-3.xlsx")
        assert response.mimetype == exports.XLSX_MIMETYPE
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="')
        ascii_part = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert ascii_part.isascii() and ascii_part.endswith(".xlsx")
        assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "公示名單-8-3.xlsx"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response = exports.csv_response([Column("a")], [["=1"]], 'a"b;\r\nc.csv')
        assert response.mimetype == "text/csv" and response.mimetype_params.get("charset") == "utf-8"
        disposition = response.headers["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition
        assert disposition.split('filename="', 1)[1].split('"', 1)[0] == "a_b_c.csv"
    assert downloads.ascii_filename("評分矩陣.xlsx") == "download.xlsx"
    assert downloads.ascii_filename("公示名單-8-3.xlsx") == "8-3.xlsx"


# =========================================================================== a hostile world


@dataclass
class HostileWorld:
    round_id: int
    publication_id: int
    fields: dict[str, list[str]] = field(default_factory=dict)  # field -> hostile values it holds


def _hostile_rubric(cap: str) -> dict:
    definition = rubric_mod.rubric_to_dict(rubric_mod.default_written_rubric())
    definition["bonus_cap"] = cap
    definition["criteria"][0]["label"] = {lang: HOSTILE[0] for lang in ("zh_Hant", "zh_Hans", "en")}
    return definition


def _scores(rub: rubric_mod.Rubric, i: int) -> dict[str, str]:
    return {c.key: str(c.max_points - (i % 3)) for c in rub.criteria}


def build_hostile_world(app, make, auth, client) -> HostileWorld:
    from tests.publication.test_publication_support import wait_done

    rnd = make.round(notice_working_days=5, name=HOSTILE[1], issuer=HOSTILE[6])
    reviewers = [make.user(Role.reviewer, email=f"hostile{i}@expert.example", name=value).id
                 for i, value in enumerate(HOSTILE)]
    with app.app_context():
        round_ = db.session.get(Round, rnd.id)
        categories = sorted(round_.categories, key=lambda c: c.position)
        for i, value in enumerate(HOSTILE):
            if i < len(categories):
                categories[i].name = value
            else:
                round_.categories.append(Category(name=value, position=i))
        definition = _hostile_rubric("4")
        rv = RubricVersion(round_id=rnd.id, stage=Stage.written, version=1, definition=definition)
        road = RubricVersion(round_id=rnd.id, stage=Stage.roadshow, version=1,
                             definition=rubric_mod.rubric_to_dict(rubric_mod.default_roadshow_rubric()))
        db.session.add_all([rv, road])
        db.session.commit()
        category_ids = [c.id for c in sorted(round_.categories, key=lambda c: c.position)]
        rv_id, road_id = rv.id, road.id
    rub = rubric_mod.rubric_from_dict(definition)
    road_rub = rubric_mod.default_roadshow_rubric()
    proposals = []
    for i, value in enumerate(HOSTILE):
        org = make.organization(name=value)
        proposals.append(make.proposal(rnd.id, organization_id=org.id, name=value, category_id=category_ids[i],
                                       status=ProposalStatus.shortlisted, requested="123456.78").id)
    with app.app_context():
        now = utcnow()
        for i, (pid, value) in enumerate(zip(proposals, HOSTILE, strict=True)):
            line = db.session.scalar(select(BudgetLine).where(BudgetLine.proposal_id == pid, BudgetLine.position == 0))
            line.item = value
            db.session.add(Award(round_id=rnd.id, proposal_id=pid, rank=i + 1, score=Decimal("90.5") - i,
                                 requested=Decimal("123456.78"), amount=Decimal("100000.50")))
            for j in range(3):
                rid = reviewers[(i + j) % len(reviewers)]
                scores = _scores(rub, i + j)
                bonus = {"matching_funds": "3", "rating_4a": "2"} if j == 0 else {}  # 5 > the cap of 4
                db.session.add(Assignment(round_id=rnd.id, proposal_id=pid, reviewer_id=rid, stage=Stage.written))
                db.session.add(Review(proposal_id=pid, reviewer_id=rid, stage=Stage.written, rubric_version_id=rv_id,
                                      status=ReviewStatus.submitted, scores=scores, bonus=bonus, comments={},
                                      veto_answers={}, total=rubric_mod.total(rub, scores, bonus), vetoed=False,
                                      submitted_at=now))
        road_scores = {c.key: str(c.max_points) for c in road_rub.criteria}
        db.session.add(Review(proposal_id=proposals[0], reviewer_id=reviewers[7], stage=Stage.roadshow,
                              rubric_version_id=road_id, status=ReviewStatus.submitted, scores=road_scores, bonus={},
                              comments={}, veto_answers={}, total=rubric_mod.total(road_rub, road_scores),
                              submitted_at=now))
        db.session.commit()

    make.user(Role.admin, email=ADMIN)
    auth.login(ADMIN)
    assert auth.post(f"/admin/rounds/{rnd.id}/publication/publish", headers=EN).status_code == 302
    status = wait_done(client, rnd.id)
    assert status["status"] == "notice" and not status["error"], status
    with app.app_context():
        from grants.models import Publication

        pub_id = db.session.scalar(select(Publication.id).where(Publication.round_id == rnd.id))
    _hostile_agreements(app, rnd.id)
    every = list(HOSTILE)
    return HostileWorld(rnd.id, pub_id, {
        "project": every, "organization": every, "category": every, "reviewer": every, "budget item": every,
        "criterion": [HOSTILE[0]], "issuer": [HOSTILE[6]], "account name": every,
    })


def _hostile_agreements(app, round_id: int) -> None:
    """Grant agreements for the hostile awards, their bank account names and banks hostile too (ledger export)."""
    from grants.agreements import operations as agreement_ops
    from grants.platform import localtime
    from grants.publication import operations as publication_ops

    with app.test_request_context():
        rnd = db.session.get(Round, round_id)
        template = agreement_ops.template_for(rnd)
        awards = db.session.scalars(select(Award).where(Award.round_id == round_id).order_by(Award.rank)).all()
        for seq, award in enumerate(awards, start=1):
            a = agreement_ops.create_agreement(rnd, award, template, calendar=publication_ops.load_calendar(),
                                               today=localtime.today(), seq=seq)
            a.bank_account_name = a.bank_name = award.proposal.name
        db.session.commit()


@dataclass(frozen=True)
class Route:
    """What one export route must show: the hostile fields it carries and, per sheet (None: the CSV),
    its numeric columns by header -> the number format they must have (None: any)."""

    role: str  # "admin" | "anonymous"
    fields: tuple[str, ...]
    numbers: dict = field(default_factory=dict)
    dates: dict = field(default_factory=dict)


MONEY_FMT, SCORE_FMT = "#,##0.00", "0.00"
ROUTES = {
    "admin.proposals_export": Route(
        "admin", ("project", "organization", "category", "budget item"),
        numbers={"Proposals": {"Requested amount": MONEY_FMT, "Matching funds": MONEY_FMT,
                               "Budget total": MONEY_FMT},
                 "Budget lines": {"Unit price": MONEY_FMT, "Quantity": None, "Subtotal": MONEY_FMT}},
        dates={"Proposals": ["Submitted at"]}),
    "admin.score_matrix_export": Route(
        "admin", ("project", "organization", "category", "reviewer", "criterion"),
        numbers={"Summary": {"Rank": "0", "Rank in category": "0", "Written score": SCORE_FMT, "Score": SCORE_FMT},
                 "Written review": {HOSTILE[0]: None, "Bonus": None, "Total": SCORE_FMT},
                 "Roadshow": {"Total": SCORE_FMT}},
        dates={"Written review": ["Submitted at"], "Roadshow": ["Submitted at"]}),
    "admin.assignment_export": Route("admin", ("project", "category", "reviewer")),
    "admin.agreements_ledger_export": Route(
        "admin", ("project", "organization", "account name"),
        numbers={"Ledger": {"Approved": MONEY_FMT, "Due": MONEY_FMT, "Paid": MONEY_FMT, "Outstanding": MONEY_FMT,
                            "Not yet due": MONEY_FMT}}),
    "public.results_xlsx": Route(
        "anonymous", ("project", "organization", "category", "issuer"),
        numbers={"公示名單": {"排名": "0", "得分": SCORE_FMT, "核定金額": MONEY_FMT}}),
}


def export_rules(app) -> dict[str, object]:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.rule.endswith((".xlsx", ".csv"))}


def _check_xlsx(endpoint: str, data: bytes, route: Route, world: HostileWorld) -> None:
    _no_formula_anywhere(data)
    book = load_workbook(io.BytesIO(data))
    texts: set[str] = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{endpoint} {ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    texts.add(cell.value)
                    if cell.value.startswith(TRIGGERS):
                        assert cell.quotePrefix, f"{endpoint} {ws.title}!{cell.coordinate} {cell.value!r}"
    for name in route.fields:
        for value in world.fields[name]:
            assert value in texts, f"{endpoint}: the {name} {value!r} is not in the file as text"
    for title, columns in route.numbers.items():
        ws = book[title]
        rows = list(ws.iter_rows())
        header_at = next(i for i, row in enumerate(rows) if any(c.value in columns for c in row))
        header = [c.value for c in rows[header_at]]
        data_rows = [r for r in rows[header_at + 1:] if any(c.value is not None for c in r)]
        assert data_rows, f"{endpoint} {title}: no rows"
        for name, number_format in columns.items():
            col = header.index(name)
            cells = [r[col] for r in data_rows if r[col].value is not None]
            assert cells, f"{endpoint} {title}: column {name!r} is empty"
            for cell in cells:
                assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool), \
                    f"{endpoint} {title}!{cell.coordinate} ({name}) is {cell.value!r}"
                assert number_format is None or cell.number_format == number_format, (name, cell.number_format)
        for name in route.dates.get(title, []):
            col = header.index(name)
            assert all(isinstance(r[col].value, datetime) for r in data_rows), f"{endpoint} {title}: {name}"


def _check_csv(endpoint: str, data: bytes, route: Route, world: HostileWorld) -> None:
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    values = {v for line in lines for v in line}
    for v in values:
        assert not v.startswith(TRIGGERS), f"{endpoint}: {v!r} would be evaluated"
    for name in route.fields:
        for value in world.fields[name]:
            expected = "'" + value if value.startswith(TRIGGERS) else value
            assert expected in values, f"{endpoint}: the {name} {value!r} is not in the file as {expected!r}"


def test_every_export_route_keeps_hostile_text_as_text(app, client, auth, make):
    rules = export_rules(app)
    missing = set(rules) - set(ROUTES)
    assert not missing, f"export routes without an entry in tests/platform/test_exports.py ROUTES: {missing}"
    assert not set(ROUTES) - set(rules), f"entries for routes that no longer exist: {set(ROUTES) - set(rules)}"
    world = build_hostile_world(app, make, auth, client)
    anonymous = app.test_client()
    values = {"round_id": world.round_id, "publication_id": world.publication_id}
    for endpoint, rule in sorted(rules.items()):
        route = ROUTES[endpoint]
        with app.test_request_context():
            url = url_for(endpoint, **{arg: values[arg] for arg in rule.arguments})
        response = (client if route.role == "admin" else anonymous).get(url, headers=EN)
        assert response.status_code == 200, f"{endpoint}: {response.status_code}"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if rule.rule.endswith(".csv"):
            assert response.mimetype == "text/csv"
            _check_csv(endpoint, response.data, route, world)
        else:
            assert response.mimetype == exports.XLSX_MIMETYPE
            _check_xlsx(endpoint, response.data, route, world)


# =========================================================================== the bonus cap


def test_score_matrix_counts_the_bonus_as_the_ranking_does(app, client, auth, make):
    """A review scored under rubric v1 (cap 4) and one under v2 (cap 5), both claiming 3 + 2 bonus
    points: the matrix shows 4 and 5, and its totals are the ranking page's totals."""
    rnd = make.round()
    p = make.proposal(rnd.id, status=ProposalStatus.eligible)
    r1 = make.user(Role.reviewer, email="cap1@expert.example", name="甲專家")
    r2 = make.user(Role.reviewer, email="cap2@expert.example", name="乙專家")
    bonus = {"matching_funds": "3", "rating_4a": "2"}
    with app.app_context():
        rubrics = {}
        for version, cap, reviewer in ((1, "4", r1), (2, "5", r2)):
            definition = _hostile_rubric(cap)
            rv = RubricVersion(round_id=rnd.id, stage=Stage.written, version=version, definition=definition)
            db.session.add(rv)
            db.session.flush()
            rub = rubric_mod.rubric_from_dict(definition)
            scores = _scores(rub, version)
            rubrics[reviewer.id] = (rub, scores)
            db.session.add(Review(proposal_id=p.id, reviewer_id=reviewer.id, stage=Stage.written,
                                  rubric_version_id=rv.id, status=ReviewStatus.submitted, scores=scores, bonus=bonus,
                                  comments={}, veto_answers={}, total=rubric_mod.total(rub, scores, bonus),
                                  submitted_at=utcnow()))
        db.session.commit()
        page_totals = ranking_ops.round_scores(db.session.get(Round, rnd.id)).by_id[p.id].totals["written"]
    make.user(Role.admin, email=ADMIN)
    auth.login(ADMIN)
    response = client.get(f"/admin/rounds/{rnd.id}/ranking/matrix.xlsx", headers=EN)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data))["Written review"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    by_reviewer = {row[header.index("Reviewer")]: row for row in rows[1:]}
    for reviewer, cap in ((r1, 4), (r2, 5)):
        row = by_reviewer[reviewer.name]
        rub, scores = rubrics[reviewer.id]
        assert row[header.index("Bonus")] == cap  # not the 5 points claimed
        assert row[header.index("Total")] == rubric_mod.base_total(rub, scores) + cap
        assert Decimal(str(row[header.index("Total")])) == Decimal(page_totals[reviewer.id][0])
