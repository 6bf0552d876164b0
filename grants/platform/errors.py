"""Localized error pages; a failed request's transaction is rolled back."""

from flask import render_template
from flask_wtf.csrf import CSRFError

from grants.extensions import db


def init_app(app):
    def page(code: int):
        def handler(error):
            if code >= 500:
                db.session.rollback()
            return render_template(f"errors/{code}.html", error=error), code

        return handler

    for code in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(code, page(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        return render_template("errors/400.html", error=error, csrf=True), 400
