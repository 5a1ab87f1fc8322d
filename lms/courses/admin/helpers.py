"""The helpers the course admin's views share: form versions, running a service from a form (its
error on the field it concerns), response status, choices and form data. The role gate, the
confirm form and uploads come from the shared web layer (``lms.web``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _

from lms.courses import services
from lms.courses.forms import CourseForm, LessonForm, MoveForm, options
from lms.courses.models import Course
from lms.errors import StaleEdit
from lms.extensions import db
from lms.markdown import MarkdownTooLong
from lms.storage import UploadRejected
from lms.web import ConfirmForm, Outcome, run_service

T = TypeVar("T")


def _version(form) -> int | None:
    try:
        return int(form.version.data) if form.version.data else None
    except (TypeError, ValueError):
        return None


def _run_on_form(
    action: Callable[[], T], form, markdown_field=None, file_field=None, success: str | None = None
) -> Outcome[T]:
    """:func:`lms.web.run_service` for an admin form: a service's message goes next to the field
    it concerns (the Markdown or the file), else at the top of the form; a stale edit marks the
    form so that the page answers 409 (see :func:`_status`)."""
    outcome = run_service(
        action,
        form=form,
        fields={MarkdownTooLong: markdown_field, UploadRejected: file_field},
        success=success,
    )
    form._stale = getattr(form, "_stale", False) or isinstance(outcome.error, StaleEdit)
    return outcome


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


def _preview_or_run(
    action: Callable[[], T], form, markdown_field, file_field, success: str
) -> tuple[str | None, Outcome[T] | None]:
    """The Markdown editor's two buttons: "Pratinjau" answers ``(html, None)`` (the rendered
    Markdown, its error on the field), saving answers ``(None, outcome)`` of :func:`_run_on_form`."""
    if form.preview.data:
        return _preview(form, markdown_field), None
    return None, _run_on_form(action, form, markdown_field, file_field, success=success)


def _editor_status(form, preview: str | None) -> int:
    """200 for a clean preview, else :func:`_status`."""
    return 200 if preview is not None and not form.errors else _status(form)


def _course_of(course_id: int) -> Course:
    course = services.course_for_authoring(course_id)
    if course is None:
        abort(404)
    return course


def _confirmed_delete(
    delete: Callable[[], list], *, success: str, next_url: str, title: str, question: str, back: str
):
    """A confirm-then-delete page: its button runs ``delete()`` (a service that answers the stored
    files it freed), commits, discards those files, flashes ``success`` and goes on to ``next_url``."""
    form = ConfirmForm()
    if form.validate_on_submit():
        old = delete()
        db.session.commit()
        services.discard_files(old)
        flash(success, "success")
        return redirect(next_url)
    return render_template("courses/admin/confirm.html", form=form, title=title, question=question, back=back)


def _moved(move: Callable[[int], None], next_url: str):
    """Move a row up or down (``MoveForm``, 400 without it) and commit; courses.js asks by fetch
    and gets 204, a plain form goes on to ``next_url``."""
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    move(-1 if form.direction.data == "up" else +1)
    db.session.commit()
    if _is_fetch():
        return "", 204
    return redirect(next_url)
