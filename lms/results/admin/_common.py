"""What every page of the results admin shares: the role gate, list paging and the small
helpers of its forms (the shared web helpers of both results blueprints are in
``lms.results.view_helpers``)."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Instansi
from lms.extensions import db
from lms.results import permissions
from lms.results.forms import ConfirmForm

PER_PAGE = 25
RESULTS_PER_PAGE = 100


def results_admin_required(view):
    """Role gate: only admins; everyone else gets 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not permissions.can_manage_results(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


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
