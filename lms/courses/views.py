"""Blueprint "courses": the learner's side. The catalogue, "Pembelajaran Saya", a course's page
with its outline, lessons (with print view and offline module download), self-enrolment, and the
files a lesson carries (served only to those who may see the lesson).

What a person may not see answers 404, so drafts and unpublished modules stay hidden even by
direct URL.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from lms.courses import permissions, services
from lms.courses.forms import JP_BAND_PAIRS, DoneForm, SelfEnrolForm, read_catalogue_search
from lms.courses.models import Angkatan, Course, Enrolment, LessonAttachment, LessonKind, Module
from lms.database import writing
from lms.extensions import db
from lms.memo import FragmentCache
from lms.models_base import utcnow
from lms.web import run_service, send_stored, upload_of, visible_or_404

bp = Blueprint("courses", __name__)

# Lesson files shown in the browser rather than downloaded.
INLINE_MIMES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


def _course_or_404(slug: str) -> Course:
    course = services.course_by_slug(slug)
    if course is None or not permissions.can_view_course(current_user, course):
        abort(404)
    return course


# --- catalogue and "Pembelajaran Saya" -----------------------------------------------------------


@bp.get("/kursus/")
@login_required
def catalogue():
    """Published courses with search and filters (program, JP band, self-enrolment open)."""
    programs = services.program_choices()
    search, errors = read_catalogue_search(request.args, programs)
    page = services.catalogue_page(
        current_user,
        q=search.q,
        program_id=search.program,
        jp_band=search.jp,
        open_only=search.open_only,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
    )
    return render_template(
        "courses/catalogue.html",
        search=search,
        errors=errors,
        programs=programs,
        jp_bands=JP_BAND_PAIRS,
        page=page,
        cards=_cards_html(page.items),
    )


# Rendered catalogue cards by (language, card): a card holds everything it shows (the course's
# columns, its program's code, its lesson count, and the viewer's two flags, so at most three
# variants a course), hence an entry never goes stale, and a changed course is a new key.
# Bounded: emptied when full.
CARDS_MAX = 2048
_CARDS = FragmentCache("catalogue cards", CARDS_MAX, clear_when_full=True)


def _cards_html(cards: list[services.CatalogueCard]) -> Markup:
    """The catalogue's cards as HTML, each rendered once per process for its content and
    language (rendering 25 cards costs more than the rest of the page)."""
    language = str(get_locale())
    html = []
    for card in cards:
        key = (language, card._replace(total=0))
        fragment = _CARDS.get(key)
        if fragment is None:
            # The template escapes what it writes: its output is safe HTML.
            html_card = render_template("courses/_catalogue_card.html", course=card)
            fragment = _CARDS.put(key, Markup(html_card))  # noqa: S704
        html.append(fragment)
    return Markup("").join(html)


@bp.get("/belajar")
@login_required
def my_learning():
    """The learner's home: their courses with progress, next lesson, resume point and deadline."""
    year = services.local_today(current_user.timezone).year
    cards, jp_this_year = services.my_learning_page(current_user, year)
    return render_template("courses/my_learning.html", cards=cards, year=year, jp_this_year=jp_this_year)


# --- a course's page ---------------------------------------------------------------------------


@bp.get("/kursus/<slug>")
@login_required
def course(slug: str):
    """The course's page: description, outline with ticks and per-module progress, and either
    the way in (resume, next lesson) or the angkatan that take self-enrolment."""
    # A plain row (not a Course): the page only reads it, and every visit pays for its loading.
    course = services.course_page_by_slug(slug, current_user)
    if course is None or not permissions.can_view_course(current_user, course):
        abort(404)
    can_access = permissions.can_access_course(current_user, course)
    is_author = permissions.can_author(current_user)
    # Not enrolled yet: the outline still shows the titles (no links), to help decide.
    outline = services.course_outline(course, current_user, include_unpublished=is_author)
    open_angkatan = [] if can_access and not is_author else services.open_angkatan_for(course)
    return render_template(
        "courses/course.html",
        course=course,
        outline=outline,
        expanded=_expanded_module(outline, request.args.get("modul", "")),
        collapsible=len(outline.order) > OUTLINE_COLLAPSE_ABOVE,
        can_access=can_access,
        is_author=is_author,
        open_angkatan=open_angkatan,
        enrol_form=SelfEnrolForm() if not can_access else None,
        parts=_outline_parts(course, outline, include_unpublished=is_author),
    )


class ModuleParts(NamedTuple):
    """A module's rendered parts in the course page's outline."""

    head: Markup
    progress_label: Markup
    show: Markup
    download: Markup


class OutlineParts(NamedTuple):
    """The rendered parts of a course's outline that are the same for every learner:
    ``modules[module_id]``, and ``lessons[lesson_id]`` as (unlinked, linked) HTML."""

    modules: dict[int, ModuleParts]
    lessons: dict[int, tuple[Markup, Markup]]


# Outline parts by (course id, updated_at, with unpublished modules, language): the stamp moves
# with every change of the course's modules and lessons (lms.courses.models.touch_courses), so
# an entry never goes stale. Bounded: emptied when full.
OUTLINE_PARTS_MAX = 256
_OUTLINE_PARTS = FragmentCache("course outline parts", OUTLINE_PARTS_MAX, clear_when_full=True)


def _outline_parts(course, outline: services.Outline, include_unpublished: bool) -> OutlineParts:
    """The outline's parts common to every learner, rendered once per process for a course
    version and language (a 100-lesson outline costs more to render than the rest of the page)."""
    key = (course.id, course.updated_at, include_unpublished, str(get_locale()))
    parts = _OUTLINE_PARTS.get(key)
    if parts is not None:
        return parts
    template = current_app.jinja_env.get_template("courses/_outline_parts.html")
    macros = template.make_module({"slug": course.slug})
    parts = OutlineParts(modules={}, lessons={})
    for m in outline.modules:
        module = m.module
        parts.modules[module.id] = ModuleParts(
            head=macros.module_head(module),
            progress_label=macros.module_progress_label(module),
            show=macros.module_show(module, len(m.lessons)),
            download=macros.module_download(module),
        )
        for ol in m.lessons:
            parts.lessons[ol.lesson.id] = (macros.lesson(ol.lesson, False), macros.lesson(ol.lesson, True))
    return _OUTLINE_PARTS.put(key, parts)


# A course with more lessons than this lists the lessons of one module at a time (the others
# are one tap away): on a phone, 100 lesson rows are a long scroll in which the learner loses
# the place they are at; the modules with their progress give the overview.
OUTLINE_COLLAPSE_ABOVE = 30
ALL_MODULES = "semua"


def _expanded_module(outline: services.Outline, requested: str) -> int | None:
    """The id of the module whose lessons the course page lists, or None for every module: all
    of a small course, all on request (``?modul=semua``), else the module asked for
    (``?modul=<id>``) or, by default, the learner's current module."""
    if len(outline.order) <= OUTLINE_COLLAPSE_ABOVE or requested == ALL_MODULES or not outline.modules:
        return None
    ids = {m.module.id for m in outline.modules}
    if requested.isdigit() and int(requested) in ids:
        return int(requested)
    return outline.current_module.module.id


@bp.post("/kursus/<slug>/daftar/<int:angkatan_id>")
@login_required
def self_enrol(slug: str, angkatan_id: int):
    """A participant enrols themself into an angkatan that allows it."""
    course = _course_or_404(slug)
    angkatan = db.get_or_404(Angkatan, angkatan_id)
    covers = angkatan.course_id == course.id or (
        course.program_id is not None and angkatan.program_id == course.program_id
    )
    if not covers or not permissions.can_self_enrol(current_user, angkatan):
        abort(404)
    form = SelfEnrolForm()
    if not form.validate_on_submit():
        flash(_("Formulir pendaftaran tidak lengkap."), "error")
        return redirect(url_for("courses.course", slug=slug))
    run_service(
        lambda: services.self_enrol(angkatan, current_user, surat_tugas=upload_of(form.surat_tugas)),
        success=_("Anda terdaftar di %(name)s. Selamat belajar!", name=angkatan.name),
    )
    return redirect(url_for("courses.course", slug=slug))


@bp.get("/kursus/<slug>/lanjutkan")
@login_required
def resume(slug: str):
    """Go back to where the learner left off (else the next lesson, else the outline)."""
    course = _course_or_404(slug)
    if not permissions.can_access_course(current_user, course):
        abort(404)
    outline = services.course_outline(course, current_user)
    target = outline.resume or outline.next_lesson
    if target is None:
        return redirect(url_for("courses.course", slug=slug))
    return redirect(url_for("courses.lesson", slug=slug, lesson_id=target.id))


@bp.get("/kursus/<slug>/sampul")
@login_required
def cover(slug: str):
    """The course's cover image."""
    course = _course_or_404(slug)
    return send_stored(course.cover_key, f"{course.slug}-sampul", course.cover_mime, inline=True)


# --- lessons -----------------------------------------------------------------------------------


def _lesson_or_404(slug: str, lesson_id: int):
    lesson = services.lesson_for_page(lesson_id)
    if (
        lesson is None
        or lesson.module.course.slug != slug
        or not permissions.can_view_lesson(current_user, lesson)
    ):
        abort(404)
    return lesson


def _locked_response(course: Course, module: Module):
    return (
        render_template("courses/locked.html", course=course, module=module),
        403,
    )


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the request loaded (it is what was just read or written, and
    the rest of the request would otherwise reload it object by object)."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


@bp.get("/kursus/<slug>/pelajaran/<int:lesson_id>")
@login_required
def lesson(slug: str, lesson_id: int):
    """A lesson with previous/next and a way to mark it done.

    Opening a lesson is recorded (for "continue where you left off") and opening a text lesson
    completes it, since reading is what it asks. Most views are read-only all the same: the page
    reads in a deferred transaction, which on SQLite runs side by side with every other reader,
    and :func:`services.view_needs_recording` decides from the outline just read whether this
    visit adds anything (first visit, a text lesson not yet done, another lesson opened since, or
    the last recorded view older than a few minutes). Only then does the view end its read
    transaction and record the visit in a fresh write transaction (:func:`lms.database.writing`), committed
    before the page renders; when the visit completed the lesson, the outline is read again.
    """
    # Plain read-only tuples, not ORM objects (see services.page_lesson); the same rules.
    lesson = services.page_lesson(lesson_id, current_user)
    if (
        lesson is None
        or lesson.module.course.slug != slug
        or not permissions.can_view_lesson(current_user, lesson)
    ):
        abort(404)
    course = lesson.module.course
    is_author = permissions.can_author(current_user)
    # A learner who may view the lesson is enrolled; an admin may be enrolled too.
    learner = permissions.is_enrolled(current_user, course) if is_author else True
    outline = services.course_outline(course, current_user, include_unpublished=is_author)
    module_state, lesson_state = services.lesson_state(outline, lesson)
    if course.sequential and not is_author and not module_state.open:
        return _locked_response(course, lesson.module)
    now = utcnow()
    if learner and services.view_needs_recording(outline, lesson, now):
        was_done = lesson_state.done
        # End the read transaction so that the write begins a transaction of its own (``BEGIN
        # IMMEDIATE`` on SQLite, see lms.database.writing): upgrading a deferred (read)
        # transaction to a write is refused at once by SQLite when another process wrote since
        # it began ("database is locked": no busy timeout applies), whereas a fresh IMMEDIATE
        # transaction waits its turn for the write lock. Nothing was changed in the read
        # transaction, so committing it only ends it.
        _commit_keeping_loaded()
        with writing():
            # The write goes through the ORM objects (one query loads the lesson, module and course).
            services.record_view(current_user, services.lesson_for_page(lesson.id), at=now)
            _commit_keeping_loaded()
        if lesson.kind == LessonKind.TEXT and not was_done:
            # Read again, completion included (the course row's copy predates the visit).
            course = course._replace(viewer_id=None)
            outline = services.course_outline(course, current_user, include_unpublished=is_author)
            module_state, lesson_state = services.lesson_state(outline, lesson)
    previous, following = outline.neighbours(lesson)
    following_open = following is None or is_author or services.lesson_state(outline, following)[0].open
    return render_template(
        "courses/lesson.html",
        course=course,
        lesson=lesson,
        outline=outline,
        module_state=module_state,
        lesson_state=lesson_state,
        previous=previous,
        following=following,
        following_open=following_open,
        learner=learner,
        embed=services.video_embed(lesson.video_url) if lesson.kind == LessonKind.VIDEO else None,
    )


@bp.post("/kursus/<slug>/pelajaran/<int:lesson_id>/selesai")
@login_required
def mark_done(slug: str, lesson_id: int):
    """The learner marks a video, file or link lesson as done; then on to the next lesson."""
    lesson = _lesson_or_404(slug, lesson_id)
    course = lesson.module.course
    if not permissions.is_enrolled(current_user, course):
        abort(404)
    outline = services.course_outline(course, current_user)
    if not services.lesson_state(outline, lesson)[0].open:
        return _locked_response(course, lesson.module)
    form = DoneForm()
    if not form.validate_on_submit():
        abort(400)
    already_complete = outline.completion is not None
    services.mark_lesson_done(current_user, lesson)
    db.session.commit()
    if not already_complete and services.completion_of(current_user, course) is not None:
        flash(_("Selamat! Anda telah menyelesaikan kursus %(title)s.", title=course.title), "success")
    else:
        flash(_("Pelajaran ditandai selesai."), "success")
    _prev, following = outline.neighbours(lesson)
    if following is not None:
        return redirect(url_for("courses.lesson", slug=slug, lesson_id=following.id))
    return redirect(url_for("courses.course", slug=slug))


@bp.get("/kursus/<slug>/pelajaran/<int:lesson_id>/cetak")
@login_required
def print_lesson(slug: str, lesson_id: int):
    """A clean page of one lesson for printing (the print stylesheet does the rest)."""
    lesson = _lesson_or_404(slug, lesson_id)
    course = lesson.module.course
    if not permissions.can_author(current_user):
        outline = services.course_outline(course, current_user)
        if not services.lesson_state(outline, lesson)[0].open:
            return _locked_response(course, lesson.module)
    return render_template("courses/print.html", course=course, lesson=lesson)


@bp.get("/kursus/<slug>/modul/<int:module_id>/unduh")
@login_required
def download_module(slug: str, module_id: int):
    """The whole module as one light, self-contained HTML file for reading offline."""
    module = db.session.get(Module, module_id)
    if module is None or module.course.slug != slug or not permissions.can_view_module(current_user, module):
        abort(404)
    course = module.course
    if not permissions.can_author(current_user):
        outline = services.course_outline(course, current_user)
        state = next((m for m in outline.modules if m.module.id == module.id), None)
        if state is None or not state.open:
            return _locked_response(course, module)
    lessons = services.module_lessons(module)
    html = render_template(
        "courses/offline_module.html",
        course=course,
        module=module,
        lessons=lessons,
        embeds={le.id: services.video_embed(le.video_url) for le in lessons if le.video_url},
        generated_at=utcnow(),
    )
    response = current_app.response_class(html, mimetype="text/html")
    filename = f"{course.slug}-modul-{module.position + 1}.html"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/kursus/<slug>/berkas/<int:lesson_id>")
@login_required
def lesson_file(slug: str, lesson_id: int):
    """A file lesson's document (PDF opens in the browser; Office documents download)."""
    lesson = _lesson_or_404(slug, lesson_id)
    return send_stored(
        lesson.file_key,
        lesson.file_name or "berkas",
        lesson.file_mime,
        inline=lesson.file_mime in INLINE_MIMES,
    )


@bp.get("/kursus/<slug>/lampiran/<int:attachment_id>")
@login_required
def attachment(slug: str, attachment_id: int):
    """A lesson's attachment."""
    item = db.get_or_404(LessonAttachment, attachment_id)
    _lesson_or_404(slug, item.lesson_id)  # 404 unless the lesson (of this course) may be seen
    return send_stored(item.key, item.name, item.mime, inline=item.mime in INLINE_MIMES)


@bp.get("/belajar/surat-tugas/<int:enrolment_id>")
@login_required
def surat_tugas(enrolment_id: int):
    """The participant's own surat tugas (and for admins)."""
    enrolment = visible_or_404(Enrolment, enrolment_id, permissions.can_view_surat_tugas)
    return send_stored(enrolment.surat_tugas_key, enrolment.surat_tugas_name or "surat-tugas", None)
