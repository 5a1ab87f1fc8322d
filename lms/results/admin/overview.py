"""The results admin's start page: angkatan with their program or course and participant count."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.courses.models import Angkatan, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.jp import services as jp_services
from lms.results.admin import bp
from lms.results.admin._common import paginate
from lms.web import admin_required


@bp.get("/")
@admin_required
def index():
    """Angkatan with their program or course and participant count, newest first."""
    q = (request.args.get("q") or "").strip()
    stmt = select(Angkatan).options(selectinload(Angkatan.program), selectinload(Angkatan.course))
    if q:
        stmt = stmt.where(Angkatan.name.ilike(f"%{q}%"))
    stmt = stmt.order_by(Angkatan.start_date.desc().nulls_last(), Angkatan.id.desc())
    page = paginate(stmt)
    ids = [a.id for a in page.items]
    counts = dict(
        db.session.execute(
            select(Enrolment.angkatan_id, func.count(Enrolment.id))
            .where(Enrolment.angkatan_id.in_(ids), Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .group_by(Enrolment.angkatan_id)
        ).all()
    )
    return render_template(
        "results/admin/index.html",
        page=page,
        counts=counts,
        q=q,
        pending_external=jp_services.pending_external_count(),
    )
