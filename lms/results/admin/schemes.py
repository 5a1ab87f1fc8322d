"""Assessment schemes per program: the list, a new scheme (blank or copied), editing an unused
one and deleting it."""

from __future__ import annotations

from decimal import Decimal

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.courses.models import Program
from lms.errors import DomainError
from lms.extensions import db
from lms.results import services
from lms.results.admin import bp
from lms.results.admin._common import paginate
from lms.results.forms import SchemeForm
from lms.results.models import AssessmentScheme
from lms.results.views._shared import confirmed_change, form_status, int_or_none
from lms.web import admin_required, run_service


def _program_choices() -> list[tuple[int, str]]:
    return [
        (p.id, f"{p.code} - {p.name}") for p in db.session.scalars(select(Program).order_by(Program.code))
    ]


@bp.get("/skema")
@admin_required
def schemes():
    """Assessment schemes per program, newest effective date first."""
    stmt = (
        select(AssessmentScheme)
        .join(Program, Program.id == AssessmentScheme.program_id)
        .options(
            selectinload(AssessmentScheme.program),
            selectinload(AssessmentScheme.components),
            selectinload(AssessmentScheme.bands),
        )
        .order_by(Program.code, AssessmentScheme.effective_from.desc())
    )
    return render_template(
        "results/admin/schemes.html", page=paginate(stmt), sources=services.component_sources()
    )


def _fill_rows(form: SchemeForm, components, bands) -> None:
    for i, entry in enumerate(form.components.entries):
        if i < len(components):
            c = components[i]
            entry.form.key.data, entry.form.label.data = c.key, c.label
            entry.form.weight.data = Decimal(str(c.weight))
    for i, entry in enumerate(form.bands.entries):
        if i < len(bands):
            b = bands[i]
            entry.form.label.data = b.label
            entry.form.above.data = Decimal(str(b.above)) if b.above is not None else None


def _fill_from(form: SchemeForm, scheme: AssessmentScheme) -> None:
    """Copy a scheme's program, name, components and bands into the form."""
    form.program_id.data = scheme.program_id
    form.name.data = scheme.name
    _fill_rows(form, scheme.components, [services.BandInput(b.label, b.above) for b in scheme.bands])


def _scheme_inputs(form: SchemeForm):
    components = [
        services.ComponentInput(
            key=(e.form.key.data or "").strip().lower(),
            label=(e.form.label.data or "").strip(),
            weight=float(e.form.weight.data or 0),
        )
        for e in form.components.entries
        if (e.form.key.data or "").strip() or (e.form.label.data or "").strip() or e.form.weight.data
    ]
    bands = [
        services.BandInput(
            label=(e.form.label.data or "").strip(),
            above=float(e.form.above.data) if e.form.above.data is not None else None,
        )
        for e in form.bands.entries
        if (e.form.label.data or "").strip() or e.form.above.data is not None
    ]
    return components, bands


def _scheme_form_page(form: SchemeForm, scheme: AssessmentScheme | None, locked: bool):
    return render_template(
        "results/admin/scheme_form.html",
        form=form,
        scheme=scheme,
        locked=locked,
        sources=services.component_sources(),
    ), form_status()


@bp.route("/skema/baru", methods=["GET", "POST"])
@admin_required
def scheme_new():
    """A new scheme: blank with the default predicate bands, or a copy of another (``?dari=``)."""
    form = SchemeForm()
    form.program_id.choices = _program_choices()
    if request.method == "GET":
        source = db.session.get(AssessmentScheme, int_or_none(request.args.get("dari")) or 0)
        if source is not None:
            _fill_from(form, source)
        else:
            form.program_id.data = int_or_none(request.args.get("program"))
            _fill_rows(form, [], services.default_bands())
    if form.validate_on_submit():
        program = db.session.get(Program, form.program_id.data)
        components, bands = _scheme_inputs(form)

        def create():
            if program is None:
                raise DomainError(_("Pilih program."))
            services.create_scheme(
                program, form.name.data, form.effective_from.data, components, bands, current_user
            )

        if run_service(create, form=form, success=_("Skema penilaian disimpan.")):
            return redirect(url_for("results_admin.schemes"))
    return _scheme_form_page(form, None, locked=False)


@bp.route("/skema/<int:scheme_id>", methods=["GET", "POST"])
@admin_required
def scheme_edit(scheme_id: int):
    """Edit a scheme no result uses yet; a used scheme is shown read-only (copy it instead)."""
    scheme = db.get_or_404(AssessmentScheme, scheme_id)
    locked = services.scheme_in_use(scheme)
    form = SchemeForm()
    form.program_id.choices = _program_choices()
    if request.method == "GET":
        _fill_from(form, scheme)
        form.effective_from.data = scheme.effective_from
        form.version.data = str(scheme.version)
    elif form.validate_on_submit():
        components, bands = _scheme_inputs(form)

        def update():
            services.update_scheme(
                scheme,
                form.name.data,
                form.effective_from.data,
                components,
                bands,
                current_user,
                expected_version=int_or_none(form.version.data),
            )

        if run_service(update, form=form, success=_("Skema penilaian diperbarui.")):
            return redirect(url_for("results_admin.schemes"))
    return _scheme_form_page(form, scheme, locked=locked)


@bp.route("/skema/<int:scheme_id>/hapus", methods=["GET", "POST"])
@admin_required
def scheme_delete(scheme_id: int):
    """Delete an unused scheme after a confirmation page."""
    scheme = db.get_or_404(AssessmentScheme, scheme_id)
    return confirmed_change(
        lambda: services.delete_scheme(scheme, current_user),
        success=_("Skema dihapus."),
        next_url=url_for("results_admin.schemes"),
        title=_("Hapus skema penilaian"),
        question=_("Hapus skema %(name)s?", name=scheme.name),
        cancel_url=url_for("results_admin.scheme_edit", scheme_id=scheme.id),
        danger=True,
    )
