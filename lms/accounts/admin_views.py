"""Blueprint "accounts_admin": user management for admins (list, create, edit, roles, import)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts import services
from lms.accounts.forms import ImportUsersForm, SearchForm, UserForm
from lms.accounts.models import User
from lms.errors import StaleEdit
from lms.extensions import db
from lms.web import ConfirmForm, admin_required, run_service, uploaded_text

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/pengguna")


def _data_from(form: UserForm) -> services.UserData:
    return services.UserData(
        full_name=form.full_name.data or "",
        nip=form.nip.data,
        username=form.username.data,
        email=form.email.data,
        employee_class=form.employee_class.data,
        instansi=form.instansi.data,
        unit=form.unit.data,
        jabatan=form.jabatan.data,
        pangkat_golongan=form.pangkat_golongan.data,
        birth_place=form.birth_place.data,
        roles=set(form.roles.data or []),
    )


@bp.get("/")
@admin_required
def index():
    """Users with search, role filter and pagination."""
    form = SearchForm(request.args)
    stmt = services.search_users(form.q.data, form.role.data or None)
    if form.active_only.data:
        stmt = stmt.where(User.active.is_(True))
    page = db.paginate(stmt, per_page=25, error_out=False)
    return render_template("accounts/admin/index.html", form=form, page=page)


@bp.route("/baru", methods=["GET", "POST"])
@admin_required
def create():
    """Create one user; the initial password is shown once."""
    form = UserForm()
    if form.validate_on_submit():
        created = run_service(lambda: services.create_user(_data_from(form)), form=form)
        if created:
            user, password = created.value
            flash(
                _(
                    "Akun %(name)s dibuat. Kata sandi awal: %(pw)s (sampaikan secara aman).",
                    name=user.full_name,
                    pw=password,
                ),
                "success",
            )
            return redirect(url_for("accounts_admin.edit", user_id=user.id))
    return render_template("accounts/admin/form.html", form=form, user=None), (
        400 if request.method == "POST" else 200
    )


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: int):
    """Edit a user; a stale form is refused, not overwritten."""
    user = db.get_or_404(User, user_id)
    form = UserForm()
    if request.method == "GET":
        form.full_name.data = user.full_name
        form.employee_class.data = user.employee_class.value
        form.nip.data = user.nip
        form.username.data = user.username
        form.email.data = user.email
        form.instansi.data = user.instansi.name if user.instansi else ""
        form.unit.data = user.unit.name if user.unit else ""
        form.jabatan.data = user.jabatan
        form.pangkat_golongan.data = user.pangkat_golongan
        form.birth_place.data = user.birth_place
        form.roles.data = [r.value for r in user.roles]
        form.version.data = str(user.version)
    elif form.validate_on_submit():
        saved = run_service(
            lambda: services.update_user(
                user, _data_from(form), expected_version=int(form.version.data or 0)
            ),
            form=form,
            success=_("Perubahan disimpan."),
        )
        if saved:
            return redirect(url_for("accounts_admin.edit", user_id=user.id))
        if isinstance(saved.error, StaleEdit):
            return render_template(
                "accounts/admin/form.html", form=form, user=user, confirm=ConfirmForm()
            ), 409
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/admin/form.html", form=form, user=user, confirm=ConfirmForm()), status


@bp.route("/<int:user_id>/status", methods=["GET", "POST"])
@admin_required
def toggle_active(user_id: int):
    """Deactivate or reactivate, after a confirmation page."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if run_service(lambda: services.set_active(user, not user.active, by=current_user)):
            flash(_("Akun diaktifkan.") if user.active else _("Akun dinonaktifkan."), "success")
        return redirect(url_for("accounts_admin.edit", user_id=user.id))
    return render_template(
        "accounts/admin/confirm.html",
        form=form,
        user=user,
        action=_("Aktifkan akun") if not user.active else _("Nonaktifkan akun"),
    )


@bp.route("/<int:user_id>/reset-sandi", methods=["GET", "POST"])
@admin_required
def reset_password(user_id: int):
    """Give the user a new random password, after a confirmation page."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        password = services.reset_password(user)
        db.session.commit()
        flash(
            _(
                "Kata sandi baru untuk %(name)s: %(pw)s (sampaikan secara aman).",
                name=user.full_name,
                pw=password,
            ),
            "success",
        )
        return redirect(url_for("accounts_admin.edit", user_id=user.id))
    return render_template(
        "accounts/admin/confirm.html", form=form, user=user, action=_("Atur ulang kata sandi")
    )


@bp.route("/impor", methods=["GET", "POST"])
@admin_required
def import_csv():
    """Import users from CSV: every row is checked first; one bad row imports nothing."""
    form = ImportUsersForm()
    errors = []
    created = []
    if form.validate_on_submit():
        upload = form.file.data
        text = uploaded_text(upload)
        imported = run_service(lambda: services.import_users_csv(text, filename=upload.filename or "CSV"))
        if imported:
            created = imported.value.created
            flash(_("%(n)s akun diimpor.", n=imported.value.count), "success")
        else:
            errors = imported.line_errors
    status = 400 if errors else 200
    return render_template("accounts/admin/import.html", form=form, errors=errors, created=created), status
