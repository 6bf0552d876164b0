"""Assignments imported from a spreadsheet (CSV): every row is checked first, and the file is
written only when no row has a problem. Problems are refusal problems with the row number
(as in a spreadsheet: the header is row 1; 0 for the whole file), made into sentences by the
page. Flushes and audits; never commits."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select

from grants.assignment.common import STAGE, actor_id, conflict_problem, load_conflicts, lock_round
from grants.extensions import db
from grants.models import Assignment, Proposal, ProposalStatus, Role, Round, User, utcnow
from grants.platform import audit
from grants.rules.refusal import Problem, Refusal

NUMBER_HEADERS = {"proposal_number", "proposal number", "number", "申報編號", "申报编号", "項目編號", "项目编号"}
EMAIL_HEADERS = {"reviewer_email", "reviewer email", "email", "評審專家電郵", "评审专家邮箱", "電郵", "邮箱"}


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Excel in China writes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise Refusal("csv_encoding", field="file") from exc


@dataclass
class ImportResult:
    errors: list[tuple[int, Problem]] = field(default_factory=list)  # (row number, what is wrong)
    added: int = 0
    unchanged: int = 0


def _unquote(cell: str) -> str:
    """A cell as exported: the export writer puts ``'`` before a value starting with a formula
    character (= + - @); drop it again so an exported file imports back unchanged."""
    cell = cell.strip()
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell.lstrip("'")


def import_csv(rnd: Round, data: bytes) -> ImportResult:
    """Validate every row first; write only when no row has a problem. Rows already assigned
    are left as they are."""
    result = ImportResult()
    try:
        text = decode_csv(data)
    except Refusal as exc:
        result.errors.extend((0, problem) for problem in exc.problems)
        return result
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        result.errors.append((0, Problem("file", "csv_empty")))
        return result
    header = [h.strip().lower() for h in rows[0]]
    try:
        n_col = next(i for i, h in enumerate(header) if h in NUMBER_HEADERS)
        e_col = next(i for i, h in enumerate(header) if h in EMAIL_HEADERS)
    except StopIteration:
        result.errors.append((1, Problem("file", "csv_header")))
        return result

    proposals = {p.number: p for p in db.session.scalars(
        select(Proposal).where(Proposal.round_id == rnd.id, Proposal.number.is_not(None)))}
    reviewers = {u.email.lower(): u for u in db.session.scalars(select(User).where(User.role == Role.reviewer))}
    others = set(db.session.scalars(select(func.lower(User.email)).where(User.role != Role.reviewer)))
    conflicts = load_conflicts(rnd.id)
    existing = {tuple(r) for r in db.session.execute(select(Assignment.proposal_id, Assignment.reviewer_id).where(
        Assignment.round_id == rnd.id, Assignment.stage == STAGE))}
    seen: dict[tuple[int, int], int] = {}
    to_add: list[tuple[Proposal, User]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cell_n = _unquote(row[n_col]) if n_col < len(row) else ""
        cell_e = _unquote(row[e_col]).lower() if e_col < len(row) else ""
        if not cell_n or not cell_e:
            result.errors.append((number, Problem(None, "csv_row_incomplete")))
            continue
        proposal = proposals.get(cell_n)
        reviewer = reviewers.get(cell_e)
        problems = []
        if proposal is None:
            problems.append(Problem(None, "unknown_proposal_number", {"number": cell_n}))
        elif proposal.status != ProposalStatus.eligible:
            problems.append(Problem(None, "proposal_not_assignable", {"proposal": cell_n}))
        if reviewer is None:
            problems.append(Problem(None, "not_a_reviewer", {"name": cell_e}) if cell_e in others
                            else Problem(None, "unknown_reviewer_email", {"email": cell_e}))
        elif not reviewer.active:
            problems.append(Problem(None, "reviewer_deactivated", {"name": cell_e}))
        if problems:
            result.errors.extend((number, problem) for problem in problems)
            continue
        pair = (proposal.id, reviewer.id)
        reasons = conflicts.reasons(proposal.id, proposal.organization_id, reviewer.id)
        if reasons:
            result.errors.append((number, conflict_problem(reasons[0], reviewer.name, cell_n)))
        elif pair in seen:
            result.errors.append((number, Problem(None, "duplicate_row", {"row": seen[pair]})))
        elif pair in existing:
            seen[pair] = number
            result.unchanged += 1
        else:
            seen[pair] = number
            to_add.append((proposal, reviewer))
    if result.errors:
        return result
    if to_add:
        lock_round(rnd.id)
        now, actor = utcnow(), actor_id()
        db.session.execute(insert(Assignment), [
            {"round_id": rnd.id, "proposal_id": p.id, "reviewer_id": u.id, "stage": STAGE, "source": "import",
             "created_at": now, "created_by_id": actor} for p, u in to_add])
    result.added = len(to_add)
    audit.record("import_assignments", rnd, added=result.added, unchanged=result.unchanged)
    return result
