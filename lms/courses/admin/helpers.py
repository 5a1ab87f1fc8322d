"""The course admin's role gate and the helpers its views share: uploads, form versions, a
service's error on the form, response status, choices and form data."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.courses import permissions, services
from lms.courses.forms import CourseForm, LessonForm, options
from lms.courses.models import Course
from lms.errors import DomainError, StaleEdit
from lms.extensions import db
from lms.markdown import MarkdownTooLong
from lms.storage import UploadRejected


def admin_required(view):
    """Role gate: only admins author; everyone else gets 404 (the page does not exist for them).

    The same gate as ``lms.accounts.admin_views.admin_required``; kept here because a feature may
    not import another feature's views (tests/test_architecture.py)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not permissions.can_author(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def _upload(field) -> services.Upload | None:
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return None
    return services.Upload(data.stream, data.filename)


def _version(form) -> int | None:
    try:
        return int(form.version.data) if form.version.data else None
    except (TypeError, ValueError):
        return None


def _show_error(form, exc: DomainError, markdown_field=None, file_field=None) -> None:
    """Put a service's message next to the field it concerns, else at the top of the form."""
    db.session.rollback()
    if isinstance(exc, MarkdownTooLong) and markdown_field is not None:
        markdown_field.errors = [*markdown_field.errors, exc.message]
    elif isinstance(exc, UploadRejected) and file_field is not None:
        file_field.errors = [*file_field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    form._stale = getattr(form, "_stale", False) or isinstance(exc, StaleEdit)


def _status(form) -> int:
    if request.method != "POST":
        return 200
    return 409 if getattr(form, "_stale", False) else 400


def _is_fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _program_choices(form) -> None:
    form.program_id.choices = options(
        [(None, _("Tanpa program (kursus mandiri)"))]
        + [(p.id, f"{p.code} · {p.name}") for p in services.all_programs()]
    )


def _course_data(form: CourseForm) -> services.CourseData:
    return services.CourseData(
        title=form.title.data or "",
        slug=form.slug.data,
        summary=form.summary.data or "",
        description_md=form.description_md.data or "",
        jp=form.jp.data or 0,
        program_id=form.program_id.data,
        sequential=bool(form.sequential.data),
    )


def _lesson_data(form: LessonForm) -> services.LessonData:
    return services.LessonData(
        title=form.title.data or "",
        kind=form.kind.data,
        body_md=form.body_md.data or "",
        video_url=form.video_url.data,
        link_url=form.link_url.data,
        required=bool(form.required.data),
        duration_minutes=form.duration_minutes.data,
    )


def _with_cap(field) -> None:
    """Tell courses.js the Markdown size limit, for its live character count."""
    field.render_kw = {**(field.render_kw or {}), "data-maxlength": current_app.config["MARKDOWN_MAX_CHARS"]}


def _preview(form, field):
    html, error = services.preview_markdown(field.data)
    if error:
        field.errors = [*field.errors, error]
    return html


def _course_of(course_id: int) -> Course:
    course = services.course_for_authoring(course_id)
    if course is None:
        abort(404)
    return course
