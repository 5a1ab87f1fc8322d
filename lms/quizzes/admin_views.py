"""Blueprint "quizzes_admin": question banks (import, export, edit), quiz settings and questions,
and the reports (attempts, pre/post gain, item analysis with CSV). Admins only; 404 for others."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import timezones
from lms.courses.models import Course
from lms.errors import DomainError, ImportRejected
from lms.extensions import db
from lms.pagination import paginate_rows
from lms.quizzes import services
from lms.quizzes.forms import (
    AddQuestionsForm,
    ImportQuestionsForm,
    QuestionFilterForm,
    QuestionForm,
    QuizForm,
    RandomSlotForm,
)
from lms.quizzes.models import GradingMethod, Question, Quiz, QuizKind, QuizSlot, ReviewTiming
from lms.quizzes.question_types import QUESTION_TYPES
from lms.web import ConfirmForm, Outcome, admin_required, run_service, send_bytes

bp = Blueprint("quizzes_admin", __name__, url_prefix="/admin")

GIFT_EXAMPLE = """::Contoh:: Asas pelayanan publik menurut UU 25/2009 antara lain {
\t=kepastian hukum#Benar, itu salah satu asas.
\t~keuntungan#Bukan asas pelayanan publik.
\t~kerahasiaan
\t####Lihat Pasal 4 UU 25/2009.
}"""


def _form_time(value: datetime | None) -> datetime | None:
    """A stored UTC time as the admin's wall-clock time, for a datetime-local field."""
    return None if value is None else timezones.to_local(value, current_user.timezone).replace(tzinfo=None)


def _run_import(action, field) -> Outcome:
    """:func:`lms.web.run_service` for the GIFT and Aiken pages: a refused import lists its lines
    under the form (``line_errors``) and flashes nothing; another refusal goes on ``field``."""
    try:
        value = action()
    except ImportRejected as exc:
        db.session.rollback()
        return Outcome(False, error=exc)
    except DomainError as exc:
        db.session.rollback()
        field.errors.append(exc.message)
        return Outcome(False, error=exc)
    db.session.commit()
    return Outcome(True, value=value)


def _course(course_id: int) -> Course:
    return db.get_or_404(Course, course_id)


@bp.get("/kuis/")
@admin_required
def index():
    """Every course with its bank size and quizzes: the way into banks and quizzes."""
    page = paginate_rows(services.courses_overview_stmt())
    return render_template("quizzes/admin/index.html", page=page)


# ------------------------------------------------------------------ question bank


def _bank_page(course: Course, categories, form: QuestionFilterForm):
    """One page of the course's question bank as the filter form (category, tag, type, text) asks."""
    form.fill(categories, services.tags_of(course.id))
    stmt = services.search_questions(
        course.id,
        category_id=int(form.category.data) if (form.category.data or "").isdigit() else None,
        tag=form.tag.data or None,
        qtype=form.qtype.data or None,
        q=form.q.data,
    )
    return db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)


@bp.get("/kursus/<int:course_id>/bank-soal/")
@admin_required
def bank(course_id: int):
    """The course's question bank: filter by category, tag, type and text."""
    course = _course(course_id)
    categories = services.categories_of(course.id)
    form = QuestionFilterForm(request.args)
    page = _bank_page(course, categories, form)
    return render_template(
        "quizzes/admin/bank.html",
        course=course,
        categories=categories,
        form=form,
        page=page,
        types=QUESTION_TYPES,
    )


@bp.route("/kursus/<int:course_id>/bank-soal/impor", methods=["GET", "POST"])
@admin_required
def import_questions(course_id: int):
    """Upload a GIFT or Aiken file: everything is imported, or nothing with every error listed."""
    course = _course(course_id)
    form = ImportQuestionsForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read(services.MAX_IMPORT_BYTES + 1)
        if len(raw) > services.MAX_IMPORT_BYTES:
            form.file.errors.append(_("Berkas terlalu besar (batas 2 MB)."))
        else:
            imported = _run_import(
                lambda: services.import_questions(
                    course,
                    raw.decode("utf-8-sig", errors="replace"),
                    form.fmt.data,
                    filename=upload.filename,
                    category=form.category.data or None,
                ),
                form.file,
            )
            errors = imported.line_errors
            if imported:
                summary = imported.value
                parts = ", ".join(f"{QUESTION_TYPES[k].label} {n}" for k, n in summary.counts.items())
                flash(_("%(n)s soal diimpor: %(parts)s.", n=summary.total, parts=parts), "success")
                return redirect(url_for("quizzes_admin.bank", course_id=course.id))
    status = 400 if request.method == "POST" else 200
    return render_template("quizzes/admin/import.html", course=course, form=form, errors=errors), status


@bp.get("/kursus/<int:course_id>/bank-soal/ekspor")
@admin_required
def export_questions(course_id: int):
    """Download the bank (or one category) as GIFT."""
    course = _course(course_id)
    category_id = request.args.get("kategori", type=int)
    text = services.export_gift(course.id, category_id)
    return send_bytes(text, f"bank-soal-{course.slug}.gift.txt", "text/plain; charset=utf-8")


def _save_question(course: Course, form: QuestionForm, question: Question | None):
    """Save the GIFT editor's question (a new one when ``question`` is None), or show the form
    again with the source's line errors."""
    errors = []
    if form.validate_on_submit():
        version = form.version.data
        saved = _run_import(
            lambda: services.save_question_gift(
                course,
                form.source.data,
                form.category.data,
                form.tags.data,
                question=question,
                expected_version=int(version) if question and (version or "").isdigit() else None,
                default_mark=float(form.default_mark.data),
            ),
            form.source,
        )
        errors = saved.line_errors
        if saved:
            flash(_("Soal disimpan."), "success")
            return redirect(url_for("quizzes_admin.bank", course_id=course.id))
    return (
        render_template(
            "quizzes/admin/question_form.html",
            course=course,
            form=form,
            question=question,
            errors=errors,
            example=GIFT_EXAMPLE,
        ),
        400 if request.method == "POST" else 200,
    )


@bp.route("/kursus/<int:course_id>/bank-soal/baru", methods=["GET", "POST"])
@admin_required
def new_question(course_id: int):
    """Write a new question in GIFT."""
    course = _course(course_id)
    form = QuestionForm()
    if request.method == "GET":
        form.source.data = GIFT_EXAMPLE
    return _save_question(course, form, None)


def _question(course_id: int, question_id: int) -> tuple[Course, Question]:
    course = _course(course_id)
    question = db.get_or_404(Question, question_id)
    if question.course_id != course.id:
        abort(404)
    return course, question


@bp.route("/kursus/<int:course_id>/bank-soal/<int:question_id>/ubah", methods=["GET", "POST"])
@admin_required
def edit_question(course_id: int, question_id: int):
    """Edit a question's GIFT source, category, tags and mark (attempts keep their copy)."""
    course, question = _question(course_id, question_id)
    form = QuestionForm()
    if request.method == "GET":
        form.source.data = services.question_as_gift(question)
        form.category.data = question.category.path
        form.tags.data = ", ".join(question.tags)
        form.default_mark.data = question.default_mark
        form.version.data = str(question.version)
    return _save_question(course, form, question)


@bp.route("/kursus/<int:course_id>/bank-soal/<int:question_id>/hapus", methods=["GET", "POST"])
@admin_required
def delete_question(course_id: int, question_id: int):
    """Confirm, then delete a question that no quiz uses."""
    course, question = _question(course_id, question_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        run_service(lambda: services.delete_question(question), success=_("Soal dihapus."))
        return redirect(url_for("quizzes_admin.bank", course_id=course.id))
    return render_template(
        "quizzes/admin/confirm.html",
        title=_("Hapus soal"),
        message=_("Hapus soal \u201c%(t)s\u201d dari bank soal?", t=question.title),
        form=form,
        cancel=url_for("quizzes_admin.bank", course_id=course.id),
    )


# ------------------------------------------------------------------ quizzes


@bp.get("/kursus/<int:course_id>/kuis/")
@admin_required
def course_quizzes(course_id: int):
    """The course's quizzes."""
    course = _course(course_id)
    quizzes = services.quiz_choices(course.id)
    return render_template("quizzes/admin/course_quizzes.html", course=course, quizzes=quizzes)


def _fill_quiz_form(form: QuizForm, course: Course, quiz: Quiz | None) -> None:
    form.module_id.choices = [("", _("Tingkat kursus (di luar modul)"))] + [
        (str(m.id), m.title) for m in services.modules_of(course.id)
    ]
    form.pre_test_id.choices = [("", _("Tidak dipasangkan"))] + [
        (str(q.id), q.title)
        for q in services.quiz_choices(course.id, QuizKind.PRE_TEST)
        if quiz is None or q.id != quiz.id
    ]


def _settings_from(form: QuizForm) -> services.QuizSettings:
    def as_int(value):
        return int(value) if value not in (None, "") and str(value).isdigit() else None

    return services.QuizSettings(
        title=form.title.data.strip(),
        description=form.description.data or "",
        kind=QuizKind(form.kind.data),
        module_id=as_int(form.module_id.data),
        pre_test_id=as_int(form.pre_test_id.data) if form.kind.data == QuizKind.POST_TEST else None,
        shuffle_questions=bool(form.shuffle_questions.data),
        shuffle_options=bool(form.shuffle_options.data),
        questions_per_page=form.questions_per_page.data or 0,
        time_limit_minutes=form.time_limit_minutes.data,
        open_at=timezones.to_utc(form.open_at.data, current_user.timezone),
        close_at=timezones.to_utc(form.close_at.data, current_user.timezone),
        max_attempts=form.max_attempts.data,
        grading_method=GradingMethod(form.grading_method.data),
        passing_grade=float(form.passing_grade.data),
        review=ReviewTiming(form.review.data),
        required_for_completion=bool(form.required_for_completion.data),
        published=bool(form.published.data),
    )


@bp.route("/kursus/<int:course_id>/kuis/baru", methods=["GET", "POST"])
@admin_required
def new_quiz(course_id: int):
    """Create a quiz."""
    course = _course(course_id)
    form = QuizForm()
    _fill_quiz_form(form, course, None)
    if form.validate_on_submit():
        created = run_service(
            lambda: services.create_quiz(course, _settings_from(form)),
            form=form,
            success=_("Kuis dibuat. Tambahkan soalnya."),
        )
        if created:
            return redirect(url_for("quizzes_admin.quiz_detail", quiz_id=created.value.id))
    status = 400 if request.method == "POST" else 200
    return render_template("quizzes/admin/quiz_form.html", course=course, form=form, quiz=None), status


def _quiz(quiz_id: int) -> Quiz:
    return db.get_or_404(Quiz, quiz_id)


@bp.get("/kuis/<int:quiz_id>")
@admin_required
def quiz_detail(quiz_id: int):
    """A quiz's settings and questions."""
    quiz = _quiz(quiz_id)
    return render_template(
        "quizzes/admin/quiz_detail.html",
        quiz=quiz,
        course=quiz.course,
        slots=services.slot_rows(quiz),
        question_count=services.quiz_question_count(quiz),
        form=ConfirmForm(),
        types=QUESTION_TYPES,
    )


@bp.route("/kuis/<int:quiz_id>/ubah", methods=["GET", "POST"])
@admin_required
def edit_quiz(quiz_id: int):
    """Change a quiz's settings."""
    quiz = _quiz(quiz_id)
    course = quiz.course
    if request.method == "GET":
        form = QuizForm(obj=quiz)
        form.kind.data = quiz.kind.value
        form.grading_method.data = quiz.grading_method.value
        form.review.data = quiz.review.value
        form.module_id.data = str(quiz.module_id or "")
        form.pre_test_id.data = str(quiz.pre_test_id or "")
        form.open_at.data = _form_time(quiz.open_at)
        form.close_at.data = _form_time(quiz.close_at)
        form.version.data = str(quiz.version)
    else:
        form = QuizForm()
    _fill_quiz_form(form, course, quiz)
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        if run_service(
            lambda: services.update_quiz(quiz, _settings_from(form), expected_version=version),
            form=form,
            success=_("Pengaturan kuis disimpan."),
        ):
            return redirect(url_for("quizzes_admin.quiz_detail", quiz_id=quiz.id))
    status = 400 if request.method == "POST" else 200
    return render_template("quizzes/admin/quiz_form.html", course=course, form=form, quiz=quiz), status


@bp.route("/kuis/<int:quiz_id>/hapus", methods=["GET", "POST"])
@admin_required
def delete_quiz(quiz_id: int):
    """Confirm, then delete a quiz nobody attempted."""
    quiz = _quiz(quiz_id)
    course_id = quiz.course_id
    form = ConfirmForm()
    if form.validate_on_submit():
        if not run_service(lambda: services.delete_quiz(quiz), success=_("Kuis dihapus.")):
            return redirect(url_for("quizzes_admin.quiz_detail", quiz_id=quiz_id))
        return redirect(url_for("quizzes_admin.course_quizzes", course_id=course_id))
    return render_template(
        "quizzes/admin/confirm.html",
        title=_("Hapus kuis"),
        message=_("Hapus kuis \u201c%(t)s\u201d?", t=quiz.title),
        form=form,
        cancel=url_for("quizzes_admin.quiz_detail", quiz_id=quiz_id),
    )


@bp.route("/kuis/<int:quiz_id>/soal", methods=["GET", "POST"])
@admin_required
def quiz_questions(quiz_id: int):
    """Add bank questions (fixed) or a random draw from a category."""
    quiz = _quiz(quiz_id)
    course = quiz.course
    categories = services.categories_of(course.id)
    add_form = AddQuestionsForm(prefix="tetap")
    random_form = RandomSlotForm(prefix="acak")
    random_form.category_id.choices = [(str(c.id), f"{c.path} ({n})") for c, n in categories]
    if request.method == "POST":
        try:
            if "tetap-submit" in request.form and add_form.validate_on_submit():
                ids = [int(x) for x in request.form.getlist("pilih") if x.isdigit()]
                mark = float(add_form.mark.data) if add_form.mark.data else None
                added = run_service(lambda: services.add_questions(quiz, ids, mark))
                if added:
                    flash(_("%(n)s soal ditambahkan.", n=added.value), "success")
                    return redirect(url_for("quizzes_admin.quiz_detail", quiz_id=quiz.id))
            elif "acak-submit" in request.form and random_form.validate_on_submit():
                mark = float(random_form.mark.data) if random_form.mark.data else None
                category_id = int(random_form.category_id.data)
                if run_service(
                    lambda: services.add_random_slot(quiz, category_id, random_form.count.data, mark),
                    success=_("Soal acak ditambahkan."),
                ):
                    return redirect(url_for("quizzes_admin.quiz_detail", quiz_id=quiz.id))
        except ValueError:
            db.session.rollback()
            flash(_("Data tidak sah."), "error")
    filter_form = QuestionFilterForm(request.args)
    page = _bank_page(course, categories, filter_form)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "quizzes/admin/quiz_questions.html",
        quiz=quiz,
        course=course,
        page=page,
        add_form=add_form,
        random_form=random_form,
        filter_form=filter_form,
        types=QUESTION_TYPES,
    ), status


def _slot(quiz_id: int, slot_id: int) -> QuizSlot:
    slot = db.get_or_404(QuizSlot, slot_id)
    if slot.quiz_id != quiz_id:
        abort(404)
    return slot


@bp.post("/kuis/<int:quiz_id>/slot/<int:slot_id>/hapus")
@admin_required
def remove_slot(quiz_id: int, slot_id: int):
    """Take a question (or a random draw) out of the quiz."""
    slot = _slot(quiz_id, slot_id)
    ConfirmForm().validate_on_submit() or abort(400)
    services.remove_slot(slot)
    db.session.commit()
    flash(_("Soal dikeluarkan dari kuis."), "success")
    return redirect(url_for("quizzes_admin.quiz_detail", quiz_id=quiz_id))


@bp.post("/kuis/<int:quiz_id>/slot/<int:slot_id>/pindah/<direction>")
@admin_required
def move_slot(quiz_id: int, slot_id: int, direction: str):
    """Move a question up or down."""
    slot = _slot(quiz_id, slot_id)
    ConfirmForm().validate_on_submit() or abort(400)
    services.move_slot(slot, -1 if direction == "naik" else 1)
    db.session.commit()
    return redirect(url_for("quizzes_admin.quiz_detail", quiz_id=quiz_id))


# ------------------------------------------------------------------ reports


@bp.get("/kuis/<int:quiz_id>/hasil")
@admin_required
def attempts_report(quiz_id: int):
    """Every attempt of the quiz, newest first."""
    quiz = _quiz(quiz_id)
    page = paginate_rows(services.attempts_report_stmt(quiz))
    return render_template("quizzes/admin/attempts.html", quiz=quiz, course=quiz.course, page=page)


@bp.get("/kuis/<int:quiz_id>/peningkatan")
@admin_required
def gain_report(quiz_id: int):
    """Pre-test and post-test: per angkatan and per learner, scores, gain and normalised gain."""
    quiz = _quiz(quiz_id)
    if quiz.kind != QuizKind.POST_TEST:
        abort(404)
    summaries = services.gain_summaries(quiz)
    angkatan_id = request.args.get("angkatan", type=int)
    selected = next((s for s in summaries if s.angkatan_id == angkatan_id), None)
    page = rows = None
    if selected is not None:
        page = paginate_rows(services.gain_rows_stmt(quiz, selected.angkatan_id), per_page=60)
        rows = [services.GainRow(*row) for row in page.items]
    return render_template(
        "quizzes/admin/gain.html",
        quiz=quiz,
        course=quiz.course,
        summaries=summaries,
        selected=selected,
        page=page,
        rows=rows,
    )


@bp.get("/kuis/<int:quiz_id>/analisis")
@admin_required
def item_analysis(quiz_id: int):
    """Facility and discrimination of each question, and how often each option was chosen."""
    quiz = _quiz(quiz_id)
    analysis = services.item_analysis(quiz)
    return render_template(
        "quizzes/admin/analysis.html", quiz=quiz, course=quiz.course, analysis=analysis, types=QUESTION_TYPES
    )


@bp.get("/kuis/<int:quiz_id>/analisis.csv")
@admin_required
def item_analysis_csv(quiz_id: int):
    """The item analysis as CSV."""
    quiz = _quiz(quiz_id)
    text = services.item_analysis_csv(quiz, services.item_analysis(quiz))
    return send_bytes("\ufeff" + text, f"analisis-butir-kuis-{quiz.id}.csv", "text/csv; charset=utf-8")
