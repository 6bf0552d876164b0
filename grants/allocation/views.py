"""The allocation of the funding pool: rank order or maximum total score, adjustments with reasons."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from grants.allocation import operations as awards_ops
from grants.extensions import db
from grants.models import Proposal, Round
from grants.platform import numbers, refusals
from grants.platform.forms import BaseForm, IdField, MoneyField
from grants.platform.web import admin as bp
from grants.rules import allocation
from grants.rules.refusal import Refusal

METHOD_LABELS = {"rank_order": _l("Rank order"), "max_score": _l("Maximum total score"), "adjusted": _l("Adjusted")}


REASON_LABELS = {
    allocation.VETOED: _l("vetoed"),
    allocation.INELIGIBLE: _l("not eligible"),
    allocation.BELOW_MIN_SCORE: _l("below the minimum score"),
    allocation.POOL_EXHAUSTED: _l("pool exhausted"),
    allocation.QUOTA_EXHAUSTED: _l("category quota exhausted"),
    allocation.NOT_REACHED: _l("not reached"),
    allocation.NOT_SELECTED: _l("not selected"),
}


STALE_LABELS = {
    "no_longer_ranked": _l("no longer in the ranking"),
    "disqualified": _l("now disqualified (veto)"),
    "score_changed": _l("its score changed after the allocation"),
    "rank_changed": _l("its rank changed after the allocation"),
}


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


# --------------------------------------------------------------------------- allocation


class AdjustForm(BaseForm):
    proposal_id = IdField(validators=[DataRequired()])
    amount = MoneyField(_l("Approved amount"), validators=[InputRequired(_l("Enter the approved amount."))])
    reason = TextAreaField(_l("Reason for the change"),
                           validators=[DataRequired(_l("An adjustment needs a reason.")), Length(max=1000)])


class ChooseForm(BaseForm):
    method = StringField(validators=[DataRequired()])


def _allocation_page(rnd, adjust_form=None, adjust_for=None, status=200):
    plan = awards_ops.plans(rnd)
    awards = awards_ops.award_rows(rnd.id)
    info = plan.ranking.by_id
    total = sum((Decimal(a.amount) for a in awards if not a.withdrawn), Decimal(0))
    by_cat: dict[str, Decimal] = {}
    for a in awards:
        if not a.withdrawn and a.proposal_id in info:
            cat = info[a.proposal_id].category
            by_cat[cat] = by_cat.get(cat, Decimal(0)) + Decimal(a.amount)
    quotas = [{"name": name, "quota": plan.quotas.get(name), "used": by_cat.get(name, Decimal(0)),
               "rank_order": plan.rank_order.category_totals().get(name, Decimal(0)),
               "max_score": plan.max_score.category_totals().get(name, Decimal(0))}
              for _cid, name in plan.ranking.categories]
    ms = {r.proposal_id: r for r in plan.max_score.rows}
    side = [{"row": r, "info": info[r.proposal_id], "max": ms[r.proposal_id]} for r in plan.rank_order.rows]
    award_list = [{"award": a, "info": info.get(a.proposal_id)} for a in awards]
    diff = {"a": ", ".join(info[p].number for p in plan.comparison.only_rank_order) or "—",
            "b": ", ".join(info[p].number for p in plan.comparison.only_max_score) or "—"}
    return render_template(
        "allocation/allocation.html", rnd=rnd, plan=plan, side=side, quotas=quotas, awards=award_list, total=total,
        remaining=plan.pool - total, reason_labels=REASON_LABELS, method_labels=METHOD_LABELS,
        adjust_form=adjust_form, adjust_for=adjust_for, blank_form=AdjustForm(formdata=None),
        choose_form=ChooseForm(formdata=None), info=info, diff=diff,
        stale=awards_ops.stale_awards(rnd, plan.ranking), stale_labels=STALE_LABELS,
    ), status


@bp.route("/rounds/<int:round_id>/allocation", endpoint="allocation")
def allocation_page(round_id: int):
    return _allocation_page(_round(round_id))


@bp.route("/rounds/<int:round_id>/allocation/choose", methods=["POST"])
def allocation_choose(round_id: int):
    rnd = _round(round_id)
    form = ChooseForm()
    if not form.validate_on_submit() or form.method.data not in awards_ops.METHODS:
        flash(_("Choose one of the two methods."), "error")
        return redirect(url_for("admin.allocation", round_id=rnd.id))
    written = awards_ops.write_awards(rnd, form.method.data)
    db.session.commit()
    flash(_("%(n)d awards written with the method: %(method)s.", n=len(written),
            method=METHOD_LABELS[form.method.data]), "success")
    return redirect(url_for("admin.allocation", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/allocation/adjust", methods=["POST"])
def allocation_adjust(round_id: int):
    rnd = _round(round_id)
    form = AdjustForm()
    pid = form.proposal_id.data or 0
    if db.session.scalar(select(Proposal.id).where(Proposal.id == pid, Proposal.round_id == rnd.id)) is None:
        abort(404)
    if not form.validate_on_submit():
        return _allocation_page(rnd, form, pid, 400)
    try:
        left = awards_ops.adjust(rnd, pid, form.amount.data, form.reason.data)
    except Refusal as exc:
        db.session.rollback()
        refusals.attach(form, exc, default_field="amount")
        return _allocation_page(rnd, form, pid, 400)
    db.session.commit()
    flash(_("The approved amount has been changed. Left in the pool: %(left)s.", left=numbers.money(left)), "success")
    return redirect(url_for("admin.allocation", round_id=rnd.id))



