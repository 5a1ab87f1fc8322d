"""Blueprint "reviews": the mentor, coach and penguji side. The queue at /reviews shows only
what waits for the user's own decision (oldest first, days waiting, overdue mark), the review
page shows text, files, earlier versions and comments and takes the decision; after a decision
the next item opens. Seminar sessions: scoring with the seminar rubric and the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.errors import DomainError, StaleEdit
from lms.extensions import db
from lms.memo import FragmentCache
from lms.models_base import utcnow
from lms.projects import permissions, services
from lms.projects.forms import (
    STATE_CHOICES,
    DecisionForm,
    OutcomeForm,
    QueueFilterForm,
    SeminarScoreForm,
    scores_from,
    with_scores,
)
from lms.projects.models import SeminarSession, SeminarSlot, StageSubmission
from lms.projects.queries import seminars as seminar_queries
from lms.web import run_service, visible_or_404

bp = Blueprint("reviews", __name__, url_prefix="/reviews")

# Rendered filter forms, kept per process.
FILTER_FORM_CACHE_SIZE = 256
FILTER_FORMS = FragmentCache("reviews_filter_forms", FILTER_FORM_CACHE_SIZE)
# The tag colours of projects/_partials.html's state_tag, for rows prepared in the view.
STATE_TAG_CLASSES = {"submitted": "tag-warn", "resubmitted": "tag-warn", "in_review": "tag-warn"}


@bp.app_context_processor
def _badge():
    """``nav_reviews()``: None when the user has no queue, else the number waiting (the badge)."""

    def nav_reviews():
        if not current_user.is_authenticated or not permissions.can_use_review_queue(current_user):
            return None
        return services.queue_count(current_user)

    return {"nav_reviews": nav_reviews}


def _overdue_days() -> int:
    return int(current_app.config.get("REVIEW_OVERDUE_DAYS", services.DEFAULT_OVERDUE_DAYS))


def _queue_gate() -> None:
    if not permissions.can_use_review_queue(current_user):
        abort(404)


@dataclass
class FilterSelect:
    """One filter select of the queue page: what the template writes out."""

    name: str
    label: str
    choices: list
    data: str | None
    errors: list = field(default_factory=list)


def _queue_filters(summary: services.QueueSummary) -> list[FilterSelect]:
    """The queue's three filters (angkatan, stage, state) from the query string, with the
    choices present in the queue. Parsed by hand: QueueFilterForm is built and validated only
    when a value is not among the choices, for its messages (WTForms' three select fields cost
    more than the rest of the page's own work)."""
    args = request.args
    filters = [
        FilterSelect(
            "angkatan",
            _("Angkatan"),
            [("", _("Semua angkatan"))] + [(str(i), name) for i, name in summary.angkatan_choices()],
            args.get("angkatan"),
        ),
        FilterSelect(
            "stage",
            _("Tahap"),
            [("", _("Semua tahap"))] + [(name, name) for name in summary.stage_choices()],
            args.get("stage"),
        ),
        FilterSelect("state", _("Status"), STATE_CHOICES, args.get("state")),
    ]
    if all(not f.data or any(f.data == value for value, _label in f.choices) for f in filters):
        return filters
    form = QueueFilterForm(args)
    for f in filters:
        getattr(form, f.name).choices = f.choices
    form.validate()
    for f in filters:
        f.errors = list(getattr(form, f.name).errors)
    return filters


def _filter_form(summary: services.QueueSummary, angkatan, stage, state):
    """The filter form's HTML. It depends only on the choices (the angkatan and stages in the
    queue), the values asked for and the language, so it is rendered once per process for each
    of those (a bounded cache per process) and shared: the key holds everything the HTML shows
    (the form has no URL in it). A form with an unknown value (error messages) is rendered each
    time."""
    key = (
        str(get_locale()),
        tuple(summary.angkatan_choices()),
        tuple(summary.stage_choices()),
        angkatan,
        stage,
        state,
    )
    filters: list[FilterSelect] = []

    def build():
        filters.extend(_queue_filters(summary))
        return get_template_attribute("reviews/_queue.html", "filter_form")(filters)

    return FILTER_FORMS.render(key, build, keep=lambda _html: not any(f.errors for f in filters))


@bp.get("/")
@login_required
def queue():
    """The items waiting for my decision, oldest first, filterable and paginated."""
    _queue_gate()
    # One statement gives the filter choices, the page's total, the navigation badge and the
    # page's rows. The filters are then checked against the choices; an unknown stage or state
    # is ignored (an unknown angkatan still filters: nothing of it waits).
    args = request.args
    raw_angkatan, raw_stage, raw_state = args.get("angkatan"), args.get("stage"), args.get("state")
    angkatan_id = int(raw_angkatan) if (raw_angkatan or "").isdigit() else None
    state = raw_state if any(raw_state == value for value, _label in STATE_CHOICES[1:]) else None
    page_no = args.get("page", 1, type=int)
    per_page = current_app.config.get("PER_PAGE", 25)
    summary, page = services.queue_overview(
        current_user, angkatan_id, raw_stage or None, state, page_no, per_page
    )
    if raw_stage and raw_stage not in summary.stage_choices():  # a stage not in the queue
        summary, page = services.queue_overview(current_user, angkatan_id, None, state, page_no, per_page)
    filter_form = _filter_form(summary, raw_angkatan, raw_stage, raw_state)
    now = utcnow()
    overdue_days = _overdue_days()
    # Labels and the link are built once, not once per row (gettext and url_for cost per call).
    version_label = _("versi %(n)s")
    waiting_label = _("Menunggu %(d)s hari")
    detail_url = url_for("reviews.detail", submission_id=0)[: -len("0")]
    state_labels: dict = {}
    rows = []
    for item in page.items:
        days = services.days_waiting(item, now)
        if item.state not in state_labels:
            state_labels[item.state] = services.state_label(item.state)
        rows.append(
            {
                "item": item,
                "url": f"{detail_url}{item.id}",
                "state_label": state_labels[item.state],
                "state_class": STATE_TAG_CLASSES.get(item.state, ""),
                "version": version_label % {"n": item.current_version_no},
                "waiting": waiting_label % {"d": days},
                "overdue": days >= overdue_days,
            }
        )
    total = summary.total
    return render_template(
        "reviews/queue.html",
        filter_form=filter_form,
        page=page,
        rows=rows,
        overdue_days=overdue_days,
        # The badge in the navigation shows the same count: no second count query.
        nav_reviews=lambda: total,
    )


def _submission_or_404(submission_id: int) -> StageSubmission:
    submission = visible_or_404(StageSubmission, submission_id, permissions.can_view_review)
    return submission


def _render_review(submission: StageSubmission, form=None, status: int = 200):
    reviews = services.reviews_of(submission)
    roles = permissions.decision_roles(current_user, submission, reviews)
    criteria = submission.stage.criteria if submission.stage.scored else []
    if form is None:
        form = with_scores(DecisionForm, criteria)()
        mine = {s.criterion_id: s.score for s in services.scores_of(submission, current_user)}
        for c in criteria:
            getattr(form, f"score_{c.id}").data = mine.get(c.id)
        form.version.data = submission.version
    versions = list(reversed(submission.versions))
    current = versions[0] if versions else None
    all_scores = services.scores_of(submission)
    return render_template(
        "reviews/detail.html",
        submission=submission,
        project=submission.project,
        current=current,
        earlier=versions[1:],
        reviews=reviews,
        roles=roles,
        form=form,
        score_fields=[getattr(form, f"score_{c.id}") for c in criteria],
        criteria=criteria,
        all_scores=all_scores,
        left=permissions.required_roles_left(submission, reviews) if submission.is_waiting else [],
        days=services.days_waiting(submission),
        overdue_days=_overdue_days(),
        # The PDF viewer loads only on request: mentors on slow connections open the page fast.
        show_pdf=request.args.get("lihat", type=int),
    ), status


@bp.get("/<int:submission_id>")
@login_required
def detail(submission_id: int):
    """The review page of a submission."""
    submission = _submission_or_404(submission_id)
    return _render_review(submission)


@bp.post("/<int:submission_id>/keputusan")
@login_required
def decide(submission_id: int):
    """Record my decision (with rubric scores); then open the next item in my queue."""
    submission = _submission_or_404(submission_id)
    criteria = submission.stage.criteria if submission.stage.scored else []
    form = with_scores(DecisionForm, criteria)()
    if not form.validate_on_submit():
        return _render_review(submission, form, 400)
    try:
        services.decide(
            submission,
            reviewer=current_user,
            decision=form.decision.data,
            comment=form.comment.data,
            scores=scores_from(form, criteria),
            expected_version=form.version.data,
        )
    except StaleEdit as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("reviews.detail", submission_id=submission_id))
    except DomainError as exc:
        db.session.rollback()
        submission = _submission_or_404(submission_id)
        form.comment.errors.append(exc.message)
        return _render_review(submission, form, exc.status_code if exc.status_code != 403 else 400)
    db.session.commit()
    flash(_("Keputusan disimpan."), "success")
    nxt = services.next_in_queue(current_user, after=submission)
    if nxt is not None:
        return redirect(url_for("reviews.detail", submission_id=nxt.id))
    flash(_("Tidak ada lagi yang menunggu keputusan Anda."), "info")
    return redirect(url_for("reviews.queue"))


# --- seminars -----------------------------------------------------------------------------------


@bp.get("/seminar")
@login_required
def sessions():
    """Seminar sessions I take part in (as penguji, mentor or coach)."""
    _queue_gate()
    page = db.paginate(
        seminar_queries.my_sessions(current_user),
        per_page=current_app.config.get("PER_PAGE", 25),
        error_out=False,
    )
    return render_template("reviews/sessions.html", page=page)


@bp.get("/seminar/<int:session_id>")
@login_required
def session(session_id: int):
    """A seminar session: time slots, participants, penguji, outcomes."""
    sess = visible_or_404(SeminarSession, session_id, permissions.can_view_session)
    scorable = {s.id: permissions.seminar_scorer_role(current_user, s) for s in sess.slots}
    return render_template("reviews/session.html", sess=sess, scorable=scorable)


def _slot_or_404(slot_id: int) -> SeminarSlot:
    slot = db.session.get(SeminarSlot, slot_id)
    if slot is None:
        abort(404)
    if permissions.seminar_scorer_role(current_user, slot) is None and not permissions.can_decide_outcome(
        current_user, slot
    ):
        abort(404)
    return slot


def _render_slot(slot: SeminarSlot, score_form=None, outcome_form=None, status: int = 200):
    criteria = slot.session.stage.criteria
    role = permissions.seminar_scorer_role(current_user, slot)
    scores = services.seminar_scores(slot)
    if score_form is None:
        score_form = with_scores(SeminarScoreForm, criteria)(prefix="s")
        for s in scores:
            if s.scorer_id == current_user.id:
                getattr(score_form, f"score_{s.criterion_id}").data = s.score
    if outcome_form is None:
        outcome_form = OutcomeForm(
            prefix="o",
            data={
                "outcome": slot.outcome.value if slot.outcome else None,
                "note": slot.outcome_note,
                "version": slot.version,
            },
        )
    by_scorer: dict = {}
    for s in scores:
        by_scorer.setdefault(s.scorer_id, {"user": s.scorer, "role": s.role, "scores": {}})["scores"][
            s.criterion_id
        ] = s.score
    for row in by_scorer.values():
        row["total"] = services.weighted_total(criteria, row["scores"])
    return render_template(
        "reviews/slot.html",
        slot=slot,
        criteria=criteria,
        role=role,
        score_form=score_form,
        score_fields=[getattr(score_form, f"score_{c.id}") for c in criteria],
        outcome_form=outcome_form,
        can_decide=permissions.can_decide_outcome(current_user, slot),
        by_scorer=list(by_scorer.values()),
        project=services.project_of(slot.enrolment),
    ), status


@bp.route("/seminar/slot/<int:slot_id>", methods=["GET", "POST"])
@login_required
def slot(slot_id: int):
    """Score a participant's seminar presentation with the seminar rubric."""
    slot_obj = _slot_or_404(slot_id)
    if request.method == "GET":
        return _render_slot(slot_obj)
    if permissions.seminar_scorer_role(current_user, slot_obj) is None:
        abort(404)
    criteria = slot_obj.session.stage.criteria
    form = with_scores(SeminarScoreForm, criteria)(prefix="s")
    if not form.validate_on_submit():
        return _render_slot(slot_obj, score_form=form, status=400)
    if not run_service(
        lambda: services.score_seminar(slot_obj, current_user, scores_from(form, criteria)),
        field=form.submit,
        success=_("Nilai seminar disimpan."),
    ):
        return _render_slot(_slot_or_404(slot_id), score_form=form, status=400)
    return redirect(url_for("reviews.slot", slot_id=slot_id))


@bp.post("/seminar/slot/<int:slot_id>/hasil")
@login_required
def outcome(slot_id: int):
    """Record the seminar outcome of a participant (penguji of the session or admin)."""
    slot_obj = _slot_or_404(slot_id)
    if not permissions.can_decide_outcome(current_user, slot_obj):
        abort(404)
    form = OutcomeForm(prefix="o")
    if not form.validate_on_submit():
        return _render_slot(slot_obj, outcome_form=form, status=400)
    if not run_service(
        lambda: services.set_outcome(
            slot_obj, form.outcome.data, form.note.data, current_user, form.version.data
        ),
        success=_("Hasil seminar ditetapkan."),
    ):
        return redirect(url_for("reviews.slot", slot_id=slot_id))  # stale: the error is flashed
    return redirect(url_for("reviews.session", session_id=slot_obj.session_id))
