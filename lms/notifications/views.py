"""Blueprint "notifications": the list behind the bell, mark one or all read."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.extensions import db
from lms.notifications import permissions, services
from lms.notifications.models import Notification
from lms.web import ConfirmForm, visible_or_404

bp = Blueprint("notifications", __name__, url_prefix="/notifikasi")


@bp.app_context_processor
def _bell():
    """``nav_unread()`` for the bell in the navigation (computed only where the nav shows it)."""

    def nav_unread() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user)

    return {"nav_unread": nav_unread}


def _safe_path(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return None
    return url


@bp.get("/")
@login_required
def index():
    """The user's notifications, newest first, paginated."""
    page = db.paginate(
        services.notifications_for(current_user),
        per_page=current_app.config.get("PER_PAGE", 25),
        error_out=False,
    )
    return render_template("notifications/index.html", page=page, form=ConfirmForm())


@bp.post("/<int:note_id>/baca")
@login_required
def read(note_id: int):
    """Mark a notification read and open what it points to."""
    note = visible_or_404(Notification, note_id, permissions.can_read)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_read(note)
    db.session.commit()
    return redirect(_safe_path(note.url) or url_for("notifications.index"))


@bp.post("/baca-semua")
@login_required
def read_all():
    """Mark every notification read."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(_("%(n)s notifikasi ditandai sudah dibaca.", n=count), "success")
    return redirect(
        request.referrer if _safe_path(request.referrer or "") else url_for("notifications.index")
    )
