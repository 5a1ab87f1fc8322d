"""Blueprint "quizzes": the learner's side (start, attempt, autosave, submit, result) and the
essay grading queue of coaches and admins.

The attempt pages are the exam-day hot path: each loads what it shows in a few queries, and the
server's clock decides the time left. An attempt past its deadline plus grace is finished with its
saved answers by whichever request touches it first.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.database import writing
from lms.errors import DomainError
from lms.extensions import db
from lms.models_base import utcnow
from lms.pagination import ListPagination, paginate_rows
from lms.quizzes import permissions, services
from lms.quizzes import question_types as qt
from lms.quizzes.forms import GRADING_LABELS, KIND_LABELS, REVIEW_LABELS, GradeFilterForm, StartForm
from lms.quizzes.models import Attempt, AttemptQuestion, AttemptState, Quiz
from lms.web import ConfirmForm, role_required, run_service, visible_or_404

bp = Blueprint("quizzes", __name__)

MAX_JSON_VALUES = 200
STATE_LABELS = {
    AttemptState.IN_PROGRESS: _l("Sedang dikerjakan"),
    AttemptState.SUBMITTED: _l("Dikumpulkan"),
    AttemptState.NEEDS_GRADING: _l("Menunggu penilaian"),
    AttemptState.GRADED: _l("Dinilai"),
}


@bp.app_context_processor
def _labels():
    return {
        "quiz_labels": {
            "kind": KIND_LABELS,
            "grading": GRADING_LABELS,
            "review": REVIEW_LABELS,
            "state": STATE_LABELS,
        }
    }


def _grace() -> int:
    return int(current_app.config.get("QUIZ_GRACE_SECONDS", services.DEFAULT_GRACE_SECONDS))


def _own_attempt(attempt_id: int, with_quiz: bool = False) -> Attempt:
    attempt = services.attempt_with_quiz(attempt_id) if with_quiz else db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _touch(attempt: Attempt) -> Attempt:
    """Finish the attempt first when it is past its deadline plus grace (a read becomes a write)."""
    if not services.is_overdue(attempt, utcnow(), _grace()):
        return attempt
    attempt_id = attempt.id
    db.session.rollback()  # end the read transaction; SQLite must begin the write IMMEDIATE
    with writing():
        attempt = db.session.get(Attempt, attempt_id)
        services.finish_if_overdue(attempt, utcnow(), _grace())
        db.session.commit()
    return db.session.get(Attempt, attempt_id)


@bp.get("/kuis/")
@login_required
def my_quizzes():
    """The learner's quizzes across their courses, with the grade that counts."""
    user_id = current_user.id
    page = ListPagination(
        fetch=lambda limit, offset: services.learner_quiz_list_page(user_id, limit, offset),
        total=lambda: services.learner_quiz_list_count(user_id),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("quizzes/my_quizzes.html", page=page, rows=page.items)


@bp.get("/kuis/<int:quiz_id>")
@login_required
def start_page(quiz_id: int):
    """A quiz's start page: settings, the learner's attempts, and the start or continue button."""
    found = services.quiz_for_start_page(quiz_id)
    if found is None:
        abort(404)
    quiz, question_count = found
    if not permissions.can_take_quiz(current_user, quiz):
        abort(404)
    now = utcnow()
    attempts = services.user_attempts(quiz.id, current_user.id)
    open_attempt = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    if open_attempt is not None and services.is_overdue(open_attempt, now, _grace()):
        _touch(open_attempt)
        quiz = db.session.get(Quiz, quiz_id)
        attempts = services.user_attempts(quiz.id, current_user.id)
    check = services.start_check(quiz, attempts, now, question_count)
    return render_template(
        "quizzes/start.html",
        quiz=quiz,
        attempts=attempts,
        check=check,
        question_count=question_count,
        grade=next((a for a in attempts if a.state == AttemptState.GRADED), None),
    )


@bp.post("/kuis/<int:quiz_id>/mulai")
@login_required
def start(quiz_id: int):
    """Start an attempt (or continue the open one): a double click opens one attempt."""
    quiz = visible_or_404(Quiz, quiz_id, permissions.can_take_quiz)
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    started = run_service(lambda: services.start_attempt(quiz, current_user.id, utcnow(), _grace()).id)
    if not started:
        return redirect(url_for("quizzes.start_page", quiz_id=quiz_id))
    return redirect(url_for("quizzes.attempt", attempt_id=started.value))


@bp.get("/kuis/percobaan/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """The attempt page: the questions of one page with every saved answer restored."""
    attempt = _touch(_own_attempt(attempt_id, with_quiz=True))
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    page = services.attempt_page(attempt, request.args.get("hal", 1, type=int))
    return render_template(
        "quizzes/attempt.html",
        quiz=attempt.quiz,
        attempt=attempt,
        page=page,
        remaining=services.seconds_remaining(attempt),
        grace=_grace(),
    )


def _form_getlist(name: str) -> list[str]:
    return request.form.getlist(name)


@bp.post("/kuis/percobaan/<int:attempt_id>")
@login_required
def save_page(attempt_id: int):
    """Save the answers of the page (works without JavaScript), then go where the button says."""
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    ids = {int(x) for x in request.form.getlist("soal") if x.isdigit()}
    questions = db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.id.in_(ids))
    ).all()
    responses = services.parse_responses(list(questions), _form_getlist)
    action = request.form.get("aksi", "simpan")
    if not run_service(lambda: services.save_answers(attempt, responses, now, _grace()), commit=False):
        # The attempt was closed (submitted, or out of time): finish it if the time ran out.
        attempt = _touch(db.session.get(Attempt, attempt_id))
        target = "quizzes.result" if attempt.state != AttemptState.IN_PROGRESS else "quizzes.attempt"
        return redirect(url_for(target, attempt_id=attempt_id))
    if action == "waktu_habis" and attempt.deadline_at is not None and now >= attempt.deadline_at:
        services.submit_attempt(attempt, now, auto=True)
        db.session.commit()
        return redirect(url_for("quizzes.result", attempt_id=attempt_id))
    db.session.commit()
    if action in ("kumpulkan", "waktu_habis"):
        return redirect(url_for("quizzes.confirm_submit", attempt_id=attempt_id))
    flash(_("Jawaban tersimpan."), "success")
    goto = request.form.get("goto", type=int) or request.form.get("hal", 1, type=int)
    return redirect(url_for("quizzes.attempt", attempt_id=attempt_id, hal=goto))


def _json_error(status: int, message: str, **extra):
    return jsonify({"ok": False, "message": message, **extra}), status


@bp.post("/kuis/percobaan/<int:attempt_id>/jawaban")
@login_required
def autosave(attempt_id: int):
    """Save one answer as the learner gives it (JSON in, receipt out)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _json_error(400, _("Data jawaban tidak sah."))
    try:
        aq_id = int(payload.get("question"))
        seq = payload.get("seq")
        seq = int(seq) if seq is not None else None
    except (TypeError, ValueError):
        return _json_error(400, _("Data jawaban tidak sah."))
    values = payload.get("values")
    if not isinstance(values, dict) or len(values) > MAX_JSON_VALUES:
        return _json_error(400, _("Data jawaban tidak sah."))
    row = db.session.execute(
        select(AttemptQuestion, Attempt)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(AttemptQuestion.id == aq_id, Attempt.id == attempt_id)
    ).first()
    if row is None or row.Attempt.user_id != current_user.id:
        return _json_error(404, _("Soal tidak ditemukan."))
    aq, attempt = row

    def getlist(name: str) -> list[str]:
        value = values.get(name, [])
        items = value if isinstance(value, list) else [value]
        return [str(v)[:20000] for v in items[:MAX_JSON_VALUES] if isinstance(v, str | int | float)]

    response = services.parse_responses([aq], getlist)[aq.id]
    now = utcnow()
    try:
        receipt = services.save_answer(attempt.id, aq, response, seq, now, _grace())
    except services.AttemptClosed as exc:
        db.session.rollback()
        _touch(db.session.get(Attempt, attempt_id))
        return _json_error(
            409, exc.message, closed=True, result_url=url_for("quizzes.result", attempt_id=attempt_id)
        )
    remaining = services.seconds_remaining(attempt, now)
    db.session.commit()
    return jsonify(
        {
            "ok": True,
            "question": aq_id,
            "receipt": receipt.receipt,
            "stale": receipt.stale,
            "saved_at": receipt.saved_at.isoformat(),
            "remaining": remaining,
        }
    )


@bp.get("/kuis/percobaan/<int:attempt_id>/waktu")
@login_required
def status(attempt_id: int):
    """Seconds remaining by the server's clock (the page's countdown resynchronises with it)."""
    attempt = _touch(_own_attempt(attempt_id))
    return jsonify(
        {
            "state": str(attempt.state),
            "remaining": services.seconds_remaining(attempt),
            "result_url": url_for("quizzes.result", attempt_id=attempt_id),
        }
    )


@bp.route("/kuis/percobaan/<int:attempt_id>/kumpulkan", methods=["GET", "POST"])
@login_required
def confirm_submit(attempt_id: int):
    """Confirm, then submit: a repeated or retried submit shows the same result."""
    attempt = _touch(_own_attempt(attempt_id, with_quiz=True))
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect(url_for("quizzes.result", attempt_id=attempt_id))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.submit_attempt(attempt, utcnow())
        db.session.commit()
        flash(_("Jawaban sudah dikumpulkan."), "success")
        return redirect(url_for("quizzes.result", attempt_id=attempt_id))
    page = services.attempt_page(attempt, 1)
    unanswered = [q for q in page.all_questions if not q.answered]
    return render_template(
        "quizzes/confirm_submit.html",
        attempt=attempt,
        quiz=attempt.quiz,
        page=page,
        unanswered=unanswered,
        form=form,
        remaining=services.seconds_remaining(attempt),
        per_page=attempt.quiz.questions_per_page,
    )


@bp.get("/kuis/percobaan/<int:attempt_id>/hasil")
@login_required
def result(attempt_id: int):
    """The result of an attempt; answers and feedback as the quiz's review setting allows."""
    attempt = visible_or_404(Attempt, attempt_id, permissions.can_view_attempt)
    if attempt.user_id == current_user.id:
        attempt = _touch(attempt)
    if attempt.state == AttemptState.IN_PROGRESS:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    quiz = attempt.quiz
    own = attempt.user_id == current_user.id
    review = services.review_allowed(quiz, attempt) or not own
    page = services.attempt_page(attempt, 1) if review else None
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        quiz=quiz,
        page=page,
        review=review,
        feedback_for=services.feedback_for,
    )


# ------------------------------------------------------------------ essay grading


@bp.get("/penilaian/esai")
@role_required(permissions.is_grader)
def grading_queue():
    """Essays waiting for a grade, grouped per quiz question (coaches and admins)."""
    form = GradeFilterForm(request.args)
    page = paginate_rows(services.pending_essays_stmt(current_user, mine_only=bool(form.mine.data)))
    return render_template("quizzes/grading_queue.html", page=page, form=form)


@bp.route("/penilaian/esai/<int:quiz_id>/<int:question_id>", methods=["GET", "POST"])
@login_required
def grade_essays(quiz_id: int, question_id: int):
    """Grade the answers to one essay question on one page (no reload per learner)."""
    quiz = db.get_or_404(Quiz, quiz_id)
    if not permissions.can_grade(current_user, quiz.course):
        abort(404)
    mine = request.args.get("mine") == "y"
    show_graded = request.args.get("semua") == "y"
    stmt = services.essay_answers_stmt(
        quiz, question_id or None, current_user, mine, include_graded=show_graded
    )
    errors: dict[int, str] = {}
    if request.method == "POST":
        ConfirmForm().validate_on_submit() or abort(400)
        graded = 0
        ids = [int(x) for x in request.form.getlist("aq") if x.isdigit()]
        rows = db.session.scalars(
            select(AttemptQuestion)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(
                AttemptQuestion.id.in_(ids), Attempt.quiz_id == quiz.id, qt.manual_only(AttemptQuestion.qtype)
            )
        ).all()
        for aq in rows:
            raw = request.form.get(f"nilai_{aq.id}", "").strip()
            if not raw:
                continue
            score = qt.parse_number(raw)
            try:
                if score is None:
                    raise DomainError(_("Nilai harus berupa angka."))
                services.grade_essay(aq, current_user, score, request.form.get(f"komentar_{aq.id}", ""))
                graded += 1
            except DomainError as exc:
                errors[aq.id] = exc.message
        if not errors:
            db.session.commit()
            flash(_("%(n)s jawaban dinilai.", n=graded), "success")
            return redirect(request.full_path.rstrip("?"))
        db.session.rollback()
    page = paginate_rows(stmt, per_page=20)
    title = next((row[0].title for row in page.items), "")
    return render_template(
        "quizzes/grade_essays.html",
        quiz=quiz,
        question_id=question_id,
        page=page,
        errors=errors,
        form=ConfirmForm(),
        mine=mine,
        show_graded=show_graded,
        title=title,
        values=request.form if request.method == "POST" else {},
    ), (400 if errors else 200)
