"""The round's ledger as a workbook (through the one export writer). The ledger is the only export
that carries the bank account numbers: finance pays from it."""

from __future__ import annotations

from flask_babel import gettext as _

from grants.models import Round
from grants.platform import i18n
from grants.platform.exports import DATE, MONEY, Column, Row, Sheet


def filename(rnd: Round) -> str:
    return f"ledger-round-{rnd.edition}.xlsx"


def ledger_sheets(rnd: Round, rows, total) -> list[Sheet]:
    from grants.agreements.pages import STATUS_LABELS

    columns = [
        Column(_("Agreement no."), width=16), Column(_("Project"), width=34), Column(_("Organization"), width=28),
        Column(_("Status"), width=16), Column(_("Approved"), MONEY), Column(_("Due"), MONEY), Column(_("Paid"), MONEY),
        Column(_("Outstanding"), MONEY), Column(_("Not yet due"), MONEY), Column(_("Withheld (stopped)"), MONEY),
        Column(_("Refund demanded"), MONEY), Column(_("Refunded"), MONEY), Column(_("Account name"), width=28),
        Column(_("Bank"), width=28), Column(_("Account number"), width=24),
    ]
    out = []
    for r in rows:
        a, led = r.agreement, r.ledger
        out.append([a.number, a.proposal.name, a.organization.name, str(STATUS_LABELS[str(a.status)]), led.approved,
                    led.due, led.paid, led.outstanding, led.not_yet_due, led.withheld, led.refund_demanded,
                    led.refunded, a.bank_account_name, a.bank_name, a.bank_account])
    out.append(Row([_("Total"), "", "", "", total.approved, total.due, total.paid, total.outstanding,
                    total.not_yet_due, total.withheld, total.refund_demanded, total.refunded, "", "", ""], strong=True))
    payments = [Column(_("Agreement no."), width=16), Column(_("Kind"), width=10), Column(_("Tranche")),
                Column(_("Amount"), MONEY), Column(_("Paid on"), DATE), Column(_("Voucher number"), width=18),
                Column(_("Receipt confirmed"), width=12)]
    prow = []
    for r in rows:
        for p in r.agreement.payments:
            prow.append([r.agreement.number, _("Payment") if p.kind == "payment" else _("Refund"),
                         str(p.tranche.position + 1) if p.tranche is not None else "", p.amount, p.paid_on,
                         p.voucher_no, _("yes") if p.confirmed_at else ""])
    preamble = [[i18n.label(rnd, "issuer")], [f"{i18n.label(rnd)} · {_('Ledger')}"]]
    return [Sheet(_("Ledger"), columns, out, preamble=preamble), Sheet(_("Payments"), payments, prow)]
