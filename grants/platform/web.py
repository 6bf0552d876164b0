"""The audience blueprints: one per kind of visitor, each guarded as a whole.

Every stage of the competition adds its screens to these blueprints (``from grants.platform.web
import admin``); no stage imports another stage's views. Guarding each blueprint in
``before_request`` means a view that forgets a decorator still cannot leak a page.
Endpoint names (``admin.ranking``, ``applicant.proposal_edit`` ...) therefore name the audience, and
the module that defines a view names its stage.
"""

from __future__ import annotations

from flask import Blueprint
from werkzeug.routing import IntegerConverter

from grants.models import Role
from grants.platform.permissions import guard_blueprint

public = Blueprint("public", __name__)
auth = Blueprint("auth", __name__)

applicant = Blueprint("applicant", __name__, url_prefix="/applicant")
guard_blueprint(applicant, Role.applicant)

reviewer = Blueprint("reviewer", __name__, url_prefix="/reviewer")
guard_blueprint(reviewer, Role.reviewer)

admin = Blueprint("admin", __name__, url_prefix="/admin")
guard_blueprint(admin, Role.admin)

attachments = Blueprint("attachments", __name__, url_prefix="/attachments")
guard_blueprint(attachments, Role.applicant, Role.reviewer, Role.admin)

BLUEPRINTS = (public, auth, applicant, reviewer, admin, attachments)

# The modules that add screens to the blueprints above, one or more per stage.
VIEW_MODULES = (
    "grants.accounts.views",
    "grants.accounts.admin_views",
    "grants.rounds.views",
    "grants.rounds.public_views",
    "grants.intake.views",
    "grants.screening.views",
    "grants.review.views",
    "grants.review.admin_views",
    "grants.assignment.views",
    "grants.ranking.views",
    "grants.roadshow.views",
    "grants.roadshow.judge_views",
    "grants.allocation.views",
    "grants.publication.admin_views",
    "grants.publication.public_views",
    "grants.publication.applicant_views",
    "grants.dashboards.views",
    "grants.agreements.views_admin",
    "grants.agreements.views_applicant",
    "grants.reports.views_admin",
    "grants.reports.views_applicant",
    "grants.background.views",
    "grants.evaluation.views_admin",
    "grants.evaluation.views_evaluator",
    "grants.evaluation.views_public",
    "grants.organizations.views_admin",
    "grants.organizations.views_applicant",
)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` limited to what an id column can hold (PostgreSQL ``integer``): a larger
    number is simply no such page (404), never a database error (500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max,
                         signed=signed)


MAX_ID = 2**31 - 1


def init_app(app) -> None:
    import importlib

    app.url_map.converters["int"] = BoundedIntConverter

    for name in VIEW_MODULES:
        importlib.import_module(name)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
