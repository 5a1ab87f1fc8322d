"""What every page of the results admin shares: list paging, the confirmation of a POST action,
deleting a row after it, and the instansi choices of its forms (the role gate, running a service
and the confirmation form are ``lms.web``'s; what both results blueprints share is in
``lms.results.views._shared``)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import Instansi
from lms.extensions import db
from lms.web import ConfirmForm

PER_PAGE = 25
RESULTS_PER_PAGE = 100


def paginate(stmt):
    """One page (``?page=``) of an admin list."""
    return db.paginate(stmt, per_page=PER_PAGE, error_out=False)


def require_confirmation() -> None:
    """A POST action needs the confirmation form's CSRF token (400 without it)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


def confirmed_delete(delete, row, message: str, endpoint: str):
    """Delete ``row`` with the service ``delete(row, by)`` after the confirmation button, then
    go back to the list at ``endpoint``."""
    require_confirmation()
    delete(row, current_user)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint))


def instansi_choices(blank: str | None) -> list[tuple[int, str]]:
    """Every instansi for a select field (first ``(0, blank)`` when given)."""
    choices = [(0, blank)] if blank else []
    return choices + [(i.id, i.name) for i in db.session.scalars(select(Instansi).order_by(Instansi.name))]
