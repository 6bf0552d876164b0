"""Publishing results: public pages for everyone, the admin's publication pages admin-only."""

from grants.extensions import db
from grants.models import Objection


def _objection(make, rnd):
    from tests.publication.test_publication_support import add_awards, direct_publication

    ids = add_awards(make, make.app, rnd)
    pub_id = direct_publication(make.app, rnd.id)
    with make.app.app_context():
        objection = Objection(publication_id=pub_id, proposal_id=ids[0], name="市民", contact="13800000000",
                              reasons="評分不公，請覆核。")
        db.session.add(objection)
        db.session.commit()
        return {"objection_id": objection.id}


RULES = {
    "public.results": "all",
    "public.objection_new": "all",
    "public.verify": "all",
    "public.results_pdf": "skip: frozen files, served to anyone; tests/publication/test_publication.py",
    "public.results_final_pdf": "skip: frozen files, served to anyone; tests/publication/test_publication.py",
    "public.results_xlsx": "skip: frozen files, served to anyone; tests/publication/test_publication.py",
    "applicant.review_summary": "skip: only the proposal's own NGO; tests/publication/test_review_summary_pdf.py",
    "admin.publication": {"admin"},
    "admin.publication_status": {"admin"},
    "admin.work_calendar": {"admin"},
    "admin.objections": {"admin"},
    "admin.objection_detail": ({"admin"}, _objection),
    "admin.objection_evidence": "skip: evidence download; tests/publication/test_objections.py",
}
POST_ONLY = {"admin.publication_publish", "admin.publication_retry", "admin.publication_finalise"}
