""" "JP Saya": a person's JP of the year against the target (page, print, CSV), and the external
training they record, correct, withdraw and download. The ledger belongs to ``lms.jp``."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.extensions import db
from lms.jp import permissions as jp_permissions
from lms.jp import services as jp_services
from lms.jp.models import ExternalStatus, ExternalTraining
from lms.results.forms import ExternalEditForm, ExternalTrainingForm
from lms.results.views import bp
from lms.results.views._shared import confirmed_change, csv_download, form_status, int_or_none
from lms.web import run_service, send_stored, upload_of


@bp.get("/jp")
@login_required
def my_jp():
    """ "JP Saya": this year's JP against the target, the records behind it, earlier years and
    the external training recorded."""
    year = int_or_none(request.args.get("tahun"))
    ledger = jp_services.ledger(current_user, year)
    return render_template("results/jp.html", ledger=ledger, services=jp_services, statuses=ExternalStatus)


@bp.get("/jp/cetak")
@login_required
def my_jp_print():
    """A printable JP statement of one year."""
    year = int_or_none(request.args.get("tahun"))
    ledger = jp_services.ledger(current_user, year)
    return render_template("results/jp_print.html", ledger=ledger, services=jp_services)


@bp.get("/jp/jp-saya.csv")
@login_required
def my_jp_csv():
    """Every JP record of the person as CSV."""
    columns, rows = jp_services.ledger_export(current_user)
    return csv_download(columns, rows, "jp-saya.csv")


def _external_data(form) -> jp_services.ExternalData:
    return jp_services.ExternalData(
        title=form.title.data or "",
        organizer=form.organizer.data or "",
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        jp=form.jp.data or 0,
    )


@bp.route("/jp/eksternal/baru", methods=["GET", "POST"])
@login_required
def external_new():
    """Record an external training with its certificate for an admin to verify."""
    form = ExternalTrainingForm()
    if form.validate_on_submit():
        upload = upload_of(form.certificate)
        if run_service(
            lambda: jp_services.submit_external_training(
                current_user, _external_data(form), upload.stream, upload.filename
            ),
            form=form,
            success=_("Pelatihan dicatat dan menunggu verifikasi admin. JP dihitung setelah diverifikasi."),
        ):
            return redirect(url_for("results.my_jp"))
    return render_template("results/external_form.html", form=form, training=None), form_status()


def _own_external(training_id: int) -> ExternalTraining:
    training = db.get_or_404(ExternalTraining, training_id)
    if not jp_permissions.can_view_external(current_user, training):
        abort(404)
    return training


@bp.route("/jp/eksternal/<int:training_id>", methods=["GET", "POST"])
@login_required
def external_edit(training_id: int):
    """See one's external training; correct it while pending or rejected."""
    training = _own_external(training_id)
    editable = (
        jp_permissions.can_edit_external(current_user, training)
        and training.status != ExternalStatus.VERIFIED
    )
    form = ExternalEditForm(obj=training if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(training.version)
    if request.method == "POST":
        if not editable:
            abort(404)
        if form.validate_on_submit():
            upload = upload_of(form.certificate)
            if run_service(
                lambda: jp_services.update_external_training(
                    training,
                    _external_data(form),
                    upload.stream if upload else None,
                    upload.filename if upload else None,
                    expected_version=int_or_none(form.version.data),
                ),
                form=form,
                success=_("Perubahan disimpan dan dikirim untuk diverifikasi."),
            ):
                return redirect(url_for("results.my_jp"))
    return render_template(
        "results/external_form.html", form=form, training=training, editable=editable, services=jp_services
    ), form_status()


@bp.route("/jp/eksternal/<int:training_id>/hapus", methods=["GET", "POST"])
@login_required
def external_delete(training_id: int):
    """Withdraw an unverified external training (after a confirmation page)."""
    training = _own_external(training_id)
    if not jp_permissions.can_edit_external(current_user, training):
        abort(404)
    return confirmed_change(
        lambda: jp_services.delete_external_training(training, current_user),
        success=_("Catatan pelatihan dihapus."),
        next_url=url_for("results.my_jp"),
        title=_("Hapus catatan pelatihan"),
        question=_("Hapus catatan pelatihan %(title)s beserta berkasnya?", title=training.title),
        cancel_url=url_for("results.external_edit", training_id=training.id),
        danger=True,
    )


@bp.get("/jp/eksternal/<int:training_id>/berkas")
@login_required
def external_file(training_id: int):
    """The uploaded certificate of an external training (owner and admins)."""
    training = _own_external(training_id)
    return send_stored(training.file_key, training.file_name, training.file_mime)
