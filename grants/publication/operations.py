"""公示 and 立項: freezing the award list, the notice period, the background PDF render,
finalisation, verification.

Plain functions that change models and write the audit log; they flush, never commit.
The background render job, which commits its own progress in its own thread, is
``grants.publication.rendering``.

Frozen data
-----------
``Publication.rows`` is the list as published: plain dicts with ``rank, project,
organization, category, score`` (2-dp string, half-up) and ``amount`` (string), plus
``proposal_id`` (used by the objection form, the results page and finalisation; not part
of the verification code).  Rows are sorted by category position then rank, so the PDF's
category grouping follows the frozen order and re-rendering needs nothing but the rows
and the header strings.

Verification
------------
* notice list: ``Publication.data_code`` is the footer verification code of the notice
  PDF (``grants.platform.award_list.award_list_context``), ``Publication.pdf_sha256`` the file's hash;
* final list (立項名單): ``Publication.final_rows`` the list as made final (withdrawn awards
  left out), ``Publication.final_code`` its footer verification code,
  ``Publication.final_audit_head`` the hash of the ``finalise_publication`` audit entry printed
  on it, ``Publication.final_pdf_sha256`` the file's hash. All are written by ``finalise`` (the
  code again by the render, which recomputes it); the audit log records them but is never read
  back for them.

Refusals
--------
Every "no" is a ``grants.rules.refusal.Refusal``; the codes' words are in the publication
section of ``grants.platform.refusals.MESSAGES``.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Award,
    Category,
    Objection,
    ObjectionStatus,
    Organization,
    Proposal,
    ProposalStatus,
    Publication,
    PublicationStatus,
    Review,
    ReviewStatus,
    Round,
    Setting,
    User,
    utcnow,
)
from grants.platform import audit, i18n, localtime, mail, numbers, pdf
from grants.publication import award_list
from grants.rules import workdays
from grants.rules.refusal import Refusal

LOGGER = logging.getLogger(__name__)
CALENDAR_KEY = "work_calendar"
#: The lists' titles, printed (and hashed into the verification code) in the round's official language.
NOTICE_TITLE = _l("Public notice list")
FINAL_TITLE = _l("Approved project list")
#: ``Publication.kind`` of the award list (an evaluation-results notice is "evaluation", grants.evaluation).
AWARD = "award"
OPEN_OBJECTION = (ObjectionStatus.open, ObjectionStatus.investigating)
#: A render still "rendering" after this many seconds is presumed lost (e.g. a restarted worker).
STALE_RENDER_SECONDS = 600


# --------------------------------------------------------------------------- dates


def document_date(day: date, locale: str) -> str:
    """A date as an official document prints it: ``2026年12月1日`` in Chinese, ``December 1, 2026`` in English."""
    from babel.dates import format_date

    return format_date(day, "long", locale=pdf.normalize_locale(locale))


def list_labels(locale: str) -> dict:
    """The award list's words (``award_list.DEFAULT_LABELS``' keys) in ``locale``, from the catalogs.

    ``subtotal`` and ``total`` are callables (``category=``, ``n=``) that choose the plural form in
    ``locale`` whenever they are called."""
    locale = pdf.normalize_locale(locale)

    def subtotal(category: str, n: int) -> str:
        with force_locale(locale):
            return ngettext("%(category)s subtotal (%(num)d project)", "%(category)s subtotal (%(num)d projects)",
                            n, category=category)

    def total(n: int) -> str:
        with force_locale(locale):
            return ngettext("Total (%(num)d project)", "Total (%(num)d projects)", n)

    with force_locale(locale):
        return {
            "rank": _("Rank"), "project": _("Project name"), "organization": _("Applicant organization"),
            "category": _("Category"), "score": _("Score"), "amount": _("Approved amount"),
            "published_on": _("Published on"), "currency": _("Amounts in yuan (RMB)"),
            "code_short": _("Verification code"), "code": _("Verification code (SHA-256 of the list data)"),
            "verify_url": _("Verify at"), "audit_head": _("Audit log"), "seal": _("%(issuer)s (seal)"),
            "signatory": _("Signature of the person in charge"), "subtotal": subtotal, "total": total,
            "page": _("Page %(page)s of %(pages)s"),
            # A category's group heading repeated at the top of a page where its rows go on.
            "continued": _("%(category)s (continued)"),
        }


# --------------------------------------------------------------------------- calendar


def calendar_text() -> str:
    """The editable calendar text: the stored one, else the built-in official calendar."""
    setting = db.session.get(Setting, CALENDAR_KEY)
    if setting is not None and setting.value.strip():
        return setting.value
    header = _l("One date per line: “YYYY-MM-DD holiday” or “YYYY-MM-DD workday” (a makeup Saturday or Sunday). "
               "# starts a comment.")
    return workdays.format_calendar_text(workdays.default_calendar(), header=str(header))


def load_calendar() -> workdays.WorkCalendar:
    setting = db.session.get(Setting, CALENDAR_KEY)
    if setting is not None and setting.value.strip():
        try:
            return workdays.parse_calendar_text(setting.value)
        except Refusal:  # stored text is validated on save; never block publishing on it
            LOGGER.exception("stored work calendar is invalid; using the built-in one")
    return workdays.default_calendar()


def save_calendar(text: str) -> workdays.WorkCalendar:
    """Validate and store the calendar text; raises ``Refusal`` (``calendar_*`` codes, one problem
    per bad line, field ``text``) and then stores nothing."""
    calendar = workdays.parse_calendar_text(text)
    setting = db.session.get(Setting, CALENDAR_KEY)
    if setting is None:
        setting = Setting(key=CALENDAR_KEY, value="")
        db.session.add(setting)
    setting.value = text
    audit.record("update_work_calendar", object_type="site_setting", holidays=len(calendar.holidays),
                 workdays=len(calendar.extra_workdays), years=sorted(calendar.years))
    db.session.flush()
    return calendar


# --------------------------------------------------------------------------- rows


def format_score(value) -> str:
    """A score as the frozen rows store it: ``88.85`` (2 decimals, half-up); "" for none."""
    return numbers.plain(value)


def format_amount(value) -> str:
    """An amount as the frozen rows store it: ``150000.00`` (machine-readable; printed by award_list)."""
    return numbers.plain(value)


def current_rows(rnd: Round) -> list[dict]:
    """The round's non-withdrawn awards as plain rows, grouped by category position, then rank."""
    result = db.session.execute(
        select(Award, Proposal, Organization, Category)
        .join(Proposal, Award.proposal_id == Proposal.id)
        .join(Organization, Proposal.organization_id == Organization.id)
        .outerjoin(Category, Proposal.category_id == Category.id)
        .where(Award.round_id == rnd.id, Award.withdrawn.is_(False))
    ).all()

    def key(item):
        award, proposal, _org, category = item
        return (category.position if category else 10_000, award.rank if award.rank is not None else 10**9,
                proposal.id)

    rows = []
    for award, proposal, org, category in sorted(result, key=key):
        rows.append({
            "proposal_id": proposal.id,
            "rank": str(award.rank) if award.rank is not None else "",
            "project": proposal.name,
            "organization": org.name,
            "category": category.name if category else "",
            "score": format_score(award.score),
            "amount": format_amount(award.amount),
        })
    return rows


def rows_by_category(rows: list[dict]) -> list[tuple[str, list[dict], Decimal]]:
    """[(category, its rows in rank order, their total)], categories in the order the rows give."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["category"], []).append(row)
    return [(name, items, rows_total(items)) for name, items in groups.items()]


def rows_total(rows: list[dict]) -> Decimal:
    return sum((Decimal(r["amount"]) for r in rows), Decimal(0))


def render_spec(rnd: Round, *, title, day: date, rows: list[dict], audit_head: str | None) -> dict:
    """Everything the renderer needs, as plain data (the render job's arguments).

    An official document: the title and the date are in the round's official language
    (``locale``), and so is everything ``list_context`` adds."""
    locale = pdf.normalize_locale(rnd.official_language)
    with force_locale(locale):
        title = str(title)
    return {"issuer": i18n.label(rnd, "issuer", locale), "round_name": i18n.label(rnd, "name", locale), "title": title, "date": document_date(day, locale),
            "rows": [dict(r) for r in rows], "audit_head": audit_head, "locale": locale}


def verify_base_url() -> str:
    """The verify page's absolute address printed (and QR-coded) on the lists: from PUBLIC_BASE_URL."""
    return pdf.public_url("/verify")


def list_context(spec: dict, base_url: str) -> dict:
    """The award-list context of a render spec; words in the spec's (the round's official) language."""
    locale = spec.get("locale", "zh_Hant")
    return award_list.award_list_context(
        issuer=spec["issuer"], round_name=spec["round_name"], title=spec["title"], date=spec["date"],
        rows=spec["rows"], verify_base_url=base_url, audit_head=spec["audit_head"],
        locale=locale, labels=list_labels(locale),
    )


# --------------------------------------------------------------------------- queries


def latest_publication(round_id: int, *, visible_only: bool = False) -> Publication | None:
    query = select(Publication).where(Publication.round_id == round_id, Publication.kind == AWARD)
    if visible_only:
        query = query.where(Publication.status.in_((PublicationStatus.notice, PublicationStatus.final)))
    return db.session.scalars(query.order_by(Publication.id.desc()).limit(1)).first()


def open_objections(publication: Publication) -> int:
    return len(db.session.scalars(
        select(Objection.id).where(Objection.publication_id == publication.id, Objection.status.in_(OPEN_OBJECTION))
    ).all())


def objection_window_open(publication: Publication | None, today: date | None = None) -> bool:
    """Objections are accepted from the publication day to the last day of the notice period."""
    if publication is None or publication.status != PublicationStatus.notice or publication.notice_end is None:
        return False
    today = today or localtime.today()
    return localtime.local_date(publication.published_at) <= today <= publication.notice_end


def panel_names(round_id: int) -> list[str]:
    """Reviewers who submitted at least one review in the round."""
    names = db.session.scalars(
        select(User.name).distinct()
        .join(Review, Review.reviewer_id == User.id)
        .join(Proposal, Review.proposal_id == Proposal.id)
        .where(Proposal.round_id == round_id, Review.status == ReviewStatus.submitted)
    ).all()
    return sorted(names)


def final_code(publication: Publication) -> str | None:
    """The final list's footer verification code (None before the list is final)."""
    return publication.final_code if publication.status == PublicationStatus.final else None


def visible_rows(publication: Publication) -> list[dict]:
    """The rows the public sees: the final list once final, else the notice list."""
    if publication.status == PublicationStatus.final and publication.final_rows is not None:
        return publication.final_rows
    return publication.rows


# --------------------------------------------------------------------------- publish


def publish(rnd: Round, *, today: date | None = None) -> tuple[Publication, dict]:
    """Freeze the current awards and open an N-working-day 公示; returns (publication, render spec).

    The caller enqueues the render (``rendering.enqueue_render(publication, "notice", spec)``) and commits.
    """
    existing = latest_publication(rnd.id)
    if existing is not None and existing.status in (PublicationStatus.rendering, PublicationStatus.notice,
                                                     PublicationStatus.final):
        raise Refusal("publication_exists")
    rows = current_rows(rnd)
    if not rows:
        raise Refusal("publication_empty")
    today = today or localtime.today()
    start, end = workdays.notice_period(today, load_calendar(), max(1, rnd.notice_working_days or 1))
    publication = Publication(round_id=rnd.id, status=PublicationStatus.rendering, notice_start=start,
                              notice_end=end, rows=rows, progress=0, error="")
    from flask_login import current_user

    if getattr(current_user, "is_authenticated", False):
        publication.published_by_id = current_user.id
    db.session.add(publication)
    db.session.flush()
    spec = render_spec(rnd, title=NOTICE_TITLE, day=today, rows=rows, audit_head=None)
    publication.data_code = list_context(spec, verify_base_url())["verification_code"]
    if existing is not None:  # a failed one: this publication replaces it
        audit.record("replace_failed_publication", existing, replaced_by=publication.id)
    audit.record("publish", publication, round_id=rnd.id, rows=len(rows), total=str(rows_total(rows)),
                 notice_start=start.isoformat(), notice_end=end.isoformat(), data_code=publication.data_code)
    publication.audit_head = audit.head_hash()
    spec["audit_head"] = publication.audit_head
    db.session.flush()
    return publication, spec


def notice_spec(publication: Publication) -> dict:
    """The render spec of an existing notice publication (for a retry after a failed render)."""
    spec = render_spec(publication.round, title=NOTICE_TITLE, day=localtime.local_date(publication.published_at),
                       rows=publication.rows, audit_head=publication.audit_head)
    publication.data_code = list_context(spec, verify_base_url())["verification_code"]
    return spec


def final_spec(publication: Publication) -> dict:
    """The render spec of the final list, from its own columns (for a retry after a failed render)."""
    return render_spec(publication.round, title=FINAL_TITLE, day=localtime.local_date(publication.finalised_at),
                       rows=visible_rows(publication), audit_head=publication.final_audit_head)


def retry_render(publication: Publication) -> tuple[str, dict]:
    """Prepare a render again after a failure (or a lost worker); returns (kind, spec).

    Refused (``render_not_needed``) when the PDF exists or a render is still running."""
    if not render_is_stale(publication) and publication.status != PublicationStatus.failed:
        raise Refusal("render_not_needed")
    if publication.status == PublicationStatus.final:
        if publication.final_pdf_sha256:
            raise Refusal("render_not_needed")
        spec = final_spec(publication)
        kind = "final"
    else:
        if publication.pdf_sha256:
            raise Refusal("render_not_needed")
        spec = notice_spec(publication)
        publication.status = PublicationStatus.rendering
        kind = "notice"
    publication.progress = 0
    publication.error = ""
    audit.record("retry_render", publication, kind=kind)
    return kind, spec


def render_is_stale(publication: Publication) -> bool:
    """True when a render has been "in progress" far longer than any render takes."""
    if publication.progress >= 100 and not publication.error:
        return False
    rendering = publication.status == PublicationStatus.rendering or (
        publication.status == PublicationStatus.final and not publication.final_pdf_sha256)
    if not rendering:
        return False
    started = publication.finalised_at if publication.status == PublicationStatus.final else publication.published_at
    return bool(publication.error) or (utcnow() - started).total_seconds() > STALE_RENDER_SECONDS




# --------------------------------------------------------------------------- finalise


def finalise_refusal(publication: Publication | None, today: date | None = None) -> Refusal | None:
    """Why the list cannot become final now (a ``Refusal``, not raised), or None."""
    if publication is None:
        return Refusal("final_nothing_published")
    if publication.status == PublicationStatus.final:
        return Refusal("final_already")
    if publication.status != PublicationStatus.notice:
        return Refusal("final_not_rendered")
    today = today or localtime.today()
    if publication.notice_end is None or today <= publication.notice_end:
        return Refusal("final_period_running", date=publication.notice_end)
    count = open_objections(publication)
    if count:
        return Refusal("final_objections_open", count=count)
    return None


def finalise(publication: Publication | None, *, today: date | None = None) -> tuple[dict, list[tuple[Proposal, bool]]]:
    """Make the list final (立項): returns (render spec, [(proposal, awarded)]).

    Withdrawn awards are removed from the final list; proposals in it become ``awarded``,
    the round's other proposals still in the running become ``not_awarded``, and their
    organizations are mailed the result (sent after the commit). The final list, its code and
    the audit head printed on it are stored on the publication. Raises ``Refusal`` (see
    ``finalise_refusal``) and then changes nothing.
    """
    refusal = finalise_refusal(publication, today)
    if refusal is not None:
        raise refusal
    rnd = publication.round
    withdrawn = set(db.session.scalars(
        select(Award.proposal_id).where(Award.round_id == rnd.id, Award.withdrawn.is_(True))
    ).all())
    final_rows = [dict(r) for r in publication.rows if r["proposal_id"] not in withdrawn]
    awarded_ids = {r["proposal_id"] for r in final_rows}
    now = utcnow()
    publication.status = PublicationStatus.final
    publication.finalised_at = now
    publication.progress = 0
    publication.error = ""
    spec = render_spec(rnd, title=FINAL_TITLE, day=localtime.local_date(now), rows=final_rows, audit_head=None)
    outcome: list[tuple[Proposal, bool]] = []
    in_running = (ProposalStatus.submitted, ProposalStatus.eligible, ProposalStatus.shortlisted,
                  ProposalStatus.awarded, ProposalStatus.not_awarded)
    for proposal in db.session.scalars(select(Proposal).where(Proposal.round_id == rnd.id).order_by(Proposal.id)):
        if proposal.id in awarded_ids:
            proposal.status = ProposalStatus.awarded
            outcome.append((proposal, True))
        elif proposal.status in in_running:
            proposal.status = ProposalStatus.not_awarded
            outcome.append((proposal, False))
    publication.final_rows = final_rows
    publication.final_code = list_context(spec, verify_base_url())["verification_code"]
    db.session.flush()
    entry = audit.record("finalise_publication", publication, round_id=rnd.id, rows=len(final_rows),
                         total=str(rows_total(final_rows)),
                         removed=sorted(withdrawn & {r["proposal_id"] for r in publication.rows}),
                         final_code=publication.final_code, spec=spec)
    publication.final_audit_head = entry.hash  # the finalise entry itself, printed on the final PDF
    spec["audit_head"] = entry.hash
    _notify_outcome(rnd, outcome)
    db.session.flush()
    return spec, outcome


def _notify_outcome(rnd: Round, outcome: list[tuple[Proposal, bool]]) -> None:
    """Mail each organization the result of its proposals (queued; sent after the commit)."""
    for proposal, awarded in outcome:
        org = proposal.organization
        recipients = {org.contact_email, *(m.email for m in org.members if m.active)}
        if awarded:
            subject = _l("Your project has been approved: %(name)s", name=proposal.name)
            body = _l("The award list of %(round)s is final. Your project “%(name)s” is approved for funding. "
                      "The Women's Federation will contact you about the grant agreement.",
                      round=i18n.label(rnd), name=proposal.name)
        else:
            subject = _l("Result of %(round)s", round=i18n.label(rnd))
            body = _l("The award list of %(round)s is final. Your project “%(name)s” was not funded this time. "
                      "You can download the review summary from your account.", round=i18n.label(rnd), name=proposal.name)
        for to in sorted(r for r in recipients if r):
            mail.queue(to, subject, body)


# --------------------------------------------------------------------------- verify


def find_by_hash(value: str) -> tuple[Publication, str, str] | None:
    """(publication, "notice"|"final", "file"|"code") for a file SHA-256 or a footer code, else None."""
    value = (value or "").strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        return None
    award = Publication.kind == AWARD
    pub = db.session.scalars(select(Publication).where(award, Publication.pdf_sha256 == value)).first()
    if pub is not None:
        return pub, "notice", "file"
    pub = db.session.scalars(select(Publication).where(award, Publication.final_pdf_sha256 == value)).first()
    if pub is not None:
        return pub, "final", "file"
    pub = db.session.scalars(select(Publication).where(
        award, Publication.data_code == value, Publication.pdf_sha256.is_not(None))).first()
    if pub is not None:
        return pub, "notice", "code"
    pub = db.session.scalars(select(Publication).where(
        award, Publication.final_code == value, Publication.final_pdf_sha256.is_not(None))).first()
    if pub is not None:
        return pub, "final", "code"
    return None
