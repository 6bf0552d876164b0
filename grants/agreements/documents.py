"""The grant agreement (資助協議) as a PDF, in the round's official language, through the locked-down
engine (grants.platform.pdf), with the verification code and QR code the award list uses.

The template gets plain data only. The full account number is printed here (the agreement names the
account the money goes to); it is shown to nobody but the owning NGO and admins.
"""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from grants.agreements import operations as ops
from grants.models import Agreement
from grants.platform import i18n, numbers, pdf
from grants.platform.i18n import BUDGET_CATEGORY_LABELS
from grants.publication import award_list
from grants.publication import operations as publication_ops

TEMPLATE = "agreements/pdf/agreement.html"


def condition_label(condition: str) -> str:
    return {"signing": _("on signing"), "midterm": _("after passing the mid-term evaluation"),
            "final": _("after passing the final evaluation")}.get(condition, condition)


def pdf_context(agreement: Agreement, locale: str) -> dict:
    """Plain data for templates/agreements/pdf/agreement.html (call inside ``locale``, the document's language)."""
    proposal, org, rnd = agreement.proposal, agreement.organization, agreement.round
    version = ops.printed_budget(agreement)
    budget = ops.budget_of(version)
    verify_url = f"{publication_ops.verify_base_url()}?code={agreement.verification_code}"
    return {
        "lang": "zh-Hans" if agreement.language == "zh_Hans" else "zh-Hant",
        "title": _("Grant agreement"),
        "number": agreement.number,
        "issuer": i18n.label(rnd, "issuer", locale),
        "round_name": i18n.label(rnd, "name", locale),
        "organization": org.name,
        "uscc": org.uscc,
        "address": org.address,
        "contact": f"{org.contact_name} {org.contact_phone}",
        "project": proposal.name,
        "proposal_number": proposal.number or "",
        "amount": numbers.money(agreement.amount),
        "amount_plain": numbers.amount(agreement.amount),
        "period": (f"{proposal.start_date.isoformat()} — {proposal.end_date.isoformat()}"
                   if getattr(proposal, "start_date", None) and getattr(proposal, "end_date", None) else "—"),
        "issued_on": publication_ops.document_date(agreement.issued_on, locale),
        "deadline": publication_ops.document_date(agreement.deadline, locale),
        "tranches": [{"n": t.position + 1, "percent": numbers.plain(t.percent).rstrip("0").rstrip("."),
                      "condition": condition_label(t.condition), "amount": numbers.amount(t.amount)}
                     for t in agreement.tranches],
        "budget_version": version.number,
        "budget": [{"category": str(BUDGET_CATEGORY_LABELS.get(k, k)), "amount": numbers.amount(v)}
                   for k, v in budget.items()],
        "budget_total": numbers.amount(sum(budget.values())),
        "duties": agreement.duties,
        "terms": agreement.terms,
        "bank_account_name": agreement.bank_account_name or "—",
        "bank_name": agreement.bank_name or "—",
        "bank_account": agreement.bank_account or "—",
        "countersigned_on": (publication_ops.document_date(agreement.countersigned_on, locale)
                             if agreement.countersigned_on else ""),
        "verification_code": agreement.verification_code,
        "verify_url": verify_url,
        "qr_svg": Markup(award_list.qr_svg(verify_url, size_mm=22)),  # noqa: S704  # nosec B704 - generated here
    }


def document_locale(agreement: Agreement) -> str:
    """An official document: in the language its template was set to, else the round's official language."""
    return pdf.normalize_locale(agreement.language or agreement.round.official_language)


def render_pdf(agreement: Agreement) -> bytes:
    locale = document_locale(agreement)
    return pdf.render(TEMPLATE, lambda: pdf_context(agreement, locale), locale=locale)


def filename(agreement: Agreement) -> str:
    return f"資助協議-{agreement.number}.pdf"
